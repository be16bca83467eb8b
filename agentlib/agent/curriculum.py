"""The curriculum: which stage each episode of a batch comes from.

Two schedules. The article's is fixed: stages ``[0, 0, 0, 1, 1, 2]``
stretched over the training budget, each batch from one stage, so
earlier stages are never seen again. The mastery schedule promotes the
agent to the next stage only when its greedy exact-match accuracy on
held-out problems of the current stage passes a threshold, and keeps
replaying earlier stages by mixing them into every batch.

Three more exist for ablations and exercises: ``fixed-replay``, the
article's schedule with the mastery schedule's replay; and, without a
curriculum, ``mixed``, which draws every episode's stage uniformly
from the start, and ``last``, which trains on the last stage alone.
The task's stages are passed in (``task.stages``): nothing here knows
a task.
"""

from typing import Literal

import torch

from agentlib.errors import (
    AgentlibError,
    check_choice,
    check_count,
    check_fraction,
)

ARTICLE_SCHEDULE = (0, 0, 0, 1, 1, 2)
CURRICULA = ("mastery", "fixed", "fixed-replay", "mixed", "last")
Curriculum = Literal["mastery", "fixed", "fixed-replay", "mixed", "last"]
SCHEDULED = ("fixed", "fixed-replay")
"""The curricula whose stage follows the article's schedule."""


def check_curriculum(name: str) -> str:
    """Return ``name`` if it names a curriculum, else raise."""
    return check_choice("curriculum", name, CURRICULA)


def check_stage(stage: int, stages: tuple[int, ...]) -> int:
    """Return ``stage`` if it is one of ``stages``, else raise."""
    if isinstance(stage, bool) or stage not in stages:
        *rest, last = map(str, stages)
        raise AgentlibError(
            f"stage must be {', '.join(rest)} or {last}, got {stage!r}"
        )
    return int(stage)


def first_stage(name: Curriculum, stages: tuple[int, ...]) -> int:
    """The stage a run starts at: the last one when there is no
    curriculum to climb."""
    return max(stages) if check_curriculum(name) in ("mixed", "last") else 0


def trained_stages(
    name: Curriculum, stages: tuple[int, ...]
) -> tuple[int, ...]:
    """The stages ``name`` ever trains on, so a run can stop on them."""
    return (max(stages),) if check_curriculum(name) == "last" else stages


def fixed_stage(
    update: int, num_updates: int, schedule: tuple = ARTICLE_SCHEDULE
) -> int:
    """The stage of ``update`` when ``schedule`` spans ``num_updates``.

    >>> [fixed_stage(u, 12) for u in range(12)]
    [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2]
    """
    check_count("num_updates", num_updates)
    return schedule[min(update * len(schedule) // num_updates,
                        len(schedule) - 1)]


def promote(stage: int, accuracy: float, threshold: float,
            stages: tuple[int, ...]) -> int:
    """The next stage if ``accuracy`` on ``stage`` passes ``threshold``."""
    stage = check_stage(stage, stages)
    check_fraction("accuracy", accuracy)
    check_fraction("threshold", threshold)
    if accuracy >= threshold and stage < max(stages):
        return stage + 1
    return stage


def mix_stages(
    stage: int, num: int, replay: float,
    generator: torch.Generator | None = None,
    device: str | torch.device = "cpu", *, stages: tuple[int, ...],
) -> torch.Tensor:
    """(num,) stages: ``stage``, or with probability ``replay`` an
    earlier stage drawn uniformly (none before stage 0)."""
    check_stage(stage, stages)
    check_fraction("replay", replay)
    current = torch.full((num,), stage, device=device)
    if stage == 0 or replay <= 0:
        return current
    draw = torch.rand(num, generator=generator, device=device)
    earlier = (draw / replay * stage).long()  # uniform in 0..stage-1
    return torch.where(draw < replay, earlier, current)


def batch_stages(
    curriculum: Curriculum, stage: int, num: int, replay: float,
    generator: torch.Generator | None = None,
    device: str | torch.device = "cpu", *, stages: tuple[int, ...],
) -> torch.Tensor:
    """(num,) stages of the next batch under ``curriculum``."""
    if curriculum == "mixed":
        return torch.randint(len(stages), (num,), generator=generator,
                             device=device)
    if curriculum in ("fixed", "last"):
        return torch.full((num,), stage, device=device)
    check_curriculum(curriculum)  # mastery or fixed-replay is left
    return mix_stages(stage, num, replay, generator, device, stages=stages)
