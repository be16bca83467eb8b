"""When to stop training: four rules, measured on one run per seed.

Training is deterministic for a seed, and an evaluation draws nothing
from the training generator, so a run that stops at update ``u`` holds
exactly the weights a longer run of the same seed held at ``u``. One
run over the whole budget therefore shows what every stopping rule
gives: a :class:`RuleWatch` reads each check of the validation
problems (greedy and sampled, as the engine's rules do), keeps a copy
of the weights where each rule would have stopped, and at the end each
copy is scored on every one of the task's test problems, greedy and
sampled.
``python -m agentlib stopping`` prints the table; ``--out`` stores it.
"""

import argparse
import copy
import statistics
import time
from collections.abc import Callable
from dataclasses import replace

from agentlib.agent import evaluate
from agentlib.agent.train import (
    FINAL_EVAL_SEED,
    Run,
    TrainConfig,
    meets,
    train,
)
from agentlib.devices import describe_device, resolve_device
from agentlib.errors import check_count, check_seed, check_unique
from agentlib.experiments import measured
from agentlib.experiments.ablations import (
    check_variants,
    in_order,
    variant_config,
)
from agentlib.threads import cpu_threads

SEEDS = (0, 1, 2, 3, 4)
BUDGET = 300_000
"""Episodes of the one run per seed that every rule is read from."""
MARGIN = 50_000
"""Episodes the ``greedy+margin`` rule trains on after greedy success."""
SAMPLED_LEVEL = TrainConfig.sampled_threshold
"""Validation sampled exact match the ``sampled`` rule waits for."""
RULES = ("greedy", "greedy+margin", "sampled", "budget")
"""The rules, in the order the table shows them."""


class RuleWatch:
    """A stop hook that never stops: it records each check and keeps
    the weights where each rule fires."""

    def __init__(self):
        """No check seen, no rule fired."""
        self.curve: list[list[float]] = []
        self.fired: dict[str, int] = {}
        self.weights: dict[str, dict] = {}

    def __call__(self, run: Run, record: dict) -> bool:
        """Record this check; keep the weights of each rule that fires
        here (see :data:`agentlib.agent.train.Stop`)."""
        sampled = record["sampled"]
        self.curve.append([record["episodes"], *record["accuracy"],
                           *sampled])
        config = run.config
        greedy_done = meets(run, record, "accuracy", config.stop_threshold)
        if greedy_done and "greedy" not in self.fired:
            self.keep("greedy", run, record)
        start = self.fired.get("greedy")
        if start is not None and "greedy+margin" not in self.fired and (
                record["episodes"] >= start + MARGIN):
            self.keep("greedy+margin", run, record)
        sampled_done = meets(run, record, "sampled",
                             config.sampled_threshold)
        if sampled_done and "sampled" not in self.fired:
            self.keep("sampled", run, record)
        return False

    def keep(self, rule: str, run: Run, record: dict) -> None:
        """Note that ``rule`` fires at this check; copy the weights."""
        self.fired[rule] = record["episodes"]
        self.weights[rule] = copy.deepcopy(run.model.state_dict())


def scores(model, seed: int) -> dict:
    """Greedy and sampled exact match on every test problem."""
    number = FINAL_EVAL_SEED + seed
    return {"accuracy": evaluate.test_accuracy(model, seed=number),
            "sampled": evaluate.test_accuracy(model, seed=number,
                                              sampled=True)}


def measure_seed(variant: str, seed: int, budget: int,
                 device: str = "cpu") -> dict:
    """One run of ``variant`` over ``budget`` episodes; what each rule
    gives on it."""
    config = replace(variant_config(variant, seed, device),
                     stop_rule="budget", max_episodes=budget)
    watch = RuleWatch()
    result = train(config, stop=watch)
    rules = {"budget": {"episodes": result.episodes,
                        "accuracy": result.accuracy,
                        "sampled": result.sampled_accuracy}}
    for rule, weights in watch.weights.items():
        result.model.load_state_dict(weights)
        rules[rule] = {"episodes": watch.fired[rule],
                       **scores(result.model, seed)}
    return {"variant": variant, "seed": seed, "rules": rules,
            "seconds": round(result.seconds, 1), "curve": watch.curve}


def run_all(variants: list[str], seeds: list[int], budget: int,
            jobs: int, report: Callable[[dict], None]) -> list[dict]:
    """Every (variant, seed), on ``jobs`` processes, in order."""
    calls = [(variant, seed, budget) for variant in variants
             for seed in seeds]
    runs = []
    for run in in_order(measure_seed, calls, jobs):
        runs.append(run)
        report(run)
    return runs


def summarise(runs: list[dict]) -> list[dict]:
    """One row per (variant, rule): how many seeds the rule fired on,
    the median episodes, and the worst seed's greedy and sampled
    exact match per stage (a rule that never fired scores as
    ``budget``: training ran to the end)."""
    rows = []
    for variant in dict.fromkeys(run["variant"] for run in runs):
        mine = [run for run in runs if run["variant"] == variant]
        for rule in RULES:
            got = [run["rules"].get(rule, run["rules"]["budget"])
                   for run in mine]
            rows.append({
                "variant": variant, "rule": rule, "seeds": len(mine),
                "fired": sum(rule in run["rules"] for run in mine),
                "episodes": statistics.median(g["episodes"] for g in got),
                "worst_greedy": [min(g["accuracy"][s] for g in got)
                                 for s in range(len(got[0]["accuracy"]))],
                "worst_sampled": [min(g["sampled"][s] for g in got)
                                  for s in range(len(got[0]["sampled"]))],
                "median_sampled_last": statistics.median(
                    g["sampled"][-1] for g in got),
            })
    return rows


def format_table(rows: list[dict]) -> str:
    """The summary as text: one line per variant and rule, with the
    worst seed's exact match in percent per stage, greedy and
    sampled."""
    stages = range(len(rows[0]["worst_greedy"]))
    names = "".join(f"{f's{stage}':>6}" for stage in stages)
    lines = [f"{'':35}{'worst greedy':^{6 * len(stages)}}"
             f"{'worst sampled':^{6 * len(stages)}}",
             f"{'variant':<8} {'rule':<13} {'fired':>5} {'epis.':>6}"
             f"{names}{names}"]
    for row in rows:
        greedy = "".join(f"{100 * a:>6.1f}" for a in row["worst_greedy"])
        sampled = "".join(f"{100 * a:>6.1f}"
                          for a in row["worst_sampled"])
        fired = f"{row['fired']}/{row['seeds']}"
        lines.append(
            f"{row['variant']:<8} {row['rule']:<13} {fired:>5} "
            f"{row['episodes'] / 1000:>5.0f}k{greedy}{sampled}")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``python -m agentlib stopping``."""
    parser.add_argument("--variants", nargs="+", default=["default"],
                        metavar="NAME",
                        help="first-task ablation variants "
                        "(default: default)")
    parser.add_argument("--seeds", nargs="+", type=int,
                        default=list(SEEDS), metavar="S",
                        help="default: 0 1 2 3 4")
    parser.add_argument("--budget", type=int, default=BUDGET,
                        help="episodes per run (default: %(default)s)")
    parser.add_argument("--jobs", type=int, default=1,
                        help="processes in parallel (default: 1)")
    parser.add_argument("--out", metavar="PATH",
                        help="store the runs and the summary as JSON")


def check_args(args: argparse.Namespace) -> None:
    """Refuse bad flags before anything trains."""
    check_variants(args.variants)
    check_unique("--seeds", args.seeds)
    for seed in args.seeds:
        check_seed(seed, room=FINAL_EVAL_SEED)
    check_count("--budget", args.budget)
    check_count("--jobs", args.jobs)
    if args.out:
        measured.check_out_path(args.out)


def command(args: argparse.Namespace) -> int:
    """Run every variant and seed; print the table; store it."""
    check_args(args)
    start = time.perf_counter()
    runs = run_all(args.variants, args.seeds, args.budget, args.jobs,
                   lambda run: print(f"{run['variant']} seed "
                                     f"{run['seed']}: {run['seconds']} s",
                                     flush=True))
    rows = summarise(runs)
    print(format_table(rows))
    if args.out:
        with cpu_threads():
            machine = describe_device(resolve_device("cpu"))
        measured.save({"machine": machine, "budget": args.budget,
                       "margin": MARGIN, "sampled_level": SAMPLED_LEVEL,
                       "jobs": args.jobs,
                       "seconds": round(time.perf_counter() - start, 1),
                       "runs": runs, "summary": rows}, args.out)
    return 0
