"""Ablations: what each design choice is worth, over five seeds.

Each variant is the book's :class:`~agentlib.agent.train.TrainConfig`
with one choice changed. Every (variant, seed) pair trains once; a run
records its final exact match per stage (greedy and sampled, on every
context of the first task) and the episodes it took until the held-out
accuracy of each stage first reached 99%. A variant is summarised by
the median and range over its seeds. ``python -m agentlib ablations``
regenerates the table.

With ``--jobs`` the runs go to parallel processes, each on the thread
policy's threads (:mod:`agentlib.threads`). A run's numbers depend on
its seed and, in the last digits, on its thread count (sums taken in
another order round differently), so compare tables made alike.

``--task expressions`` ablates the expression task instead
(:data:`EXPRESSION_VARIANTS`), and also records each run's exact match
on the lengths it never trained on; ``--task reader`` ablates the
reader of Part V on the same task (:data:`READER_VARIANTS`).
"""

import argparse
import functools
import json
import multiprocessing
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

import torch

from agentlib.agent.train import (
    FINAL_EVAL_SEED,
    TrainConfig,
    TrainResult,
    train,
)
from agentlib.devices import (
    describe_device,
    device_arg,
    resolve_device,
)
from agentlib.errors import (
    AgentlibError,
    check_choice,
    check_seed,
    check_unique,
)
from agentlib.experiments import ablation_summary, measured
from agentlib.experiments.ablation_tables import (
    format_table,
)
from agentlib.progress import LiveProgress
from agentlib.threads import cpu_threads

VARIANTS: dict[str, tuple[str, dict]] = {
    "default": ("the book's defaults", {}),
    "mixed": ("no curriculum: all stages at once", {"curriculum": "mixed"}),
    "stage2-only": ("no curriculum: stage 2 alone", {"curriculum": "last"}),
    "fixed": ("the article's fixed schedule", {"curriculum": "fixed"}),
    "no-stage": ("no stage embedding", {"use_stage": False}),
    "answer-shaping": ("the article's answer shaping",
                       {"shaping": "answer"}),
    "no-shaping": ("no shaping: reward 1 for the exact answer",
                   {"shaping": "none"}),
    "entropy-0.01": ("the article's entropy weight, 0.01",
                     {"entropy_coef": 0.01}),
    "article-reward": ("the article's shaping and entropy weight",
                       {"shaping": "answer", "entropy_coef": 0.01}),
    "digit-actions": ("digits allowed as actions",
                      {"allow_digit_actions": True}),
    "loo": ("leave-one-out baseline instead of the critic",
            {"baseline": "loo"}),
    "gae-0.9": ("GAE(0.9): returns bootstrapped from the critic",
                {"gae_lambda": 0.9}),
    "gae-0.5": ("GAE(0.5)", {"gae_lambda": 0.5}),
    "1-step": ("one-step returns, TD(0) advantages", {"n_step": 1}),
    "3-step": ("three-step returns, as A2C bootstraps", {"n_step": 3}),
    "open-loop": ("a table of logits per stage and step, lr 0.03",
                  {"policy": "open-loop", "lr": 0.03}),
    "open-loop-3e-3": ("the same table at the GRU's lr, 3e-3",
                       {"policy": "open-loop"}),
    "digit-blind": ("the GRU without the digits: stage and length only",
                    {"policy": "digit-blind"}),
}
HELD_ENTROPY = {"entropy_final": None}
"""The entropy weight held at its start, not falling to 0 as the
expression task's defaults let it."""
FIRST_BUDGET = {"batch_size": 256, "max_episodes": 100_000}
"""Part IV's first batch and budget, 390 updates of 256 episodes (the
reader's too: :data:`agentlib.agent.reader.READER_DEFAULTS`)."""
EXPRESSION_VARIANTS: dict[str, tuple[str, dict]] = {
    "default": ("the expression task's defaults", {}),
    "first-success": ("the old rule: no discount, stop at the first "
                      "greedy success",
                      {"gamma": 1.0, "stop_rule": "greedy",
                       "max_episodes": 150_000}),
    "no-discount": ("the whole budget, but no discount",
                    {"gamma": 1.0}),
    "early-stop": ("the discount, but stop at the first greedy success",
                   {"stop_rule": "greedy", "max_episodes": 150_000}),
    "early-constant": ("the early stop, the entropy weight held at 0.05",
                       {"stop_rule": "greedy", "max_episodes": 150_000,
                        **HELD_ENTROPY}),
    "read-at-start": ("read once, at the start (weight 0.05, batch "
                      "256)",
                      {"task": "expressions-start", **HELD_ENTROPY,
                       **FIRST_BUDGET}),
    "curriculum": ("a curriculum: 2 operands first, then 3, ...",
                   {"curriculum": "mastery"}),
    "invariant": ("potential 0 at the end, no discount (Ng et al.)",
                  {"shaping": "terms-invariant", "gamma": 1.0}),
    "prefix-shaping": ("the looser potential: any prefix's value",
                       {"shaping": "progress"}),
    "no-shaping": ("no shaping, a million episodes",
                   {"shaping": "none", "max_episodes": 1_000_000}),
    "terms-x0.25": ("the potential's weight 0.25 (default 1)",
                    {"progress_scale": 0.25}),
    "terms-x0.5": ("the potential's weight 0.5", {"progress_scale": 0.5}),
    "terms-x2": ("the potential's weight 2", {"progress_scale": 2.0}),
    "terms-x4": ("the potential's weight 4", {"progress_scale": 4.0}),
    "d32": ("a GRU half as wide (d = 32)", {"d_model": 32}),
    "d128": ("a GRU twice as wide (d = 128)", {"d_model": 128}),
    "batch-256": ("batches of 256, 100,000 episodes (390 updates)",
                  FIRST_BUDGET),
    "entropy-0.05": ("the entropy weight held at 0.05, not falling",
                     HELD_ENTROPY),
    "entropy-0.01": ("the entropy weight held at 0.01",
                     {"entropy_coef": 0.01, **HELD_ENTROPY}),
}
READER_VARIANTS: dict[str, tuple[str, dict]] = {
    "default": ("the reader's defaults: a local encoder, the move "
                "chosen from what was read", {}),
    "bidirectional": ("a bidirectional GRU encoder over the whole "
                      "expression", {"encoder": "bidirectional"}),
    "state-move": ("the move chosen from the GRU state as well",
                   {"move_from": "state"}),
    "operand-head": ("a head that moves 0 to 2 operands, not tokens",
                     {"head_step": "operand"}),
    "operand-300k": ("the operand head, 300,000 episodes",
                     {"head_step": "operand", "max_episodes": 300_000}),
    "no-shaping": ("no shaping: reward 1 for the exact answer",
                   {"shaping": "none"}),
    "loo": ("leave-one-out group baseline instead of the critic",
            {"baseline": "loo"}),
    "300k": ("three times the budget: 300,000 episodes",
             {"max_episodes": 300_000}),
}
TASK_VARIANTS = {"arithmetic": VARIANTS, "expressions": EXPRESSION_VARIANTS,
                 "reader": READER_VARIANTS}
ABLATED = {"arithmetic": ("arithmetic", {}),
           "expressions": ("expressions", {}),
           "reader": ("expressions", {"policy": "reader"})}
"""Each ablated task's name and its agent: ``reader`` ablates the
reader of Part V on the expression task."""
SEEDS = (0, 1, 2, 3, 4)
TEN_SEEDS = ("default", "no-stage", "loo", "gae-0.9", "3-step",
             "stage2-only", "digit-blind", "open-loop")
"""The first task's variants run on ten seeds: the defaults, and those
whose verdict turned on the metric (greedy or sampled) in the book's
first edition."""
FIXED_BUDGET = {"stop_rule": "budget"}
"""Every variant trains for the whole budget, so that all are compared
at the same number of episodes (a variant may change it)."""
LEVEL = 0.99
"""Held-out accuracy at which a stage counts as learned."""
SOLVED = 0.995
"""Final accuracy every stage must reach for a run to count as solved."""
SAMPLED_LEVEL = 0.95
"""The sampled policy's validation exact match a run is timed to."""


def variants_of(task: str) -> dict[str, tuple[str, dict]]:
    """The variants ablated on ``task``."""
    return TASK_VARIANTS[check_choice("task", task, tuple(TASK_VARIANTS))]


def seeds_of(name: str, seeds: list[int] | None, task: str) -> list[int]:
    """The seeds variant ``name`` trains on: ``seeds`` when given, else
    ten for the defaults and the variants whose verdict turns on the
    metric (:data:`TEN_SEEDS`), five for the rest."""
    if seeds is not None:
        return list(seeds)
    if task == "arithmetic" and name in TEN_SEEDS:
        return list(range(10))
    return list(SEEDS)


def check_variants(names: list[str], task: str = "arithmetic") -> list[str]:
    """Return ``names`` if each names a variant of ``task``, else raise."""
    variants = variants_of(task)
    unknown = [name for name in names if name not in variants]
    if unknown:
        raise AgentlibError(
            f"unknown variant {', '.join(unknown)}; use any of "
            f"{', '.join(variants)}"
        )
    return names


def variant_config(
    name: str, seed: int, device: str, task: str = "arithmetic",
    **overrides,
) -> TrainConfig:
    """The task's config with variant ``name``'s change, for ``seed``,
    trained for the whole budget (:data:`FIXED_BUDGET`); ``overrides``
    (a smaller budget, say) apply to every variant."""
    changes = variants_of(task)[check_variants([name], task)[0]][1]
    task_name, agent = ABLATED[task]
    config = TrainConfig.for_task(
        task_name, seed=seed, device=device,
        **{**agent, **FIXED_BUDGET, **overrides})
    return replace(config, **changes)


def episodes_to(
    history: list[dict], stage: int, level: float = LEVEL,
    key: str = "accuracy",
) -> int | None:
    """Episodes until the validation exact match on ``stage`` (greedy,
    or with ``key="sampled"`` sampled) first reached ``level``, or None
    if it never did."""
    for record in history:
        if record.get(key, [0.0] * (stage + 1))[stage] >= level:
            return record["episodes"]
    return None


def learning_curve(history: list[dict], key: str = "accuracy"
                   ) -> list[list[float]]:
    """``[episodes, exact match per stage...]`` at each validation
    check, rounded to 4 digits, for the per-variant plots: of the
    greedy policy (``accuracy``) or of the sampled one (``sampled``)."""
    return [[record["episodes"], *(round(a, 4) for a in record[key])]
            for record in history if key in record]


def run_record(name: str, result: TrainResult) -> dict:
    """The JSON-ready facts of one finished run."""
    record = {
        "variant": name, "seed": result.config.seed,
        "accuracy": result.accuracy, "episodes": result.episodes,
        "seconds": round(result.seconds, 2),
        "sampled": result.sampled_accuracy,
        "episodes_to_99": [episodes_to(result.history, stage)
                           for stage in range(len(result.accuracy))],
        "sampled_to_95": [
            episodes_to(result.history, stage, SAMPLED_LEVEL, "sampled")
            for stage in range(len(result.accuracy))],
        "solved": min(result.accuracy) >= SOLVED,
        "curve": learning_curve(result.history),
        "sampled_curve": learning_curve(result.history, "sampled"),
        "mean_return": round(result.final_return, 4),
    }
    if result.held_out_accuracy:
        scores = result.scores()
        record.update(
            held_out=result.held_out_accuracy,
            held_out_sampled=result.held_out_sampled,
            lengths=[int(n) for n in scores["accuracy"]],
            held_out_lengths=[int(n) for n in scores["generalization"]])
    return record


def summarise(runs: list[dict], task: str = "arithmetic") -> list[dict]:
    """One row per variant of ``task``, in the order they ran."""
    return ablation_summary.summarise(runs, {
        name: description
        for name, (description, _) in variants_of(task).items()})


def describe_run(run: dict) -> str:
    """One progress line for a finished run."""
    accuracy = " / ".join(f"{a:.1%}" for a in run["accuracy"])
    return (f"{run['variant']} seed {run['seed']}: {run['episodes']:,} "
            f"episodes, {run['seconds']:.1f} s, final {accuracy}")


def run_one(name: str, seed: int, device: str, task: str = "arithmetic",
            **overrides) -> dict:
    """Train variant ``name`` of ``task`` on ``seed``; its record.
    ``train`` runs it on the thread policy's threads."""
    config = variant_config(name, seed, device, task, **overrides)
    return run_record(name, train(config))


def in_order(function: Callable, calls: list[tuple], jobs: int
             ) -> Iterator:
    """Yield ``function(*call)`` for each of ``calls``, in order: here,
    or on ``jobs`` spawned processes (``function`` must be importable,
    as a module's function or a partial of one)."""
    if jobs <= 1:
        for call in calls:
            yield function(*call)
        return
    context = multiprocessing.get_context("spawn")  # safe with CUDA
    with ProcessPoolExecutor(jobs, mp_context=context) as pool:
        futures = [pool.submit(function, *call) for call in calls]
        for future in futures:
            yield future.result()


def run_tasks(runs: list[tuple], jobs: int, device: str,
              task: str = "arithmetic", **overrides) -> Iterator[dict]:
    """Yield the record of each ``(name, seed)`` run, in order: here, or
    on ``jobs`` processes."""
    yield from in_order(functools.partial(
        run_one, device=device, task=task, **overrides), runs, jobs)


def run_all(
    names: list[str], seeds: list[int] | None, device: str | torch.device,
    progress: LiveProgress | None = None, jobs: int = 1,
    task: str = "arithmetic", **overrides,
) -> dict:
    """Train every (variant, seed), on ``jobs`` processes; the runs, the
    summary, the machine. ``seeds`` None gives each variant its own
    (:func:`seeds_of`); ``overrides`` change every config alike."""
    start, device = time.perf_counter(), resolve_device(device)
    pairs = [(name, seed) for name in check_variants(names, task)
             for seed in seeds_of(name, seeds, task)]
    runs = []
    for run in run_tasks(pairs, jobs, str(device), task, **overrides):
        runs.append(run)
        if progress is not None:
            progress(run)
    extra = {} if task == "arithmetic" else {"task": task}
    with cpu_threads():  # the threads each run trained on
        machine = describe_device(device)
    return {"machine": machine, **extra, "jobs": jobs,
            "seeds": sorted({seed for _, seed in pairs}),
            "level": LEVEL, "solved_at": SOLVED,
            "seconds": round(time.perf_counter() - start, 1),
            "runs": runs, "summary": summarise(runs, task)}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``python -m agentlib ablations``."""
    parser.add_argument("--task", default="arithmetic",
                        choices=tuple(TASK_VARIANTS),
                        help="the task to ablate (default: %(default)s)")
    parser.add_argument("--variants", nargs="+", metavar="NAME",
                        help="default: all of the task's; arithmetic: "
                        + ", ".join(VARIANTS) + "; expressions: "
                        + ", ".join(EXPRESSION_VARIANTS) + "; reader: "
                        + ", ".join(READER_VARIANTS))
    parser.add_argument("--seeds", nargs="+", type=int, metavar="S",
                        help="default: 0-9 for the defaults and the "
                        "variants whose verdict turns on the metric, "
                        "0-4 for the rest")
    parser.add_argument("--device", default="auto", type=device_arg)
    parser.add_argument("--jobs", type=int, default=1,
                        help="runs in parallel processes, each with an "
                        "equal share of the CPU threads (default: 1)")
    parser.add_argument("--max-episodes", type=int, metavar="N",
                        help="training budget of every run (default: "
                        "the task's: 300000, or 110000 for "
                        "expressions, 100000 for the reader)")
    parser.add_argument("--out", metavar="PATH",
                        help="also write every run and the summary as JSON")
    parser.add_argument("--json", action="store_true",
                        help="end with one JSON line: the summary")


def check_args(args: argparse.Namespace) -> None:
    """Raise on a bad flag before the first run, not hours later."""
    args.variants = args.variants or list(variants_of(args.task))
    check_unique("--variants", check_variants(args.variants, args.task))
    check_unique("--seeds", args.seeds or [])
    for seed in args.seeds or []:
        check_seed(seed, room=FINAL_EVAL_SEED)
    if args.jobs < 1:
        raise AgentlibError("--jobs must be at least 1")
    if args.out:
        measured.check_out_path(args.out)
    for name in args.variants:  # a bad budget fails here, not in a job
        variant_config(name, 0, "cpu", args.task, **budget_of(args))


def budget_of(args: argparse.Namespace) -> dict:
    """The ``--max-episodes`` override, when given."""
    if args.max_episodes is None:
        return {}
    return {"max_episodes": args.max_episodes}


def command(args: argparse.Namespace) -> int:
    """Train every variant on every seed and print the table."""
    check_args(args)
    progress = LiveProgress(describe_run, every_seconds=0.0)
    result = run_all(args.variants, args.seeds, args.device, progress,
                     args.jobs, args.task, **budget_of(args))
    print(format_table(result))
    if args.json:  # before saving: a failed save loses nothing printed
        print(json.dumps(result["summary"]))
    if args.out:
        measured.save(result, args.out)
    return 0
