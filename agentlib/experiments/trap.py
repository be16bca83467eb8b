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
from agentlib.agent.policy import Policy
from agentlib.agent.train import (
    FINAL_EVAL_SEED,
    Run,
    TrainConfig,
    make_agent,
    train,
)
from agentlib.devices import resolve_device
from agentlib.errors import AgentlibError, check_seed
from agentlib.tasks import arithmetic

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


def stage2_programs(model: Policy, num: int = 1_000) -> dict[str, float]:
    """What the greedy programs of ``model`` do on ``num`` fresh
    stage-2 problems."""
    device = next(model.parameters()).device
    problems = arithmetic.sample_problems(
        2, num, device=device,
        generator=torch.Generator(device).manual_seed(
            FINAL_EVAL_SEED))
    batch = evaluate.rollout(model, problems, greedy=True)
    return program_shares(evaluate.decode_programs(batch, arithmetic.TOOLS))


def stage2_learned(record: dict) -> bool:
    """True once stage 2's held-out accuracy reaches ``LEVEL``."""
    return record["accuracy"][2] >= LEVEL


class StageTwoWatch:
    """A run's early stop: keeps the greedy programs at the promotion to
    stage 2, then stops once stage 2 is learned."""

    def __init__(self):
        """Nothing seen yet."""
        self.promoted_at: int | None = None
        self.shares: dict[str, float] = {}
        self.learned_at: int | None = None

    def __call__(self, run: Run, record: dict) -> bool:
        """True when training can stop (see :data:`train.Stop`)."""
        if self.promoted_at is None:
            if run.stage == 2:  # promoted by this evaluation
                self.promoted_at = record["update"]
                self.shares = stage2_programs(run.model)
            return False
        if stage2_learned(record):
            self.learned_at = record["update"]
        return self.learned_at is not None


# what a trap run keeps of its final scores: none, so score few problems
UNSCORED = {"final_eval_size": 1_000}


def measure_seed(seed: int, device: str = "cpu") -> dict:
    """One seed: the curriculum's programs at promotion, its episodes
    at stage 2 to 99%, and stage 2 alone's episodes to 99%."""
    check_seed(seed, room=FINAL_EVAL_SEED)
    config = TrainConfig(seed=seed, device=device, **UNSCORED)
    watch = StageTwoWatch()
    result = train(config, stop=watch)
    if watch.promoted_at is None:  # never promoted: say so at the end
        watch.promoted_at = result.updates
        watch.shares = stage2_programs(result.model)
    alone_config = TrainConfig(seed=seed, device=device, curriculum="last",
                               **UNSCORED)
    fresh = stage2_programs(make_agent(alone_config,
                                       resolve_device(device))[0])
    alone = train(alone_config, stop=lambda run, record: stage2_learned(
        record))
    batch = config.batch_size
    return {"seed": seed, "promoted_at": watch.promoted_at * batch,
            "at_promotion": watch.shares, "fresh_weights": fresh,
            "curriculum_stage2_episodes": learned(
                watch.learned_at, watch.promoted_at, batch),
            "alone_episodes": learned(alone_learned(alone), 0, batch)}


def alone_learned(result) -> int | None:
    """The update at which a run learned stage 2, if it did."""
    last = [r for r in result.history if "accuracy" in r][-1:]
    return last[0]["update"] if last and stage2_learned(last[0]) else None


def learned(end: int | None, start: int, batch: int) -> int | None:
    """Episodes from update ``start`` to ``end``, if stage 2 was
    learned then, else None."""
    return None if end is None else (end - start) * batch


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
