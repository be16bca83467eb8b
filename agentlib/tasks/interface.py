"""The seam between the engine and a task, written as typed protocols.

The engine (rollout, loss, curriculum, training, evaluation, ``solve``)
never names a task: it calls the members of :class:`Task` on whatever
task object it is handed, as gymnax's training code calls an
``Environment``. A new task is a new module under ``agentlib.tasks``
with a class that has every member below, and an entry in ``TASKS``.

Why a ``Protocol`` and not an abstract base class: a task states what
it is with plain class attributes and static functions of its module
(``reset = staticmethod(reset)``), and nothing in the engine needs a
task to inherit anything. :func:`check_task` gives what an ABC would,
and more plainly: it names every missing member at once, and a test
runs it on every entry of ``TASKS``.
"""

from collections.abc import Sequence
from typing import Protocol

import torch

from agentlib.errors import AgentlibError
from agentlib.tasks.machine import Machine


class Problems(Protocol):
    """A batch of problems: (B,)-row tensors, whatever else a task
    keeps in them (digits, operators, prefix values)."""

    stage: torch.Tensor
    """(B,) the curriculum's stage of each problem."""
    target: torch.Tensor
    """(B,) the answer each problem asks for."""

    def __len__(self) -> int:
        """The batch size B."""
        ...


class Task(Protocol):
    """What the engine needs of a task: its problems, machine, rewards,
    and what its agent reads."""

    name: str
    """The key of the task in ``TASKS``."""
    tools: tuple[str, ...]
    """Names of the machine's tools, in action-id order."""
    stages: tuple[int, ...]
    """The stages the curriculum trains, from 0."""
    held_out_stages: tuple[int, ...]
    """Stages scored at the end but never trained on."""
    shapings: tuple[str, ...]
    """Names ``score`` accepts for its ``shaping``."""
    defaults: dict[str, object]
    """The task's changes to the book's training config."""
    num_tokens: int
    """Size of the token vocabulary: the tools' action ids first, then
    the digits 0-9, then whatever else the task reads."""
    start_token: int
    """The token the agent reads before its first action."""
    max_context: int
    """Most tokens :meth:`context_tokens` returns for one problem."""
    num_obs: int
    """Ids of what :meth:`observe` returns (0: it returns None)."""

    def sample_problems(self, stage: torch.Tensor, num: int,
                        generator: torch.Generator | None,
                        device: torch.device) -> Problems:
        """``num`` fresh training problems of (num,) stages."""
        ...

    def evaluation_problems(self, num: int, seed: int,
                            device: str | torch.device) -> Problems:
        """``num`` problems of each trained stage, from ``seed``."""
        ...

    def test_batches(self, num: int, seed: int,
                     device: str | torch.device,
                     held_out: bool = False) -> list[Problems]:
        """The final score's problems, trained or held-out stages."""
        ...

    def problems_from_text(self, lines: Sequence[str],
                           device: str | torch.device) -> Problems:
        """A batch of problems written as text, one a line."""
        ...

    def parse_line(self, line: str) -> str:
        """A problem written as text, as an expression, else raise."""
        ...

    def reset(self, problems: Problems) -> Machine:
        """The machine's first state for every problem."""
        ...

    def step(self, state: Machine, problems: Problems,
             action: torch.Tensor) -> Machine:
        """The state after one (B,) action on every running episode."""
        ...

    def horizon(self, problems: Problems) -> int:
        """Steps a rollout of ``problems`` runs."""
        ...

    def score(self, state: Machine, problems: Problems,
              shaping: str = "none", progress_scale: float = 1.0,
              wrong_cost: float = 0.0) -> torch.Tensor:
        """(B,) what each state is worth under ``shaping``."""
        ...

    def is_correct(self, state: Machine, problems: Problems
                   ) -> torch.Tensor:
        """(B,) True where the episode answered the target exactly."""
        ...

    def context_tokens(self, problems: Problems
                       ) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, L) tokens the agent's first state reads, and where they
        are real."""
        ...

    def observe(self, state: Machine, problems: Problems
                ) -> torch.Tensor | None:
        """(B, K) observation ids the agent reads this step, or None."""
        ...


def protocol_members(protocol: type) -> list[str]:
    """The members a protocol declares: attributes, then methods."""
    methods = [name for name, value in vars(protocol).items()
               if callable(value) and not name.startswith("_")]
    return [*protocol.__annotations__, *methods]


def check_task(task: object) -> Task:
    """Return ``task`` if it has every member of :class:`Task`, else
    raise, naming the missing ones."""
    missing = [name for name in protocol_members(Task)
               if not hasattr(task, name)]
    if missing:
        raise AgentlibError(
            f"{type(task).__name__} is not a task: it has no "
            f"{', '.join(missing)}")
    return task
