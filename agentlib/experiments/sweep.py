"""A small sweep: is a failing variant failing, or badly tuned?

The book's learning rate (3e-3) and entropy weight (0.15) were chosen
for its defaults. A variant that fails with them may succeed with
others, and then its verdict is about tuning, not about the design
choice it ablates. For each variant this trains, one factor at a time,
every learning rate in ``--lrs`` and every entropy weight in
``--entropies`` (the other factor at the book's value), on a few seeds,
at the ablations' budget. ``python -m agentlib sweep`` prints, per
variant and setting, the seeds solved and the median greedy and
sampled exact match of the last stage.
"""

import argparse
import statistics
import time
from dataclasses import replace

from agentlib.agent.config import TrainConfig
from agentlib.agent.train import train
from agentlib.errors import AgentlibError, check_seed, check_unique
from agentlib.experiments import measured
from agentlib.experiments.ablations import (
    FINAL_EVAL_SEED,
    check_variants,
    in_order,
    run_record,
    variant_config,
    variants_of,
)

LRS = (1e-3, 1e-2)
ENTROPIES = (0.05, 0.3)
SEEDS = (0, 1)
FAILING = ("fixed", "answer-shaping", "no-shaping", "entropy-0.01",
           "article-reward", "digit-actions", "1-step", "open-loop-3e-3")
"""The first task's variants that fail at the book's settings."""


def settings(lrs: list[float], entropies: list[float]) -> list[dict]:
    """One change at a time: each learning rate, then each entropy."""
    return ([{"lr": lr} for lr in lrs]
            + [{"entropy_coef": weight} for weight in entropies])


def label(setting: dict) -> str:
    """``lr=0.01`` or ``entropy=0.3``."""
    (key, value), = setting.items()
    return f"{'entropy' if key == 'entropy_coef' else key}={value:g}"


def sweep_one(name: str, setting: dict, seed: int) -> dict:
    """One run of variant ``name`` with ``setting`` on ``seed``."""
    config = replace(variant_config(name, seed, "cpu"), **setting)
    return {**run_record(name, train(config)), "setting": label(setting)}


def applies(name: str, setting: dict) -> bool:
    """False where the variant itself is a change of the swept factor
    (the entropy variants are not swept over entropy)."""
    return not set(setting) & set(variants_of("arithmetic")[name][1])


def run_all(names: list[str], grid: list[dict], seeds: list[int],
            jobs: int) -> list[dict]:
    """Every (variant, setting, seed), on ``jobs`` processes."""
    triples = [(name, setting, seed) for name in names
               for setting in grid if applies(name, setting)
               for seed in seeds]
    runs = []
    for run in in_order(sweep_one, triples, jobs):
        runs.append(run)
        print(f"{run['variant']} {run['setting']} seed {run['seed']}:"
              f" final {run['accuracy'][-1]:.1%}", flush=True)
    return runs


def summarise(runs: list[dict]) -> list[dict]:
    """One row per (variant, setting)."""
    rows = []
    for key in dict.fromkeys((r["variant"], r["setting"]) for r in runs):
        mine = [r for r in runs if (r["variant"], r["setting"]) == key]
        rows.append({
            "variant": key[0], "setting": key[1], "seeds": len(mine),
            "solved": sum(r["solved"] for r in mine),
            "greedy": statistics.median(r["accuracy"][-1] for r in mine),
            "sampled": statistics.median(r["sampled"][-1] for r in mine)})
    return rows


def format_table(rows: list[dict]) -> str:
    """One line per variant and setting."""
    lines = ["last stage: median exact match (%) of the seeds",
             f"{'variant':<15} {'setting':<13} {'solved':>6} "
             f"{'greedy':>7} {'sampled':>7}"]
    for row in rows:
        lines.append(f"{row['variant']:<15} {row['setting']:<13} "
                     f"{row['solved']:>4}/{row['seeds']} "
                     f"{100 * row['greedy']:>7.1f} "
                     f"{100 * row['sampled']:>7.1f}")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``python -m agentlib sweep``."""
    parser.add_argument("--variants", nargs="+", default=list(FAILING),
                        metavar="NAME", help="first-task variants "
                        "(default: " + " ".join(FAILING) + ")")
    parser.add_argument("--lrs", nargs="+", type=float, default=list(LRS),
                        metavar="LR", help="default: 0.001 0.01")
    parser.add_argument("--entropies", nargs="+", type=float,
                        default=list(ENTROPIES), metavar="W",
                        help="default: 0.05 0.3")
    parser.add_argument("--seeds", nargs="+", type=int,
                        default=list(SEEDS), metavar="S",
                        help="default: 0 1")
    parser.add_argument("--jobs", type=int, default=1,
                        help="processes in parallel (default: 1)")
    parser.add_argument("--out", metavar="PATH",
                        help="store the runs and the summary as JSON")


def check_args(args: argparse.Namespace) -> list[dict]:
    """Refuse bad flags before anything trains; the grid."""
    check_unique("--variants", check_variants(args.variants))
    check_unique("--seeds", args.seeds)
    for seed in args.seeds:
        check_seed(seed, room=FINAL_EVAL_SEED)
    if args.jobs < 1:
        raise AgentlibError("--jobs must be at least 1")
    grid = settings(check_unique("--lrs", args.lrs),
                    check_unique("--entropies", args.entropies))
    for setting in grid:  # a bad value fails here, not in a job
        TrainConfig(**setting)
    if args.out:
        measured.check_out_path(args.out)
    return grid


def command(args: argparse.Namespace) -> int:
    """Run the grid; print the table; store it."""
    grid = check_args(args)
    start = time.perf_counter()
    runs = run_all(args.variants, grid, args.seeds, args.jobs)
    rows = summarise(runs)
    print(format_table(rows))
    if args.out:
        measured.save({"variants": {n: variants_of("arithmetic")[n][0]
                                    for n in args.variants},
                       "seeds": args.seeds, "jobs": args.jobs,
                       "seconds": round(time.perf_counter() - start, 1),
                       "runs": runs, "summary": rows}, args.out)
    return 0
