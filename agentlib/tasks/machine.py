"""What both tasks' machines share: registers, reset, the exact answer.

Each task's machine has an accumulator ``acc``, one memory slot
``mem``, a cursor on the next operand, a step count and two flags; only
the tools differ, so each task module defines its own ``step`` and
shares the state, :func:`reset` and :func:`is_correct` from here, with
the checks of integer tensors and programs that bad input meets.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from agentlib.errors import AgentlibError, check_choice


@dataclass
class Machine:
    """The machine's state for a batch of episodes: (B,) tensors."""

    acc: torch.Tensor
    """The accumulator's value (0 while it is empty)."""
    acc_empty: torch.Tensor
    """True while the accumulator holds nothing."""
    mem: torch.Tensor
    """The memory's value (0 while it is empty)."""
    mem_empty: torch.Tensor
    """True while the memory holds nothing."""
    cursor: torch.Tensor
    """Index of the next context digit to hand out."""
    steps: torch.Tensor
    """Steps used so far."""
    done: torch.Tensor
    """True once ANS was chosen or the step budget is spent."""
    answered: torch.Tensor
    """True when ANS was chosen with a value in the accumulator."""


def reset(problems) -> Machine:
    """Empty registers, cursor on the first digit, for every problem."""
    zeros = torch.zeros_like(problems.length)
    empty = torch.ones_like(problems.length, dtype=torch.bool)
    return Machine(
        acc=zeros, acc_empty=empty, mem=zeros, mem_empty=empty,
        cursor=zeros, steps=zeros, done=~empty, answered=~empty,
    )


def is_correct(state: Machine, problems) -> torch.Tensor:
    """(B,) True where the episode answered exactly the stated target."""
    return state.answered & (state.acc == problems.target)


Step = Callable[[Machine, object, torch.Tensor], Machine]
"""A task's ``step(state, problems, action)``."""


def run_steps(step: Step, problems, actions: torch.Tensor) -> Machine:
    """The state after a (B, T) batch of action ids, from a reset."""
    state = reset(problems)
    for action in actions.unbind(1):
        state = step(state, problems, action)
    return state


def check_program(program: Sequence[str], tools: Sequence[str]
                  ) -> list[str]:
    """Return ``program`` as a list if it holds names of ``tools``,
    else raise."""
    if isinstance(program, str) or not isinstance(program, Sequence):
        raise AgentlibError(
            f"program must be a list of tool names, got {program!r}"
        )
    return [check_choice("tool", name, tools) for name in program]


def shape_of(value) -> str:
    """A tensor's shape, or what else ``value`` is, for messages."""
    if isinstance(value, torch.Tensor):
        return str(tuple(value.shape))
    return type(value).__name__


def check_integers(name: str, values: torch.Tensor,
                   what: str = "integers") -> None:
    """Raise unless the tensor ``values`` has an integer dtype (bool is
    not one: it would be read as 0 and 1)."""
    if values.is_floating_point() or values.is_complex() or (
        values.dtype == torch.bool
    ):
        raise AgentlibError(f"{name} must hold {what}, got {values.dtype}")


def check_values(name: str, values: torch.Tensor, allowed: range) -> None:
    """Raise unless the integer tensor ``values`` holds only ``allowed``.

    Critical: only CPU tensors are read. Reading a GPU's would make
    Python wait for the device, which the engine never does (and a CUDA
    graph cannot record).
    """
    check_integers(name, values)
    if values.device.type != "cpu":
        return
    outside = (values < allowed.start) | (values >= allowed.stop)
    if outside.any():
        raise AgentlibError(
            f"{name} must be {allowed.start}-{allowed[-1]}, "
            f"got {values[outside][0].item()}"
        )


def check_action_ids(actions: torch.Tensor, num: int) -> None:
    """Raise unless ``actions`` is a (num, T) tensor of integer ids
    >= 0 (ids past the tools are allowed: they only use a step)."""
    if not isinstance(actions, torch.Tensor) or actions.dim() != 2 or (
        len(actions) != num
    ):
        raise AgentlibError(
            f"actions must be a ({num}, T) tensor of action ids, "
            f"got {shape_of(actions)}"
        )
    check_integers("actions", actions, "integer action ids")
    if actions.device.type == "cpu" and (actions < 0).any():
        raise AgentlibError(
            f"action ids must be >= 0, got {actions.min().item()}")
