"""What Part IV's agent reads of an expression: at every step, the
operators around its cursor and whether its registers are empty
(:func:`observe`, the ``step`` view); or, once, the whole expression as
tokens (:func:`token_ids`, the ``start`` view). The reader of Part V
reads the tokens once and, at every step, only what its tools return:
whether its registers are empty (:func:`registers`, the ``read`` view).
"""

import torch

from agentlib.tasks.expression_problems import Problems
from agentlib.tasks.expression_text import TIMES
from agentlib.tasks.machine import Machine

# What the agent reads at each step, as ids of one embedding table:
# the operator before the cursor's operand (or START, or END once every
# operand is read), the operator after it (or END), and whether acc and
# mem are empty.
LEFT_START, LEFT_END = 3, 4
NUM_LEFT, NUM_RIGHT = 5, 4
NUM_OBS = NUM_LEFT + NUM_RIGHT + 2 + 2


def observe(state: Machine, problems: Problems) -> torch.Tensor:
    """(B, 4) observation ids: left and right operator, acc, mem."""
    cursor = state.cursor[:, None]
    left = problems.before.gather(1, cursor).squeeze(1)
    left = torch.where(cursor.squeeze(1) == 0, LEFT_START, left)
    left = torch.where(state.cursor >= problems.length, LEFT_END, left)
    # the operator after the operand: NO_OP once it is the last
    right = problems.before.gather(
        1, (cursor + 1).clamp(max=problems.before.shape[1] - 1)).squeeze(1)
    return torch.stack([
        left, NUM_LEFT + right,
        NUM_LEFT + NUM_RIGHT + state.acc_empty.long(),
        NUM_LEFT + NUM_RIGHT + 2 + state.mem_empty.long(),
    ], 1)


NUM_REGISTER_OBS = 4
"""Ids of the ``read`` view: acc empty or not (0, 1), mem (2, 3)."""


def registers(state: Machine) -> torch.Tensor:
    """(B, 2) observation ids: whether acc and mem are empty, and
    nothing of the cursor or the operators around it."""
    return torch.stack([state.acc_empty.long(),
                        2 + state.mem_empty.long()], 1)


def token_ids(problems: Problems) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, 2W - 1) the expression as tokens, digit and operator in turn
    (digits 0-9 are ids 0-9, operators 10-12), and where it is real."""
    width = 2 * problems.digits.shape[1] - 1
    tokens = torch.zeros(len(problems), width, dtype=torch.long,
                         device=problems.digits.device)
    tokens[:, 0::2] = problems.digits
    tokens[:, 1::2] = 10 + problems.operators.clamp(max=TIMES)
    positions = torch.arange(width, device=tokens.device)
    return tokens, positions < 2 * problems.length[:, None] - 1
