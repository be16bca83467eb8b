"""The tool machine: problems, the calculator the agent drives, rewards.

A problem of stage ``s`` is a context of ``3 + s`` digits and a stated
target: ``a*b+c``, ``(a*b+c)-d`` or ``(a*b+c)-(d*e)``. The agent answers
by running tools on a small machine with an accumulator ``acc``, a
memory ``mem`` and a cursor that hands out the context's digits as
operands, left to right:

- ``MUL``: ``acc = x[i]*x[i+1]`` when ``acc`` is empty, else ``acc*x[i]``;
- ``ADD`` / ``SUB``: ``acc = acc +/- x[i]``;
- ``STO``: ``mem = acc`` and ``acc`` is emptied;
- ``RCL``: ``acc = mem - acc``;
- ``ANS``: ends the episode and answers ``acc`` (nothing when empty).

A tool whose operands or registers are missing does nothing but uses
its step; an episode has at most ``MAX_STEPS`` steps. The shortest
programs are ``MUL ADD ANS``, ``MUL ADD SUB ANS`` and
``MUL ADD STO MUL RCL ANS``.

The file has two machines: :func:`run_program`, plain Python to read,
and :func:`reset` / :func:`step`, the same rules on batches of torch
tensors, for training on any device. A test holds them equal.
"""

import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Integral

import torch

from agentlib.devices import resolve_device
from agentlib.errors import AgentlibError, check_count
from agentlib.tasks.arithmetic_rewards import SHAPINGS, progress, score
from agentlib.tasks.machine import (
    Machine,
    check_action_ids,
    check_program,
    check_values,
    is_correct,
    reset,
    run_steps,
    shape_of,
)
from agentlib.tasks.sampling import stage_by_stage

__all__ = ["Machine", "is_correct", "progress", "reset", "score"]
"""Shared with the other task, or kept in :mod:`.arithmetic_rewards`,
and read here by the chapters as ``arithmetic.<name>``."""

TOOLS = ("MUL", "ADD", "SUB", "STO", "RCL", "ANS")
MUL, ADD, SUB, STO, RCL, ANS = range(len(TOOLS))
NUM_TOOLS = len(TOOLS)
MAX_STEPS = 6
STAGES = (0, 1, 2)
MAX_CONTEXT = 3 + max(STAGES)
CONTEXT_TEXT = re.compile(r"\[?[0-9]([ ,]+[0-9])*\]?")


def check_stage(stage: int) -> int:
    """Return ``stage`` if it is 0, 1 or 2, else raise a clear error."""
    if isinstance(stage, bool) or stage not in STAGES:
        raise AgentlibError(f"stage must be 0, 1 or 2, got {stage!r}")
    return int(stage)


def check_context(context: Sequence[int]) -> list[int]:
    """Return ``context`` as a list if it holds 3 to 5 digits 0-9."""
    if isinstance(context, str) or not isinstance(context, Sequence):
        raise AgentlibError(f"context must be a list of digits: {context!r}")
    if not 3 <= len(context) <= MAX_CONTEXT:
        raise AgentlibError(
            f"context must have 3, 4 or 5 digits, got {len(context)}"
        )
    for digit in context:
        is_int = isinstance(digit, Integral) and not isinstance(digit, bool)
        if not is_int or digit not in range(10):
            raise AgentlibError(f"context digits must be 0-9, got {digit!r}")
    return [int(digit) for digit in context]


def stated_target(context: Sequence[int]) -> int:
    """The answer a problem asks for; the stage is the context's length.

    >>> stated_target([3, 4, 5]), stated_target([3, 4, 5, 2, 6])
    (17, 5)
    """
    a, b, c, *rest = check_context(context)
    if len(rest) == 1:
        return a * b + c - rest[0]
    if len(rest) == 2:
        return a * b + c - rest[0] * rest[1]
    return a * b + c


def run_program(
    context: Sequence[int], program: Sequence[str],
    recall: Callable[[int, int], int] = operator.sub,
) -> int | None:
    """Run tool names on ``context``; return the answer, or None.
    ``recall(mem, acc)`` is what ``RCL`` puts in ``acc`` (``mem - acc``;
    a hook for exercises: the batched :func:`step` keeps the rule).

    >>> run_program([3, 4, 5, 2, 6], "MUL ADD STO MUL RCL ANS".split())
    5
    """
    x = check_context(context)
    acc, mem, i = None, None, 0
    for tool in check_program(program, TOOLS)[:MAX_STEPS]:
        left = len(x) - i
        if tool == "MUL" and acc is None and left >= 2:
            acc, i = x[i] * x[i + 1], i + 2
        elif tool == "MUL" and acc is not None and left >= 1:
            acc, i = acc * x[i], i + 1
        elif tool == "ADD" and acc is not None and left >= 1:
            acc, i = acc + x[i], i + 1
        elif tool == "SUB" and acc is not None and left >= 1:
            acc, i = acc - x[i], i + 1
        elif tool == "STO" and acc is not None:
            mem, acc = acc, None
        elif tool == "RCL" and acc is not None and mem is not None:
            acc = recall(mem, acc)
        elif tool == "ANS":
            return acc
    return None


@dataclass
class Problems:
    """A batch of problems; every field is a tensor with B rows."""

    context: torch.Tensor
    """(B, 5) digits, zero after each context's length."""
    length: torch.Tensor
    """(B,) number of real digits, ``3 + stage``."""
    stage: torch.Tensor
    """(B,) the stage of each problem."""
    target: torch.Tensor
    """(B,) the stated target."""

    def __len__(self) -> int:
        """The batch size B."""
        return self.context.shape[0]


def check_batch(digits: torch.Tensor, stage: torch.Tensor) -> None:
    """Raise unless ``digits`` is (B, 5) of 0-9, ``stage`` (B,) of 0-2."""
    if not isinstance(digits, torch.Tensor) or digits.dim() != 2 or (
        digits.shape[1] != MAX_CONTEXT
    ):
        raise AgentlibError(
            f"digits must be a (B, {MAX_CONTEXT}) tensor, "
            f"got {shape_of(digits)}"
        )
    if not isinstance(stage, torch.Tensor) or stage.shape != digits.shape[:1]:
        raise AgentlibError(
            f"stage must be a ({len(digits)},) tensor, got {shape_of(stage)}"
        )
    if stage.device != digits.device:
        raise AgentlibError(
            f"digits are on {digits.device} but stage on {stage.device}"
        )
    check_values("digits", digits, range(10))
    check_values("stage", stage, range(len(STAGES)))


def make_problems(digits: torch.Tensor, stage: torch.Tensor) -> Problems:
    """Cut (B, 5) digits to each row's stage and state the targets."""
    check_batch(digits, stage)
    return cut_problems(digits, stage)


def cut_problems(digits: torch.Tensor, stage: torch.Tensor) -> Problems:
    """:func:`make_problems` on a batch already checked."""
    # int64 before any arithmetic: uint8 digits would wrap 0 - 9*9 to 175
    digits, stage = digits.long(), stage.long()
    length = stage + 3  # (B,)
    positions = torch.arange(MAX_CONTEXT, device=digits.device)
    context = digits * (positions < length[:, None])  # (B, 5)
    a, b, c, d, e = context.unbind(1)
    # padding is zero, so d*e vanishes at stage 0 and e at stage 1
    target = a * b + c - torch.where(stage == 1, d, d * e)
    return Problems(context, length, stage, target)


def sample_problems(
    stage: int | torch.Tensor, num: int,
    generator: torch.Generator | None = None,
    device: str | torch.device = "cpu",
) -> Problems:
    """Sample ``num`` problems of one stage, or of a (num,) stage tensor.

    The generator, when given, must live on ``device``.
    """
    device, num = resolve_device(device), check_count("num", num)
    if isinstance(stage, torch.Tensor):
        if stage.shape != (num,):
            raise AgentlibError(
                f"stage tensor must have shape ({num},), "
                f"got {shape_of(stage)}"
            )
        check_values("stage", stage, range(len(STAGES)))
        stages = stage.to(device=device, dtype=torch.long)
    else:
        stages = torch.full((num,), check_stage(stage), device=device)
    return draw_problems(stages, num, generator, device)


def draw_problems(stages: torch.Tensor, num: int,
                  generator: torch.Generator | None,
                  device: torch.device) -> Problems:
    """``num`` problems of (num,) checked stages: fresh digits."""
    digits = torch.randint(
        0, 10, (num, MAX_CONTEXT), generator=generator, device=device
    )
    return cut_problems(digits, stages)


def parse_context(text: str) -> list[int]:
    """The digits of a context written as ``3 4 5 2 6`` (or with
    commas and brackets, ``[3, 4, 5, 2, 6]``); the stage is its length.
    """
    if not isinstance(text, str) or not CONTEXT_TEXT.fullmatch(
            text.strip()):
        raise AgentlibError(
            f"not a context of digits such as 3 4 5 2 6: {text!r}")
    return check_context([int(digit) for digit in re.findall("[0-9]",
                                                             text)])


def expression_of(context: Sequence[int]) -> str:
    """The problem a context states, written as an expression.

    >>> expression_of([3, 4, 5, 2, 6])
    '3*4+5-2*6'
    """
    a, b, c, *rest = check_context(context)
    return f"{a}*{b}+{c}" + "".join(
        ("-", "*")[k] + str(digit) for k, digit in enumerate(rest))


def problems_from_contexts(
    contexts: Sequence[Sequence[int]], device: str | torch.device = "cpu"
) -> Problems:
    """Batch hand-written contexts, such as ``[[3, 4, 5], [1, 2, 3, 4]]``."""
    rows = [check_context(context) for context in contexts]
    if not rows:
        raise AgentlibError("give at least one context")
    device = resolve_device(device)
    padded = [row + [0] * (MAX_CONTEXT - len(row)) for row in rows]
    digits = torch.tensor(padded, device=device)
    stage = torch.tensor([len(row) - 3 for row in rows], device=device)
    return make_problems(digits, stage)


def every_problem(stage: int, device: str | torch.device = "cpu"
                  ) -> Problems:
    """All ``10 ** (3 + stage)`` contexts of ``stage``, in order."""
    length = 3 + check_stage(stage)
    device = resolve_device(device)
    codes = torch.arange(10 ** length, device=device)
    powers = 10 ** torch.arange(length - 1, -1, -1, device=device)
    digits = codes[:, None] // powers % 10  # (N, length)
    padding = torch.zeros(len(codes), MAX_CONTEXT - length,
                          dtype=torch.long, device=device)
    stages = torch.full((len(codes),), stage, device=device)
    return make_problems(torch.cat([digits, padding], 1), stages)


def digit_at(problems: Problems, index: torch.Tensor) -> torch.Tensor:
    """The (B,) context digits at (B,) positions (0 past the end)."""
    safe = index.clamp(max=MAX_CONTEXT - 1)[:, None]  # (B, 1)
    return problems.context.gather(1, safe).squeeze(1)


def step(state: Machine, problems: Problems, action: torch.Tensor) -> Machine:
    """Apply one (B,) action to every running episode; return the new
    state. Ids from ``NUM_TOOLS`` on name no tool: they only use a step.
    """
    live = ~state.done
    left = problems.length - state.cursor  # (B,) digits not yet read
    has_acc, has_mem = ~state.acc_empty, ~state.mem_empty
    x = digit_at(problems, state.cursor)
    y = digit_at(problems, state.cursor + 1)
    load = live & (action == MUL) & ~has_acc & (left >= 2)
    mul = live & (action == MUL) & has_acc & (left >= 1)
    add = live & (action == ADD) & has_acc & (left >= 1)
    sub = live & (action == SUB) & has_acc & (left >= 1)
    sto = live & (action == STO) & has_acc
    rcl = live & (action == RCL) & has_acc & has_mem
    ans = live & (action == ANS)
    acc = torch.where(load, x * y, state.acc)
    acc = torch.where(mul, acc * x, acc)
    acc = torch.where(add, acc + x, acc)
    acc = torch.where(sub, acc - x, acc)
    acc = torch.where(rcl, state.mem - acc, acc)
    steps = state.steps + live.long()
    return Machine(
        acc=torch.where(sto, 0, acc),
        acc_empty=(state.acc_empty & ~load) | sto,
        mem=torch.where(sto, state.acc, state.mem),
        mem_empty=state.mem_empty & ~sto,
        cursor=state.cursor + 2 * load.long() + (mul | add | sub).long(),
        steps=steps,
        done=state.done | ans | (steps >= MAX_STEPS),
        answered=state.answered | (ans & has_acc),
    )


def run_programs(problems: Problems, actions: torch.Tensor) -> Machine:
    """Run a (B, T) batch of action ids through the torch machine."""
    check_action_ids(actions, len(problems))
    return run_steps(step, problems, actions)


DIGIT_0 = NUM_TOOLS  # token id of the digit 0
START = DIGIT_0 + 10  # token read before the first action


class ArithmeticTask:
    """``a*b+c``, ``a*b+c-d`` and ``a*b+c-d*e`` as stages 0, 1 and 2:
    the engine's :class:`agentlib.tasks.interface.Task`."""

    name = "arithmetic"
    tools = TOOLS
    stages = STAGES
    held_out_stages = ()
    shapings = SHAPINGS
    num_tokens = START + 1
    start_token = START
    max_context = MAX_CONTEXT
    num_obs = 0
    defaults = {}
    """The book's training defaults were chosen for this task."""
    reset, step = staticmethod(reset), staticmethod(step)
    score, is_correct = staticmethod(score), staticmethod(is_correct)

    def sample_problems(self, stage: torch.Tensor, num: int,
                        generator: torch.Generator | None,
                        device: torch.device) -> Problems:
        """Training problems of (num,) stages, unchecked: the engine
        makes the stages."""
        return draw_problems(stage, num, generator, device)

    def horizon(self, problems: Problems) -> int:
        """Steps a rollout runs: the machine's budget."""
        return MAX_STEPS

    def observe(self, state: Machine, problems: Problems) -> None:
        """Nothing: the agent reads its context once, at the start."""
        return None

    def context_tokens(self, problems: Problems
                       ) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, 5) digit tokens of the first state and where they are
        real (before each context's length)."""
        positions = torch.arange(MAX_CONTEXT,
                                 device=problems.stage.device)
        real = positions < problems.length[:, None]  # (B, 5)
        return problems.context + DIGIT_0, real

    def evaluation_problems(self, num: int, seed: int,
                            device: str | torch.device = "cpu"
                            ) -> Problems:
        """``num`` problems of each stage, stage by stage, from ``seed``."""
        return stage_by_stage(sample_problems, len(STAGES), num, seed, device)

    def test_batches(self, num: int, seed: int,
                     device: str | torch.device = "cpu",
                     held_out: bool = False) -> list[Problems]:
        """With ``num`` 0, every context of each stage, one batch per
        stage (1,000, 10,000 and 100,000); else ``num`` fresh problems
        of each stage in one batch, drawn from ``seed``."""
        if held_out:
            return []
        if num == 0:
            return [every_problem(stage, device) for stage in STAGES]
        return [self.evaluation_problems(num, seed, device)]

    def parse_line(self, line: str) -> str:
        """A context written as ``3 4 5 2 6``, as the expression it
        states (``3*4+5-2*6``), else a one-line error."""
        return expression_of(parse_context(line))

    def problems_from_text(self, lines: Sequence[str],
                           device: str | torch.device = "cpu"
                           ) -> Problems:
        """Batch contexts written as text, such as ``3 4 5 2 6``."""
        return problems_from_contexts(
            [parse_context(line) for line in lines], device)
