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
import statistics

import torch

from agentlib.agent import a2c, evaluate
from agentlib.agent.policy import Policy, device_of
from agentlib.agent.train import (
    FINAL_EVAL_SEED,
    Run,
    TrainConfig,
    make_agent,
    train,
)
from agentlib.devices import resolve_device
from agentlib.errors import check_choice, check_seed, check_unique
from agentlib.experiments import measured
from agentlib.experiments.trap_controls import (
    CONTROLS,
    mean_entropy,
    reset_head,
    restore_entropy,
)
from agentlib.tasks import Problems, arithmetic

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


def stage2_problems(device: torch.device | str, num: int = 1_000
                    ) -> Problems:
    """``num`` fresh stage-2 problems, the same for every call."""
    generator = torch.Generator(device).manual_seed(FINAL_EVAL_SEED)
    return arithmetic.sample_problems(2, num, device=device,
                                      generator=generator)


def stage2_programs(model: Policy, num: int = 1_000) -> dict[str, float]:
    """What the greedy programs of ``model`` do on ``num`` fresh
    stage-2 problems."""
    problems = stage2_problems(device_of(model), num)
    batch = a2c.rollout(model, problems, greedy=True)
    return program_shares(evaluate.decode_programs(batch, arithmetic.TOOLS))


def stage2_learned(record: dict) -> bool:
    """True once stage 2's held-out accuracy reaches ``LEVEL``."""
    return record["accuracy"][2] >= LEVEL


class StageTwoWatch:
    """A run's early stop: keeps the greedy programs at the promotion to
    stage 2 (and applies a control there), then stops once stage 2 is
    learned."""

    def __init__(self, control: str = "none", seed: int = 0):
        """Nothing seen yet; ``control`` is one of ``CONTROLS``."""
        self.control = check_choice("control", control, CONTROLS)
        self.seed = seed
        self.promoted_at: int | None = None
        self.shares: dict[str, float] = {}
        self.entropy: float | None = None
        self.learned_at: int | None = None

    def __call__(self, run: Run, record: dict) -> bool:
        """True when training can stop (see :data:`train.Stop`)."""
        if self.promoted_at is None:
            if run.stage == 2:  # promoted by this evaluation
                self.promote(run, record["update"])
            return False
        if stage2_learned(record):
            self.learned_at = record["update"]
        return self.learned_at is not None

    def promote(self, run: Run, update: int) -> None:
        """Note the programs and entropy at promotion; apply the
        control."""
        self.promoted_at = update
        self.shares = stage2_programs(run.model)
        problems = stage2_problems(run.device)
        self.entropy = mean_entropy(run.model, problems)
        if self.control == "head-reset":
            reset_head(run.model, run.optimizer, self.seed)
        elif self.control == "entropy-restored":
            fresh = make_agent(run.config, run.device)[0]
            restore_entropy(run.model, problems,
                            mean_entropy(fresh, problems))


# what a trap run keeps of its final scores: none, so score few problems
UNSCORED = {"final_eval_size": 1_000}


def stage2_episodes(history: list[dict], start: int, end: int | None,
                    batch: int) -> int | None:
    """Stage-2 episodes of updates ``start`` (excluded) to ``end``:
    the replayed stages 0 and 1 not counted; None if never learned."""
    if end is None:
        return None
    share = sum(record["stage_mix"][2] for record in history
                if start < record["update"] <= end)
    return round(share * batch)


def curriculum_run(seed: int, control: str, device: str) -> dict:
    """The curriculum up to stage 2 learned, with ``control`` applied
    at the promotion."""
    config = TrainConfig(seed=seed, device=device, **UNSCORED)
    watch = StageTwoWatch(control, seed)
    result = train(config, stop=watch)
    if watch.promoted_at is None:  # never promoted: say so at the end
        watch.promoted_at = result.updates
        watch.shares = stage2_programs(result.model)
    batch = config.batch_size
    return {"control": control, "promoted_at": watch.promoted_at * batch,
            "at_promotion": watch.shares, "entropy": watch.entropy,
            "curriculum_episodes": learned(
                watch.learned_at, watch.promoted_at, batch),
            "curriculum_stage2_episodes": stage2_episodes(
                result.history, watch.promoted_at, watch.learned_at,
                batch)}


def measure_seed(seed: int, device: str = "cpu",
                 controls: tuple[str, ...] = ("none",)) -> dict:
    """One seed: for each control, the curriculum's programs and
    entropy at promotion and its stage-2 episodes to 99%; and stage 2
    alone's episodes to 99%."""
    check_seed(seed, room=FINAL_EVAL_SEED)
    runs = {control: curriculum_run(seed, control, device)
            for control in controls}
    alone_config = TrainConfig(seed=seed, device=device, curriculum="last",
                               **UNSCORED)
    fresh = make_agent(alone_config, resolve_device(device))[0]
    fresh_entropy = mean_entropy(fresh, stage2_problems(
        resolve_device(device)))
    alone = train(alone_config, stop=lambda run, record: stage2_learned(
        record))
    return {"seed": seed, **runs[controls[0]], "controls": runs,
            "fresh_weights": stage2_programs(fresh),
            "fresh_entropy": fresh_entropy,
            "alone_episodes": learned(alone_learned(alone), 0,
                                      alone_config.batch_size)}


def alone_learned(result) -> int | None:
    """The update at which a run learned stage 2, if it did."""
    last = [r for r in result.history if "accuracy" in r][-1:]
    return last[0]["update"] if last and stage2_learned(last[0]) else None


def learned(end: int | None, start: int, batch: int) -> int | None:
    """Episodes from update ``start`` to ``end``, if stage 2 was
    learned then, else None."""
    return None if end is None else (end - start) * batch


def measure(seeds: list[int], device: str = "cpu",
            controls: tuple[str, ...] = ("none",)) -> dict:
    """Every seed's record, and the medians per control."""
    runs = [measure_seed(seed, device, controls) for seed in seeds]

    def median(values: list) -> float | None:
        values = [value for value in values if value is not None]
        return statistics.median(values) if values else None

    stage2 = {control: median([run["controls"][control][
        "curriculum_stage2_episodes"] for run in runs])
        for control in controls}
    return {"seeds": list(seeds), "controls": list(controls), "runs": runs,
            "median_curriculum_stage2_episodes": stage2[controls[0]],
            "median_stage2_episodes": stage2,
            "median_alone_episodes": median(
                [run["alone_episodes"] for run in runs])}


def format_table(result: dict) -> str:
    """One line per seed: shares of the greedy stage-2 programs and the
    entropy at promotion, and stage-2 episodes to 99% (greedy) with and
    without the curriculum."""
    lines = ["greedy programs on stage-2 problems at the promotion to "
             "stage 2;",
             "then stage-2 episodes to 99% greedy on stage 2; stage 2 "
             "alone's",
             f"{'seed':>4} {'promoted':>9} {'stage0':>7} {'stage1':>7} "
             f"{'solution':>8} {'other':>6} {'entropy':>7} "
             f"{'to 99%':>7} {'alone':>7}"]
    for run in result["runs"]:
        shares = run["at_promotion"]
        entropy = "-" if run["entropy"] is None else f"{run['entropy']:.2f}"
        lines.append(
            f"{run['seed']:>4} {run['promoted_at']:>9,} "
            + " ".join(f"{shares[key]:>7.1%}" for key in SHORTCUTS)
            + f" {shares['the solution']:>8.1%} {shares['other']:>6.1%} "
            f"{entropy:>7} "
            f"{thousands(run['curriculum_stage2_episodes']):>7} "
            f"{thousands(run['alone_episodes']):>7}")
    return "\n".join(lines)


def format_controls(result: dict) -> str:
    """Stage-2 episodes to 99% (greedy) after promotion, per seed and
    control, beside stage 2 alone."""
    controls = result["controls"]
    lines = ["stage-2 episodes until greedy stage 2 reaches 99%",
             f"{'seed':>4} " + " ".join(f"{c:>16}" for c in controls)
             + f" {'stage 2 alone':>13}"]
    for run in result["runs"]:
        cells = [thousands(run["controls"][control][
            "curriculum_stage2_episodes"]) for control in controls]
        lines.append(f"{run['seed']:>4} "
                     + " ".join(f"{cell:>16}" for cell in cells)
                     + f" {thousands(run['alone_episodes']):>13}")
    medians = result["median_stage2_episodes"]
    lines.append("median " + " ".join(
        f"{thousands(medians[control]):>16}" for control in controls)[2:]
        + f" {thousands(result['median_alone_episodes']):>13}")
    return "\n".join(lines)


def thousands(episodes: float | None) -> str:
    """Episodes in thousands, or ``never``."""
    return "never" if episodes is None else f"{episodes / 1000:.1f}k"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``python -m agentlib trap``."""
    parser.add_argument("--seeds", nargs="+", type=int, default=list(SEEDS),
                        metavar="S", help="default: 0 1 2 3 4")
    parser.add_argument("--controls", nargs="+", default=["none"],
                        choices=CONTROLS, metavar="CONTROL",
                        help="what to do at the promotion to stage 2: "
                        + ", ".join(CONTROLS) + " (default: none)")
    parser.add_argument("--json", action="store_true",
                        help="end with one JSON line: every seed's record")
    parser.add_argument("--out", metavar="PATH",
                        help="also store every seed's record as JSON")


def command(args: argparse.Namespace) -> int:
    """Measure every seed and print the tables."""
    check_unique("--seeds", args.seeds)
    check_unique("--controls", args.controls)
    for seed in args.seeds:
        check_seed(seed, room=FINAL_EVAL_SEED)
    if args.out:
        measured.check_out_path(args.out)
    result = measure(args.seeds, controls=tuple(args.controls))
    tables = format_table(result) + "\n" + format_controls(result)
    measured.report(result, tables, args.json, args.out)
    return 0
