"""Part IV's problems: expressions as batches of torch tensors.

:class:`Problems` holds each expression's operands and operators, its
target, and the value of every prefix (what the shaping reads). Its
width follows the batch's longest expression, so any length fits.
Values are exact int64: a batch whose value, or the value of any
prefix or product on the way, would not fit is refused. Batches come
from random expressions (training), from hand-written ones, or from
every operator pattern of a length (the final score). The language
itself is :mod:`agentlib.tasks.expression_text`; the machine that
evaluates it, :mod:`agentlib.tasks.expressions`.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from agentlib.devices import resolve_device
from agentlib.errors import AgentlibError, check_count
from agentlib.tasks.expression_text import (
    MIN_OPERANDS,
    NO_OP,
    OPERATORS,
    PLUS,
    TIMES,
    budget,
    check_length,
    parse,
)


@dataclass
class Problems:
    """A batch of expressions; every tensor field has B rows."""

    digits: torch.Tensor
    """(B, W) operands, zero after each expression's length; W is the
    longest expression's."""
    operators: torch.Tensor
    """(B, W - 1) operator ids (``+ - *`` are 0-2), ``NO_OP`` after
    the end."""
    length: torch.Tensor
    """(B,) number of operands."""
    stage: torch.Tensor
    """(B,) the curriculum's stage: the number of operands minus 2."""
    target: torch.Tensor
    """(B,) the value under the usual precedence."""
    prefix: torch.Tensor
    """(B, W + 1) value of the first k operands, k = 0..W (0 for
    k = 0)."""
    term: torch.Tensor
    """(B, W + 1) value of the last product among the first k
    operands."""
    before: torch.Tensor
    """(B, W + 1) the operator before operand k, k = 0..W: ``NO_OP``
    before the first and past the last (so ``before[k + 1]`` is the
    operator after operand k). Made once, read at every step."""
    horizon: int
    """Steps a rollout runs: the budget of the longest expression."""

    def __len__(self) -> int:
        """The batch size B."""
        return self.digits.shape[0]


DRAW_WIDTH = 8
"""Operands a random batch draws for each expression at least, as it
did when eight were the most the machine took: seeded training runs
stay as they were."""
EXACT_WIDTH = 19
"""Expressions of up to this many single digits cannot leave int64:
no product, prefix or value passes 9**19 < 2**63."""
EXACT_LIMIT = 2 ** 62
"""A value at or beyond this, computed in float64, might not be exact
in int64 (the margin covers float64's rounding)."""


def prefix_values(digits: torch.Tensor, operators: torch.Tensor
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, W + 1) value of each prefix of the expressions, by
    precedence, and (B, W + 1) the value of its last product (its last
    term, unsigned). Both are 0 for the empty prefix."""
    total = torch.zeros_like(digits[:, 0])
    sign, term = torch.ones_like(total), digits[:, 0]
    values, terms = [total, term], [total, term]
    for k in range(1, digits.shape[1]):
        operator, digit = operators[:, k - 1], digits[:, k]
        times = operator == TIMES
        total = torch.where(times, total, total + sign * term)
        sign = torch.where(times, sign, torch.where(operator == PLUS, 1, -1))
        term = torch.where(times, term * digit, digit)
        values.append(total + sign * term)
        terms.append(term)
    return torch.stack(values, 1), torch.stack(terms, 1)


def check_exact(digits: torch.Tensor, operators: torch.Tensor) -> None:
    """Raise unless every prefix and product of the batch fits in int64.

    Only wide batches are checked (a wide batch is never a training
    batch): up to ``EXACT_WIDTH`` operands nothing can overflow.
    """
    if digits.shape[1] <= EXACT_WIDTH:
        return
    prefix, term = prefix_values(digits.double(), operators)
    largest = torch.maximum(prefix.abs().amax(), term.abs().amax())
    if largest.item() >= EXACT_LIMIT:
        raise AgentlibError(
            f"an expression's value or a product on the way reaches "
            f"{largest.item():.3g}, beyond what int64 holds exactly "
            f"(2**63 = 9.2e18)")


def make_problems(digits: torch.Tensor, operators: torch.Tensor,
                  length: torch.Tensor, horizon: int) -> Problems:
    """Cut (B, W) digits and (B, W - 1) operators to each row's length;
    refuse a batch whose values would leave int64."""
    positions = torch.arange(digits.shape[1], device=digits.device)
    digits = digits * (positions < length[:, None])
    past = positions[1:] >= length[:, None]  # (B, W - 1) no operator
    operators = torch.where(past, NO_OP, operators)
    check_exact(digits, operators)
    prefix, term = prefix_values(digits, operators)
    target = prefix.gather(1, length[:, None]).squeeze(1)
    none = torch.full_like(operators[:, :1], NO_OP)
    before = torch.cat([none, operators, none], 1)  # (B, W + 1)
    return Problems(digits, operators, length, length - MIN_OPERANDS,
                    target, prefix, term, before, horizon)


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
        longest = int(stages.max()) + MIN_OPERANDS  # reads the tensor
        top = budget(max(longest, DRAW_WIDTH))  # as wide as it always was
    else:
        longest = check_length(stage + MIN_OPERANDS)
        stages = torch.full((num,), stage, device=device)
        top = budget(longest)
    if horizon is not None and horizon < budget(longest):
        raise AgentlibError(
            f"horizon {horizon} is too short for {longest} operands "
            f"(their budget is {budget(longest)})")
    return draw_problems(stages, num, generator, device, horizon or top)


def draw_problems(stages: torch.Tensor, num: int,
                  generator: torch.Generator | None, device: torch.device,
                  horizon: int) -> Problems:
    """``num`` random expressions of (num,) stages, unchecked, as wide
    as ``horizon`` allows (the budget of the longest)."""
    width = (horizon - 1) // 2  # budget(n) = 2n + 1
    drawn = max(width, DRAW_WIDTH)
    digits = torch.randint(0, 10, (num, drawn), generator=generator,
                           device=device)
    operators = torch.randint(0, 3, (num, drawn - 1),
                              generator=generator, device=device)
    return make_problems(digits[:, :width], operators[:, :width - 1],
                         stages + MIN_OPERANDS, horizon)


def problems_from_expressions(
    expressions: Sequence[str], device: str | torch.device = "cpu"
) -> Problems:
    """Batch hand-written expressions, such as ``["3*4+5", "1-2"]``."""
    parsed = [parse(text) for text in expressions]
    if not parsed:
        raise AgentlibError("give at least one expression")
    device = resolve_device(device)
    width = max(len(x) for x, _ in parsed)
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
    operators = patterns.repeat_interleave(rows, 0)  # (P * D, n - 1)
    length = torch.full((len(operators),), n, device=device)
    return make_problems(digits.repeat(len(codes), 1), operators, length,
                         budget(n))


LETTERS = "abcdefghijklmnopqrstuvwxyz"


def pattern_names(num_operands: int) -> list[str]:
    """The operator patterns of a length in :func:`pattern_problems`'
    order, written with letters: ``a+b``, ``a-b``, ``a*b``."""
    n = check_length(num_operands)
    if n > len(LETTERS):
        raise AgentlibError(f"patterns are named up to {len(LETTERS)} "
                            f"operands, got {n}")
    names = []
    for code in range(3 ** (n - 1)):
        ops = [OPERATORS[code // 3 ** (n - 2 - k) % 3] for k in range(n - 1)]
        letters = LETTERS[:n]
        names.append(letters[0] + "".join(
            op + letter for op, letter in zip(ops, letters[1:], strict=True)
        ))
    return names


DEFAULT_TEST_SIZE = 10_000
"""Problems per length (about) when the caller asks for 0, "all"..."""
LONG_TEST_SIZE = 2_000
"""... and past ``LONG_LENGTH`` operands, where each costs 2n + 1 steps
of the network."""
LONG_LENGTH = 8
EXHAUSTIVE_LIMIT = 10_000
"""Lengths with at most this many problems are scored on all of them
(2 and 3 operands); the agent reads no digits, so more digit tuples
would only repeat its programs."""


def default_test_size(num_operands: int) -> int:
    """Problems a length is scored on when the caller leaves it open."""
    if num_operands > LONG_LENGTH:
        return LONG_TEST_SIZE
    return DEFAULT_TEST_SIZE


def test_problems(num_operands: int, num: int, generator: torch.Generator,
                  device: str | torch.device = "cpu") -> Problems:
    """The problems a length is scored on: every operator pattern on
    every digit tuple when that is under ``EXHAUSTIVE_LIMIT`` problems;
    else every pattern on fresh digit tuples when there are at most
    ``num`` patterns (about ``num`` problems); else ``num`` random
    expressions."""
    n, patterns = num_operands, 3 ** (num_operands - 1)
    if patterns * 10 ** n <= EXHAUSTIVE_LIMIT:
        codes = torch.arange(10 ** n, device=device)
        powers = 10 ** torch.arange(n - 1, -1, -1, device=device)
        return pattern_problems(n, codes[:, None] // powers % 10)
    num = check_count("num", num)
    if patterns <= num:
        rows = -(-num // patterns)  # ceiling
        return pattern_problems(n, torch.randint(
            0, 10, (rows, n), generator=generator, device=device))
    return sample_problems(n - MIN_OPERANDS, num, generator, device)
