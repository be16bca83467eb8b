"""The second task: expressions with precedence, read as the agent acts.

A problem is an expression of ``n`` single digits joined by ``+``, ``-``
and ``*``, written as people write it (``3*4+5-2*6``), and its value
under the usual precedence (:mod:`agentlib.tasks.expression_text`). The
first task's three stages are three of its operator patterns
(``a*b+c``, ``a*b+c-d``, ``a*b+c-d*e``).

The machine has an accumulator ``acc``, one memory slot ``mem`` and a
cursor on the next operand; each tool that reads an operand moves it:

- ``LOAD``: ``acc = x[i]`` (``acc`` must be empty);
- ``MUL`` / ``ADD`` / ``SUB``: ``acc = acc */+/- x[i]``;
- ``PUSH``: ``mem = acc`` and ``acc`` is emptied (``mem`` must be empty);
- ``POP+`` / ``POP-``: ``acc = mem +/- acc`` and ``mem`` is emptied;
- ``ANS``: ends the episode and answers ``acc`` (nothing when empty).

A tool whose operand or registers are missing does nothing but uses its
step; an expression of ``n`` operands has ``2n + 1`` steps. Which
program is right depends on the operators: ``a*b+c`` is ``LOAD MUL ADD
ANS`` but ``a+b*c`` is ``LOAD PUSH LOAD MUL POP+ ANS``.

As in :mod:`agentlib.tasks.arithmetic`, a plain-Python interpreter to
read (:func:`~agentlib.tasks.expression_text.run_program`) has the same
rules as the batched torch machine here (:func:`step`); a test holds
them equal. The rewards are in :mod:`agentlib.tasks.expression_rewards`.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from agentlib.devices import resolve_device
from agentlib.errors import AgentlibError, check_choice, check_count
from agentlib.tasks.expression_rewards import (
    SHAPINGS,
    progress,
    score,
    term_progress,
)
from agentlib.tasks.expression_text import (
    ADD,
    ANS,
    LOAD,
    MAX_OPERANDS,
    MIN_OPERANDS,
    MINUS,
    MUL,
    NO_OP,
    NUM_TOOLS,
    OPERATORS,
    PLUS,
    POP_ADD,
    POP_SUB,
    PUSH,
    SUB,
    TIMES,
    TOOLS,
    budget,
    check_length,
    parse,
    run_program,
    solution,
    value,
)
from agentlib.tasks.expression_views import NUM_OBS, observe, token_ids
from agentlib.tasks.machine import (
    Machine,
    is_correct,
    reset,
    run_steps,
)
from agentlib.tasks.sampling import stage_by_stage

__all__ = [
    "ADD", "ANS", "LOAD", "MINUS", "MUL", "PLUS", "POP_ADD", "POP_SUB",
    "PUSH", "SUB", "TOOLS", "budget", "check_length", "parse", "progress",
    "run_program", "solution", "term_progress", "value",
]
"""The language and rewards kept in their own modules, read here by the
chapters as ``expressions.<name>``."""
TRAINED_LENGTHS = (2, 3, 4, 5)
HELD_OUT_LENGTHS = (6, 7, 8)

@dataclass
class Problems:
    """A batch of expressions; every tensor field has B rows."""

    digits: torch.Tensor
    """(B, 8) operands, zero after each expression's length."""
    operators: torch.Tensor
    """(B, 7) operator ids (``+ - *`` are 0-2), ``NO_OP`` after the end."""
    length: torch.Tensor
    """(B,) number of operands."""
    stage: torch.Tensor
    """(B,) the curriculum's stage: the number of operands minus 2."""
    target: torch.Tensor
    """(B,) the value under the usual precedence."""
    prefix: torch.Tensor
    """(B, 9) value of the first k operands, k = 0..8 (0 for k = 0)."""
    term: torch.Tensor
    """(B, 9) value of the last product among the first k operands."""
    horizon: int
    """Steps a rollout runs: the budget of the longest expression."""

    def __len__(self) -> int:
        """The batch size B."""
        return self.digits.shape[0]


def prefix_values(digits: torch.Tensor, operators: torch.Tensor
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, 9) value of each prefix of the expressions, by precedence,
    and (B, 9) the value of its last product (its last term, unsigned).
    Both are 0 for the empty prefix."""
    total = torch.zeros_like(digits[:, 0])
    sign, term = torch.ones_like(total), digits[:, 0]
    values, terms = [total, term], [total, term]
    for k in range(1, MAX_OPERANDS):
        operator, digit = operators[:, k - 1], digits[:, k]
        times = operator == TIMES
        total = torch.where(times, total, total + sign * term)
        sign = torch.where(times, sign, torch.where(operator == PLUS, 1, -1))
        term = torch.where(times, term * digit, digit)
        values.append(total + sign * term)
        terms.append(term)
    return torch.stack(values, 1), torch.stack(terms, 1)


def make_problems(digits: torch.Tensor, operators: torch.Tensor,
                  length: torch.Tensor, horizon: int) -> Problems:
    """Cut (B, 8) digits and (B, 7) operators to each row's length."""
    positions = torch.arange(MAX_OPERANDS, device=digits.device)
    digits = digits * (positions < length[:, None])
    past = positions[1:] >= length[:, None]  # (B, 7) no operator there
    operators = torch.where(past, NO_OP, operators)
    prefix, term = prefix_values(digits, operators)
    target = prefix.gather(1, length[:, None]).squeeze(1)
    return Problems(digits, operators, length, length - MIN_OPERANDS,
                    target, prefix, term, horizon)


def sample_problems(
    stage: int | torch.Tensor, num: int,
    generator: torch.Generator | None = None,
    device: str | torch.device = "cpu", horizon: int | None = None,
) -> Problems:
    """``num`` random expressions of one stage, or of a (num,) stage
    tensor; ``horizon`` defaults to the budget of the longest stage."""
    device, num = resolve_device(device), check_count("num", num)
    if isinstance(stage, torch.Tensor):
        stages = stage.to(device=device, dtype=torch.long)
        top = horizon or budget(MAX_OPERANDS)
    else:
        top = budget(check_length(stage + MIN_OPERANDS))
        stages = torch.full((num,), stage, device=device)
    return draw_problems(stages, num, generator, device, horizon or top)


def draw_problems(stages: torch.Tensor, num: int,
                  generator: torch.Generator | None, device: torch.device,
                  horizon: int) -> Problems:
    """``num`` random expressions of (num,) stages, unchecked."""
    digits = torch.randint(0, 10, (num, MAX_OPERANDS), generator=generator,
                           device=device)
    operators = torch.randint(0, 3, (num, MAX_OPERANDS - 1),
                              generator=generator, device=device)
    return make_problems(digits, operators, stages + MIN_OPERANDS, horizon)


def problems_from_expressions(
    expressions: Sequence[str], device: str | torch.device = "cpu"
) -> Problems:
    """Batch hand-written expressions, such as ``["3*4+5", "1-2"]``."""
    parsed = [parse(text) for text in expressions]
    if not parsed:
        raise AgentlibError("give at least one expression")
    device = resolve_device(device)
    width = MAX_OPERANDS
    digits = [x + [0] * (width - len(x)) for x, _ in parsed]
    operators = [[OPERATORS.index(o) for o in ops] + [NO_OP] * (
        width - 1 - len(ops)) for _, ops in parsed]
    length = torch.tensor([len(x) for x, _ in parsed], device=device)
    horizon = budget(max(len(x) for x, _ in parsed))
    return make_problems(torch.tensor(digits, device=device),
                         torch.tensor(operators, device=device), length,
                         horizon)


def pattern_problems(num_operands: int, digits: torch.Tensor) -> Problems:
    """Every operator pattern of a length on each of (D, n) digit rows:
    ``3**(n-1) * D`` problems, pattern by pattern."""
    n = check_length(num_operands)
    device = digits.device
    codes = torch.arange(3 ** (n - 1), device=device)
    powers = 3 ** torch.arange(n - 2, -1, -1, device=device)
    patterns = codes[:, None] // powers % 3  # (P, n-1), first op first
    rows = len(digits)
    operators = torch.full((len(codes) * rows, MAX_OPERANDS - 1), NO_OP,
                           device=device)
    operators[:, :n - 1] = patterns.repeat_interleave(rows, 0)
    padded = torch.zeros(len(codes) * rows, MAX_OPERANDS, dtype=torch.long,
                         device=device)
    padded[:, :n] = digits.repeat(len(codes), 1)
    length = torch.full((len(padded),), n, device=device)
    return make_problems(padded, operators, length, budget(n))


def pattern_names(num_operands: int) -> list[str]:
    """The operator patterns of a length in :func:`pattern_problems`'
    order, written with letters: ``a+b``, ``a-b``, ``a*b``."""
    n = check_length(num_operands)
    names = []
    for code in range(3 ** (n - 1)):
        ops = [OPERATORS[code // 3 ** (n - 2 - k) % 3] for k in range(n - 1)]
        letters = "abcdefgh"[:n]
        names.append(letters[0] + "".join(
            op + letter for op, letter in zip(ops, letters[1:], strict=True)
        ))
    return names


def operand_at(problems: Problems, index: torch.Tensor) -> torch.Tensor:
    """The (B,) operands at (B,) positions (0 past the end)."""
    safe = index.clamp(max=MAX_OPERANDS - 1)[:, None]
    return problems.digits.gather(1, safe).squeeze(1)


def step(state: Machine, problems: Problems, action: torch.Tensor
         ) -> Machine:
    """Apply one (B,) action to every running episode; the new state."""
    live = ~state.done
    more = state.cursor < problems.length
    has_acc, has_mem = ~state.acc_empty, ~state.mem_empty
    x = operand_at(problems, state.cursor)
    load = live & (action == LOAD) & ~has_acc & more
    mul = live & (action == MUL) & has_acc & more
    add = live & (action == ADD) & has_acc & more
    sub = live & (action == SUB) & has_acc & more
    push = live & (action == PUSH) & has_acc & ~has_mem
    pop_add = live & (action == POP_ADD) & has_acc & has_mem
    pop_sub = live & (action == POP_SUB) & has_acc & has_mem
    ans = live & (action == ANS)
    acc = torch.where(load, x, state.acc)
    acc = torch.where(mul, acc * x, acc)
    acc = torch.where(add, acc + x, acc)
    acc = torch.where(sub, acc - x, acc)
    acc = torch.where(pop_add, state.mem + acc, acc)
    acc = torch.where(pop_sub, state.mem - acc, acc)
    pop = pop_add | pop_sub
    steps = state.steps + live.long()
    return Machine(
        acc=torch.where(push, 0, acc),
        acc_empty=(state.acc_empty & ~load) | push,
        mem=torch.where(push, state.acc, torch.where(pop, 0, state.mem)),
        mem_empty=(state.mem_empty & ~push) | pop,
        cursor=state.cursor + (load | mul | add | sub).long(),
        steps=steps,
        done=state.done | ans | (steps >= 2 * problems.length + 1),
        answered=state.answered | (ans & has_acc),
    )


def run_programs(problems: Problems, actions: torch.Tensor) -> Machine:
    """Run a (B, T) batch of action ids through the torch machine."""
    return run_steps(step, problems, actions)


VIEWS = ("step", "start")
"""What the agent reads: ``step``, the operators around its cursor and
its registers at every step; ``start``, the whole expression once, in
its first state."""


class ExpressionTask:
    """Expressions behind the engine's task interface,
    :class:`agentlib.tasks.interface.Task`, read as ``view`` says."""

    tools = TOOLS
    stages = tuple(n - MIN_OPERANDS for n in TRAINED_LENGTHS)
    held_out_stages = tuple(n - MIN_OPERANDS for n in HELD_OUT_LENGTHS)
    shapings = SHAPINGS
    reset, step = staticmethod(reset), staticmethod(step)
    score, is_correct = staticmethod(score), staticmethod(is_correct)
    defaults = {"use_stage": False, "curriculum": "mixed",
                "shaping": "terms", "entropy_coef": 0.05,
                "progress_scale": 1.0, "promote_threshold": 0.99}
    """Changes to the book's training defaults (see ``train``)."""

    def __init__(self, view: str = "step"):
        """The task with the agent reading as ``view`` says."""
        self.view = check_choice("view", view, VIEWS)
        self.name = "expressions" if view == "step" else "expressions-start"
        self.start_token = NUM_TOOLS + 13
        self.num_tokens = self.start_token + 1
        self.max_context = 2 * MAX_OPERANDS - 1
        self.num_obs = NUM_OBS if view == "step" else 0

    def sample_problems(self, stage: torch.Tensor, num: int,
                        generator: torch.Generator | None,
                        device: torch.device) -> Problems:
        """Training problems of (num,) stages, none longer than trained
        (unchecked: the engine makes the stages)."""
        return draw_problems(stage, num, generator, device,
                             horizon=budget(max(TRAINED_LENGTHS)))

    def horizon(self, problems: Problems) -> int:
        """Steps a rollout of ``problems`` runs."""
        return problems.horizon

    def observe(self, state: Machine, problems: Problems
                ) -> torch.Tensor | None:
        """What the agent reads this step, or None with the start view."""
        return observe(state, problems) if self.view == "step" else None

    def context_tokens(self, problems: Problems
                       ) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, L) tokens of the first state and where they are real
        (L = 0 with the step view: the first state is the same for all)."""
        tokens, real = token_ids(problems)
        tokens = tokens + NUM_TOOLS  # after the action ids
        if self.view == "step":
            return tokens[:, :0], real[:, :0]
        return tokens, real

    def evaluation_problems(self, num: int, seed: int,
                            device: str | torch.device = "cpu"
                            ) -> Problems:
        """``num`` held-out problems of each trained stage, from ``seed``."""
        return stage_by_stage(self.sample_problems, len(self.stages), num,
                              seed, device)

    def test_batches(self, num: int, seed: int,
                     device: str | torch.device = "cpu",
                     held_out: bool = False) -> list[Problems]:
        """One batch per length, trained or held out: every operator
        pattern on every digit tuple where that is under a million
        problems, else on fresh digit tuples, about ``num`` problems
        (``DEFAULT_TEST_SIZE`` when ``num`` is 0)."""
        generator = torch.Generator(resolve_device(device)).manual_seed(seed)
        lengths = HELD_OUT_LENGTHS if held_out else TRAINED_LENGTHS
        num = num or DEFAULT_TEST_SIZE
        return [pattern_problems(n, test_digits(n, num, generator, device))
                for n in lengths]

    def parse_line(self, line: str) -> str:
        """The expression on ``line`` without spaces, else a one-line
        error."""
        parse(line)
        return line.replace(" ", "")

    def problems_from_text(self, lines: Sequence[str],
                           device: str | torch.device = "cpu"
                           ) -> Problems:
        """Batch expressions written as text, such as ``3*4+5-2*6``."""
        return problems_from_expressions(lines, device)


DEFAULT_TEST_SIZE = 10_000
"""Problems per length (about) when the caller asks for 0, "all"."""
EXHAUSTIVE_LIMIT = 1_000_000
"""Lengths with fewer problems than this are scored on all of them."""


def test_digits(num_operands: int, num: int, generator: torch.Generator,
                device: str | torch.device = "cpu") -> torch.Tensor:
    """(D, n) digit tuples to cross with every pattern of a length:
    all of them when that is under ``EXHAUSTIVE_LIMIT`` problems."""
    n, patterns = num_operands, 3 ** (num_operands - 1)
    if patterns * 10 ** n < EXHAUSTIVE_LIMIT:
        codes = torch.arange(10 ** n, device=device)
        powers = 10 ** torch.arange(n - 1, -1, -1, device=device)
        return codes[:, None] // powers % 10
    rows = -(-check_count("num", num) // patterns)  # ceiling
    return torch.randint(0, 10, (rows, n), generator=generator,
                         device=device)
