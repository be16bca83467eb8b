"""The ablations' summary: one row per variant, from its seeds' runs.

Each row gives the median, worst and best seed of every figure a run
keeps (:func:`agentlib.experiments.ablations.run_record`), how many
seeds reached each level, and for the first task the paired difference
from the defaults on the last stage, greedy and sampled, with its
bootstrap interval (:mod:`agentlib.experiments.paired`).
"""

import statistics

from agentlib.experiments.paired import paired_difference


def spread(values: list) -> dict:
    """Median, min and max of the numbers in ``values`` (None skipped),
    and how many there were."""
    numbers = [v for v in values if v is not None]
    if not numbers:
        return {"median": None, "min": None, "max": None, "count": 0}
    return {"median": statistics.median(numbers), "min": min(numbers),
            "max": max(numbers), "count": len(numbers)}


def summarise(runs: list[dict], descriptions: dict[str, str]
              ) -> list[dict]:
    """One row per variant, in the order they ran; ``descriptions``
    says what each variant is."""
    rows = []
    for name in dict.fromkeys(run["variant"] for run in runs):
        mine = [run for run in runs if run["variant"] == name]
        stages = range(len(mine[0]["accuracy"]))
        row = {
            "variant": name, "description": descriptions[name],
            "seeds": len(mine),
            "solved": sum(run["solved"] for run in mine),
            "accuracy": [spread([run["accuracy"][s] for run in mine])
                         for s in stages],
            "sampled": [spread([run["sampled"][s] for run in mine
                                if run.get("sampled")]) for s in stages],
            "episodes_to_99": [
                spread([run["episodes_to_99"][s] for run in mine])
                for s in stages
            ],
            "seconds": spread([run["seconds"] for run in mine]),
            "episodes": spread([run.get("episodes") for run in mine]),
        }
        row.update(sampled_rows(runs, mine, name))
        if "held_out" in mine[0]:
            row.update(held_out_rows(mine))
        rows.append(row)
    return rows


def sampled_rows(runs: list[dict], mine: list[dict], name: str) -> dict:
    """The columns of runs that kept the sampled policy's checks: the
    episodes until it reached 95% per stage, the final mean return, and
    the last stage's paired difference from the defaults."""
    if "sampled_to_95" not in mine[0]:
        return {}
    stages = range(len(mine[0]["accuracy"]))
    last = len(stages) - 1
    return {
        "sampled_to_95": [spread([run["sampled_to_95"][s] for run in mine])
                          for s in stages],
        "mean_return": spread([run["mean_return"] for run in mine]),
        "paired": {key: paired_difference(runs, name, key, last)
                   for key in ("accuracy", "sampled")},
    }


def held_out_rows(mine: list[dict]) -> dict:
    """The expression task's extra columns of one variant: its lengths,
    and greedy and sampled exact match at each held-out one."""
    first = mine[0]
    width = range(len(first["held_out"]))
    row = {"held_out": [spread([run["held_out"][s] for run in mine])
                        for s in width]}
    if "lengths" in first:
        row.update(
            lengths=first["lengths"],
            held_out_lengths=first["held_out_lengths"],
            held_out_sampled=[spread([run["held_out_sampled"][s]
                                      for run in mine]) for s in width])
    return row
