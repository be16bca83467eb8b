"""Part IV's problems: expressions as batches of torch tensors.

:class:`Problems` holds each expression's operands and operators, its
target, and the value of every prefix (what the shaping reads). Batches
come from random expressions (training), from hand-written ones, or from
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
    MAX_OPERANDS,
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
