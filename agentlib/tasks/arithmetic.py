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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Integral

import torch

from agentlib.devices import resolve_device
from agentlib.errors import AgentlibError, check_count
from agentlib.tasks.sampling import stage_by_stage

TOOLS = ("MUL", "ADD", "SUB", "STO", "RCL", "ANS")
MUL, ADD, SUB, STO, RCL, ANS = range(len(TOOLS))
NUM_TOOLS = len(TOOLS)
MAX_STEPS = 6
STAGES = (0, 1, 2)
MAX_CONTEXT = 3 + max(STAGES)
SHAPINGS = ("none", "answer", "progress")


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


def check_tool(name: str) -> str:
    """Return ``name`` if it names a tool, else raise a clear error."""
    if name not in TOOLS:
        raise AgentlibError(
            f"unknown tool {name!r}; use one of {', '.join(TOOLS)}"
        )
    return name


def check_program(program: Sequence[str]) -> list[str]:
    """Return ``program`` as a list if it holds tool names, else raise."""
    if isinstance(program, str) or not isinstance(program, Sequence):
        raise AgentlibError(
            f"program must be a list of tool names, got {program!r}"
        )
    return [check_tool(name) for name in program]


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
    for tool in check_program(program)[:MAX_STEPS]:
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
    Python wait for the device on every training batch, which the
    engine never does (and a CUDA graph cannot record).
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
    digits = torch.randint(
        0, 10, (num, MAX_CONTEXT), generator=generator, device=device
    )
    return make_problems(digits, stages)


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


def reset(problems: Problems) -> Machine:
    """Empty registers, cursor on the first digit, for every problem."""
    zeros = torch.zeros_like(problems.length)
    empty = torch.ones_like(problems.length, dtype=torch.bool)
    return Machine(
        acc=zeros, acc_empty=empty, mem=zeros, mem_empty=empty,
        cursor=zeros, steps=zeros, done=~empty, answered=~empty,
    )


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


def check_action_ids(actions: torch.Tensor) -> None:
    """Raise unless ``actions`` holds integer ids >= 0 (ids past the
    tools are allowed: they only use a step)."""
    check_integers("actions", actions, "integer action ids")
    if actions.device.type == "cpu" and (actions < 0).any():
        raise AgentlibError(
            f"action ids must be >= 0, got {actions.min().item()}")


def run_programs(problems: Problems, actions: torch.Tensor) -> Machine:
    """Run a (B, T) batch of action ids through the torch machine."""
    if not isinstance(actions, torch.Tensor) or actions.dim() != 2 or (
        len(actions) != len(problems)
    ):
        raise AgentlibError(
            f"actions must be a ({len(problems)}, T) tensor of action ids, "
            f"got {shape_of(actions)}"
        )
    check_action_ids(actions)
    state = reset(problems)
    for action in actions.unbind(1):
        state = step(state, problems, action)
    return state


def is_correct(state: Machine, problems: Problems) -> torch.Tensor:
    """(B,) True where the episode answered exactly the stated target."""
    return state.answered & (state.acc == problems.target)


# Intermediate goals of the stated targets, in this order:
# a*b, a*b+c, (a*b+c)-d, d*e, (a*b+c)-(d*e).
# The article's partial credit for answering each goal, per stage (row),
# and the weight it gives that credit next to the exact-match reward.
ANSWER_CREDIT = (
    (0.25, 0.5, 0.0, 0.0, 0.0),
    (0.25, 0.5, 0.75, 0.0, 0.0),
    (0.2, 0.4, 0.0, 0.6, 0.6),
)
ARTICLE_WEIGHT = 0.2
# Digits combined in each goal that is part of the stage's target, else 0.
PART_SIZES = ((2, 3, 0, 0, 0), (2, 3, 4, 0, 0), (2, 3, 0, 2, 5))


STAGE_TABLES: dict[tuple, torch.Tensor] = {}
"""Tables already made, by rows and device (a plain dict: torch.compile
warns about ``functools.cache`` wrappers)."""


def stage_table(rows: tuple, device: torch.device) -> torch.Tensor:
    """A per-stage constant table as a tensor on ``device``, made once."""
    key = (rows, str(device))
    if key not in STAGE_TABLES:
        STAGE_TABLES[key] = torch.tensor(rows, device=device)
    return STAGE_TABLES[key]


def goals(problems: Problems) -> torch.Tensor:
    """(B, 5) values of the intermediate goals listed above."""
    a, b, c, d, e = problems.context.unbind(1)
    return torch.stack(
        [a * b, a * b + c, a * b + c - d, d * e, a * b + c - d * e], 1
    )


def answer_credit(state: Machine, problems: Problems) -> torch.Tensor:
    """(B,) the article's partial credit for the answered value."""
    table = stage_table(ANSWER_CREDIT, problems.stage.device)
    weights = table[problems.stage]  # (B, 5)
    hits = state.acc[:, None] == goals(problems)  # (B, 5)
    return (weights * hits).sum(1) * state.answered


def progress(state: Machine, problems: Problems) -> torch.Tensor:
    """(B,) potential in [0, 1]: the share of the context's digits that
    the registers hold combined as the target combines them.

    For ``[3, 4, 5, 2, 6]``, ``MUL ADD STO MUL`` leaves ``mem = 17``
    (3 digits) and ``acc = 12`` (2 digits): progress 1.0. ``MUL ADD``
    alone gives 0.6, and a following ``SUB`` drops it to 0.
    """
    sizes = stage_table(PART_SIZES, problems.stage.device)[problems.stage]
    values = goals(problems)  # (B, 5)
    held = torch.zeros_like(problems.length)
    for value, empty in ((state.acc, state.acc_empty),
                         (state.mem, state.mem_empty)):
        hits = value[:, None] == values  # (B, 5)
        held = held + (sizes * hits).amax(1) * ~empty
    return torch.minimum(held, problems.length) / problems.length


def score(
    state: Machine, problems: Problems, shaping: str = "none",
    progress_scale: float = 1.5, wrong_cost: float = 0.0,
) -> torch.Tensor:
    """(B,) what a state is worth; each step is rewarded by its change.

    ``none``: 1 for the exact answer, else 0. ``answer``: plus the
    article's partial credit for answered goals, weighted 0.2 as there.
    ``progress``: plus ``progress_scale`` times :func:`progress`, minus
    ``wrong_cost`` for a wrong answer (0 by default; an ablation).

    Rewarding each step by the change in :func:`progress` is shaping by
    a potential (Ng et al., 1999). Critical: Ng et al. set the potential
    to 0 when the episode ends, which leaves the expected gradient
    unchanged; here it keeps its value, so an episode's return is its
    exact-match reward plus ``progress_scale`` times its final progress.
    Only a correct answer reaches both 1 and full progress, so the best
    policy is the same, but building the target now pays before the
    agent can finish it.
    """
    exact = is_correct(state, problems).float()
    if shaping == "none":
        return exact
    if shaping == "answer":
        return exact + ARTICLE_WEIGHT * answer_credit(state, problems)
    if shaping == "progress":
        wrong = state.answered.float() - exact
        potential = progress(state, problems)
        return exact - wrong_cost * wrong + progress_scale * potential
    raise AgentlibError(
        f"unknown shaping {shaping!r}; use one of {', '.join(SHAPINGS)}"
    )


DIGIT_0 = NUM_TOOLS  # token id of the digit 0
START = DIGIT_0 + 10  # token read before the first action


class ArithmeticTask:
    """``a*b+c``, ``a*b+c-d`` and ``a*b+c-d*e`` as stages 0, 1 and 2."""

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
    sample_problems = staticmethod(sample_problems)

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
