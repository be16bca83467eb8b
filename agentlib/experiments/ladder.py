"""A ladder of baselines for Part IV, on the same problems at every length.

Each rung adds one thing to the one below, so the gaps say what each
thing is worth:

1. **a fixed program** reads nothing: its best
   (:func:`agentlib.experiments.planning.open_loop_best`, searched at 2
   to 5 operands; above 5 only a bound, the ceiling of any policy blind
   to the operators, sampled);
2. **the table without memory** reads what the agent reads and keeps
   nothing (:class:`~agentlib.experiments.controller.OneBitController`
   with ``memory=False``): what reading gives;
3. **the one-bit controller** adds one remembered bit: what memory
   gives;
4. **the trained agent**, every seed: how close learning comes to it.

``python -m agentlib ladder`` trains the agent on each seed with the
task's defaults and scores every rung greedily on ``NUM_PROBLEMS``
problems per length (every problem at 2 and 3 operands).
"""

import argparse

import torch

from agentlib.agent.evaluate import greedy_correct
from agentlib.agent.policy import Policy
from agentlib.agent.train import TrainConfig, train
from agentlib.errors import check_seed, check_unique
from agentlib.experiments import measured
from agentlib.experiments.controller import OneBitController
from agentlib.tasks import expressions as ex
from agentlib.tasks.expression_problems import test_problems

LENGTHS = tuple(range(2, 65))
SHOWN = (2, 3, 4, 5, 6, 8, 12, 16, 24, 32, 48, 64)
"""The lengths the table prints; the plot draws every one."""
NUM_PROBLEMS = 2_000
LADDER_SEED = 20_000
"""Length ``n``'s problems come from a generator seeded ``20_000 + n``:
the same for every rung and every run."""
SEEDS = (0, 1, 2, 3, 4)
BOUND_LENGTHS = (12, 16, 24, 32, 48, 64)
"""Lengths past 8 where the blind ceiling is sampled for the table."""


def problems_at(num_operands: int, num: int = NUM_PROBLEMS) -> ex.Problems:
    """The ladder's problems of one length, the same on every call."""
    generator = torch.Generator().manual_seed(LADDER_SEED + num_operands)
    return test_problems(num_operands, num, generator)


def rates(policy: Policy, lengths: tuple[int, ...] = LENGTHS,
          num: int = NUM_PROBLEMS) -> list[float]:
    """Greedy exact match of ``policy`` at each length."""
    return [greedy_correct(policy, problems_at(n, num)).float().mean()
            .item() for n in lengths]


def sampled_blind_ceiling(num_operands: int, digits: int = 200,
                          patterns: int = 2_000) -> float:
    """The blind ceiling of :func:`planning.blind_ceiling` at a length
    with too many patterns to list: ``patterns`` random ones on each of
    ``digits`` random digit tuples. The largest share of a sample is at
    least, on average, the largest share of all patterns, so this bounds
    any operator-blind policy from above, up to sampling noise."""
    generator = torch.Generator().manual_seed(LADDER_SEED - num_operands)
    rows = torch.randint(0, 10, (digits, num_operands), generator=generator)
    operators = torch.randint(0, 3, (digits * patterns, num_operands - 1),
                              generator=generator)
    length = torch.full((digits * patterns,), num_operands)
    problems = ex.make_problems(rows.repeat_interleave(patterns, 0),
                                operators, length, ex.budget(num_operands))
    targets = problems.target.view(digits, patterns)
    most = [torch.unique(row, return_counts=True)[1].max().item()
            for row in targets]
    return sum(most) / (digits * patterns)


def fixed_program_rung(stored: dict) -> dict[str, float]:
    """The best fixed program per length where it was searched (2-5),
    else the operator-blind ceiling above it (exact at 6-8 from the
    stored planning figures, sampled beyond)."""
    rung = {}
    for n, row in stored["lengths"].items():
        rung[n] = row.get("open_loop_best", row["blind_ceiling"])
    for n in BOUND_LENGTHS:
        rung[str(n)] = sampled_blind_ceiling(n)
    return rung


def trained_rates(seed: int, lengths: tuple[int, ...] = LENGTHS) -> dict:
    """Train the agent with the task's defaults; its rates per length."""
    result = train(TrainConfig.for_task("expressions", seed=seed,
                                        device="cpu", final_eval_size=100))
    return {"seed": seed, "episodes": result.episodes,
            "rates": rates(result.model, lengths)}


def measure(seeds: tuple[int, ...] = SEEDS,
            lengths: tuple[int, ...] = LENGTHS) -> dict:
    """Every rung at every length, as one JSON-ready dict."""
    return {
        "lengths": list(lengths), "problems": NUM_PROBLEMS,
        "fixed_program": fixed_program_rung(
            measured.load_stored("planning-cpu")),
        "memoryless": rates(OneBitController(memory=False), lengths),
        "one_bit": rates(OneBitController(), lengths),
        "agent": [trained_rates(seed, lengths) for seed in seeds],
    }


def worst_and_median(result: dict, index: int) -> tuple[float, float]:
    """The agent's worst seed and median at the ``index``-th length."""
    values = sorted(run["rates"][index] for run in result["agent"])
    return values[0], values[len(values) // 2]


def format_table(result: dict) -> str:
    """The rungs at the ``SHOWN`` lengths, one line each; a fixed
    program's figure marked ``<=`` where it is a bound."""
    seeds = len(result["agent"])
    lines = [f"greedy exact match, {result['problems']:,} problems per "
             f"length (all of them at 2 and 3 operands)",
             f"{'n':>3} {'fixed':>8} {'no memory':>10} {'one bit':>8} "
             f"{f'agent: worst / median of {seeds}':>30}"]
    for n in SHOWN:
        index = result["lengths"].index(n)
        fixed = result["fixed_program"].get(str(n))
        bound = "<=" if n > 5 else ""
        fixed = f"{bound}{fixed:.1%}" if fixed is not None else "-"
        worst, median = worst_and_median(result, index)
        lines.append(
            f"{n:>3} {fixed:>8} {result['memoryless'][index]:>10.1%} "
            f"{result['one_bit'][index]:>8.1%} "
            f"{f'{worst:.1%} / {median:.1%}':>30}")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``python -m agentlib ladder``."""
    parser.add_argument("--seeds", nargs="+", type=int, default=list(SEEDS),
                        metavar="S", help="default: 0 1 2 3 4")
    parser.add_argument("--out", metavar="PATH",
                        help="also write the figures as JSON")
    parser.add_argument("--json", action="store_true",
                        help="end with one JSON line of the figures")


def command(args: argparse.Namespace) -> int:
    """Score every rung at every length and print the table."""
    check_unique("--seeds", args.seeds)
    for seed in args.seeds:
        check_seed(seed)
    if args.out:
        measured.check_out_path(args.out)
    result = measure(tuple(args.seeds))
    measured.report(result, format_table(result), args.json, args.out)
    return 0
