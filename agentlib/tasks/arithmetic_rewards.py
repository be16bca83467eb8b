"""The first task's rewards: exact match, the article's partial credit,
and the progress potential that the book's shaping adds.

A state's score is what it is worth; a rollout rewards each step by the
change in score (:func:`agentlib.agent.a2c.rollout`), so an episode's
return is the score of its last state.
"""

import torch

from agentlib.errors import check_choice
from agentlib.tasks.arithmetic_problems import Problems
from agentlib.tasks.machine import Machine, is_correct

SHAPINGS = ("none", "answer", "progress")

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
    check_choice("shaping", shaping, SHAPINGS)  # progress is left
    wrong = state.answered.float() - exact
    potential = progress(state, problems)
    return exact - wrong_cost * wrong + progress_scale * potential
