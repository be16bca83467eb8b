"""Does the curriculum seed stage 2's trap? Measured, seed by seed.

Stage 0's and stage 1's programs (``MUL ADD ANS``, ``MUL ADD SUB
ANS``) are exactly the shortcuts that answer stage 2 too early. A
curriculum trains them first, so when it promotes the agent to stage 2
its greedy programs may be those shortcuts. For each seed this trains
the book's curriculum up to its promotion to stage 2, counts what its
greedy programs do on stage-2 problems there, and then counts the
episodes it spends at stage 2 until its held-out accuracy reaches 99%;
beside it, stage 2 alone from fresh weights (``curriculum="last"``).
``python -m agentlib trap`` prints the table.
"""

import argparse
import json
import statistics

import torch

from agentlib.agent import evaluate
from agentlib.agent.train import (
    FINAL_EVAL_SEED,
    Run,
    TrainConfig,
    check_config,
    start_run,
    train_until,
)
from agentlib.errors import AgentlibError, check_seed
from agentlib.tasks import arithmetic
from agentlib.threads import cpu_threads

SHORTCUTS = {"stage 0's program": ["MUL", "ADD", "ANS"],
             "stage 1's program": ["MUL", "ADD", "SUB", "ANS"]}
SOLUTION = ["MUL", "ADD", "STO", "MUL", "RCL", "ANS"]
LEVEL = 0.99
SEEDS = (0, 1, 2, 3, 4)


def program_shares(programs: list[list[str]]) -> dict[str, float]:
    """Share of ``programs`` that are each shortcut, the solution, or
    anything else."""
    kinds = {**SHORTCUTS, "the solution": SOLUTION}
    shares = {name: sum(p == program for p in programs) / len(programs)
              for name, program in kinds.items()}
    shares["other"] = 1 - sum(shares.values())
    return shares


def stage2_programs(run: Run, num: int = 1_000) -> dict[str, float]:
    """What the run's greedy programs do on ``num`` fresh stage-2
    problems."""
    device = run.held_out.stage.device
    problems = arithmetic.sample_problems(
        2, num, device=device,
        generator=torch.Generator(device).manual_seed(
            FINAL_EVAL_SEED))
    batch = evaluate.rollout(run.model, problems, greedy=True)
    return program_shares(evaluate.decode_programs(batch))


def stage2_learned(record: dict) -> bool:
    """True once stage 2's held-out accuracy reaches ``LEVEL``."""
    return record["accuracy"][2] >= LEVEL


def measure_seed(seed: int, device: str = "cpu") -> dict:
    """One seed: the curriculum's programs at promotion, its episodes
    at stage 2 to 99%, and stage 2 alone's episodes to 99%."""
    check_seed(seed, room=FINAL_EVAL_SEED)
    with cpu_threads():
        run = start_run(check_config(TrainConfig(seed=seed, device=device)))
        update, _ = train_until(run, 0, lambda record: run.stage == 2)
        promoted = update * run.config.batch_size
        shares = stage2_programs(run)
        end, record = train_until(run, update, stage2_learned)
        alone = start_run(check_config(
            TrainConfig(seed=seed, device=device, curriculum="last")))
        fresh = stage2_programs(alone)
        last, alone_record = train_until(alone, 0, stage2_learned)
    batch = run.config.batch_size
    return {"seed": seed, "promoted_at": promoted, "at_promotion": shares,
            "fresh_weights": fresh,
            "curriculum_stage2_episodes": learned(record, end, update,
                                                  batch),
            "alone_episodes": learned(alone_record, last, 0, batch)}


def learned(record: dict | None, end: int, start: int, batch: int
            ) -> int | None:
    """Episodes from update ``start`` to ``end``, if stage 2 was
    learned then, else None."""
    if record is None or not stage2_learned(record):
        return None
    return (end - start) * batch


def measure(seeds: list[int], device: str = "cpu") -> dict:
    """Every seed's record, and the medians."""
    runs = [measure_seed(seed, device) for seed in seeds]

    def median(key: str) -> float | None:
        values = [run[key] for run in runs if run[key] is not None]
        return statistics.median(values) if values else None

    return {"seeds": list(seeds), "runs": runs,
            "median_curriculum_stage2_episodes": median(
                "curriculum_stage2_episodes"),
            "median_alone_episodes": median("alone_episodes")}


def format_table(result: dict) -> str:
    """One line per seed: shares of the greedy stage-2 programs at
    promotion, and episodes at stage 2 to 99% with and without the
    curriculum."""
    lines = ["greedy programs on stage-2 problems when the curriculum "
             "promotes to stage 2",
             f"{'seed':>4} {'promoted':>9} {'stage0':>7} {'stage1':>7} "
             f"{'solution':>8} {'other':>6} {'stage 2 to 99%':>15} "
             f"{'alone':>7}"]
    for run in result["runs"]:
        shares = run["at_promotion"]
        lines.append(
            f"{run['seed']:>4} {run['promoted_at']:>9,} "
            + " ".join(f"{shares[key]:>7.1%}" for key in SHORTCUTS)
            + f" {shares['the solution']:>8.1%} {shares['other']:>6.1%} "
            f"{thousands(run['curriculum_stage2_episodes']):>15} "
            f"{thousands(run['alone_episodes']):>7}")
    return "\n".join(lines)


def thousands(episodes: int | None) -> str:
    """Episodes in thousands, or ``never``."""
    return "never" if episodes is None else f"{episodes / 1000:.1f}k"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``python -m agentlib trap``."""
    parser.add_argument("--seeds", nargs="+", type=int, default=list(SEEDS),
                        metavar="S", help="default: 0 1 2 3 4")
    parser.add_argument("--json", action="store_true",
                        help="end with one JSON line: every seed's record")


def command(args: argparse.Namespace) -> int:
    """Measure every seed and print the table."""
    if len(set(args.seeds)) != len(args.seeds):
        raise AgentlibError("--seeds lists a seed more than once")
    for seed in args.seeds:
        check_seed(seed, room=FINAL_EVAL_SEED)
    result = measure(args.seeds)
    print(format_table(result))
    if args.json:
        print(json.dumps(result))
    return 0
