"""Paired differences from the defaults, with bootstrap intervals.

An ablation trains each variant on the same seeds as the defaults, so
seed ``s`` of a variant and seed ``s`` of the defaults share their
initial weights and their first batches: the pairs, not the two
groups, carry the comparison. :func:`paired_difference` gives the mean
of the per-seed differences and a 95% percentile bootstrap interval
over seeds (Efron and Tibshirani, 1993): resample the seeds with
replacement, take the mean difference, repeat, and read the 2.5th and
97.5th percentiles. With five or ten seeds the interval is rough; it
says how far a verdict can be trusted, not more.
"""

import random
import statistics

RESAMPLES = 10_000
"""Bootstrap resamples per interval."""
BOOTSTRAP_SEED = 2024
"""Seed of the resampling, so that the intervals are reproducible."""


def paired_values(runs: list[dict], variant: str, key: str,
                  stage: int) -> dict[int, float]:
    """Seed -> the variant's ``key`` (``accuracy`` or ``sampled``) on
    ``stage``."""
    return {run["seed"]: run[key][stage] for run in runs
            if run["variant"] == variant}


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile of sorted ``values``, interpolated."""
    position = share * (len(values) - 1)
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def bootstrap_interval(differences: list[float]) -> tuple[float, float]:
    """95% percentile bootstrap interval of the mean of
    ``differences``."""
    generator = random.Random(BOOTSTRAP_SEED)
    means = sorted(statistics.fmean(generator.choices(differences,
                                                      k=len(differences)))
                   for _ in range(RESAMPLES))
    return percentile(means, 0.025), percentile(means, 0.975)


def paired_difference(runs: list[dict], variant: str, key: str,
                      stage: int, reference: str = "default") -> dict:
    """Mean per-seed difference ``variant - reference`` on the seeds
    both ran, its 95% bootstrap interval, and how many seeds."""
    mine = paired_values(runs, variant, key, stage)
    theirs = paired_values(runs, reference, key, stage)
    seeds = sorted(set(mine) & set(theirs))
    if not seeds:
        return {"mean": None, "low": None, "high": None, "seeds": 0}
    differences = [mine[seed] - theirs[seed] for seed in seeds]
    low, high = bootstrap_interval(differences)
    return {"mean": statistics.fmean(differences), "low": low,
            "high": high, "seeds": len(seeds)}


def verdict(difference: dict) -> str:
    """``better``, ``worse`` or ``unclear``: whether the interval
    excludes zero, and on which side."""
    if difference["seeds"] == 0:
        return "unpaired"
    if difference["low"] > 0:
        return "better"
    if difference["high"] < 0:
        return "worse"
    return "unclear"
