"""The first task: the tool machine the agent drives, and the task.

A problem of stage ``s`` is a context of ``3 + s`` digits and a stated
target: ``a*b+c``, ``(a*b+c)-d`` or ``(a*b+c)-(d*e)``
(:mod:`agentlib.tasks.arithmetic_problems`). The agent answers
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
tensors, for training on any device. A test holds them equal. The
rewards are in :mod:`agentlib.tasks.arithmetic_rewards`; the task object
the engine reaches, :class:`ArithmeticTask`, is at the end.
"""

import operator
from collections.abc import Callable, Sequence

import torch

from agentlib.tasks.arithmetic_problems import (
    MAX_CONTEXT,
    STAGES,
    Problems,
    check_context,
    check_stage,
    draw_problems,
    every_problem,
    expression_of,
    make_problems,
    parse_context,
    problems_from_contexts,
    sample_problems,
)
from agentlib.tasks.arithmetic_rewards import SHAPINGS, progress, score
from agentlib.tasks.machine import (
    Machine,
    check_action_ids,
    check_program,
    is_correct,
    reset,
    run_steps,
)
from agentlib.tasks.sampling import stage_by_stage

__all__ = [
    "MAX_CONTEXT", "STAGES", "Machine", "Problems", "check_context",
    "check_stage", "every_problem", "is_correct", "make_problems",
    "problems_from_contexts", "progress", "reset", "sample_problems",
    "score",
]
"""Kept in the problems', rewards' or shared module, and read here by
the chapters as ``arithmetic.<name>``: the task's one face."""

TOOLS = ("MUL", "ADD", "SUB", "STO", "RCL", "ANS")
MUL, ADD, SUB, STO, RCL, ANS = range(len(TOOLS))
NUM_TOOLS = len(TOOLS)
MAX_STEPS = 6


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
