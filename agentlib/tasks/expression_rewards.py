"""Part IV's rewards: exact match, and the two progress potentials
that shape it (``progress`` and ``terms``).

A state's score is what it is worth; a rollout rewards each step by the
change in score, so an episode's return is the score of its last state.
"""

from typing import TYPE_CHECKING

import torch

from agentlib.errors import check_choice
from agentlib.tasks.expression_text import NO_OP, TIMES
from agentlib.tasks.machine import Machine, is_correct

if TYPE_CHECKING:  # the problems' module imports this one
    from agentlib.tasks.expressions import Problems

SHAPINGS = ("none", "progress", "terms")

def progress(state: Machine, problems: "Problems") -> torch.Tensor:
    """(B,) potential in [0, 1]: the share of the operands read, while
    the registers still hold what they mean.

    They do when ``acc``, ``mem`` or ``mem +/- acc`` equals the value
    of the prefix read so far; otherwise the potential is 0. For
    ``3+4*5``, ``LOAD PUSH LOAD`` leaves ``mem + acc = 7``, the value
    of ``3+4``: progress 2/3; ``LOAD ADD`` also holds ``7`` (2/3), but
    a following ``MUL`` makes ``35``, no prefix's value: 0.
    """
    read = problems.prefix.gather(1, state.cursor[:, None]).squeeze(1)
    both = ~state.acc_empty & ~state.mem_empty
    # an empty register holds 0, so mem + acc is also either one alone
    holds = (state.mem + state.acc == read) | (
        both & (state.mem - state.acc == read))
    holds = holds & ~(state.acc_empty & state.mem_empty)
    return holds * state.cursor / problems.length


def term_progress(state: Machine, problems: "Problems") -> torch.Tensor:
    """(B,) :func:`progress`, but 0 also when a product is still being
    read (a ``*`` follows the last operand read) and ``acc`` does not
    hold that product alone.

    This potential knows how the solution is built: a product waits in
    ``acc`` for its last factor. So ``LOAD ADD`` on ``3+4*5`` already
    scores 0, one step before ``MUL`` shows that ``7`` was a dead end.
    """
    cursor = state.cursor[:, None]
    term = problems.term.gather(1, cursor).squeeze(1)
    # the operator after operand k, k = 0..8: none before the first
    # operand, nor after the eighth (the cursor reaches 8)
    next_op = torch.nn.functional.pad(problems.operators, (1, 1),
                                      value=NO_OP).gather(1, cursor)
    reading = (next_op.squeeze(1) == TIMES) & (state.cursor > 0)
    alone = ~state.acc_empty & (state.acc == term)
    return progress(state, problems) * (~reading | alone)


def score(state: Machine, problems: "Problems", shaping: str = "none",
          progress_scale: float = 1.0, wrong_cost: float = 0.0
          ) -> torch.Tensor:
    """(B,) what a state is worth; each step is rewarded by its change.

    ``none``: 1 for the exact answer, else 0. ``progress``: plus
    ``progress_scale`` times :func:`progress`, minus ``wrong_cost``
    for a wrong answer; ``terms``: the same with :func:`term_progress`.
    """
    exact = is_correct(state, problems).float()
    if shaping == "none":
        return exact
    check_choice("shaping", shaping, SHAPINGS)  # progress or terms
    potential = (progress if shaping == "progress" else term_progress)
    wrong = state.answered.float() - exact
    return (exact - wrong_cost * wrong
            + progress_scale * potential(state, problems))
