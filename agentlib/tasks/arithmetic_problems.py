"""The first task's problems: contexts of digits and their targets.

A problem of stage ``s`` is a context of ``3 + s`` digits and a stated
target: ``a*b+c``, ``(a*b+c)-d`` or ``(a*b+c)-(d*e)``. Batches are
:class:`Problems` of torch tensors, made from random digits (training),
from hand-written contexts, or from every context of a stage (the final
score). The machine that solves them is :mod:`agentlib.tasks.arithmetic`.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Integral

import torch

from agentlib.devices import resolve_device
from agentlib.errors import AgentlibError, check_count
from agentlib.tasks.machine import check_values, shape_of

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
