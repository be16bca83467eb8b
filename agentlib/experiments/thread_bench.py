"""Measuring the thread policy: ``python -m agentlib threads``.

Times :func:`agentlib.agent.train.train` of one seed on 1 and on 2 intra-op
threads, in turn, first on an idle machine and then beside busy
processes that this command starts and stops itself, and prints the
median of each. The policy in :mod:`agentlib.threads` was chosen from
its output.
"""

import argparse
import json
import multiprocessing
import statistics

from agentlib.agent.train import TrainConfig, train
from agentlib.errors import AgentlibError, check_count, check_seed, is_integer
from agentlib.threads import thread_policy


def spin() -> None:
    """Keep one core busy until terminated."""
    while True:
        pass


def train_seconds(threads: int, seed: int) -> float:
    """Seconds inside ``train`` for ``seed`` on ``threads`` threads."""
    with thread_policy(threads):
        result = train(TrainConfig(seed=seed, device="cpu"))
    return result.seconds


def measure(runs: int, busy: int, seed: int) -> dict:
    """Median seconds for 1 and 2 threads with ``busy`` spinners."""
    context = multiprocessing.get_context("spawn")
    spinners = [context.Process(target=spin, daemon=True)
                for _ in range(busy)]
    for process in spinners:
        process.start()
    try:
        times = {1: [], 2: []}
        for _ in range(runs):
            for threads in times:  # in turn, so drift hits both alike
                times[threads].append(train_seconds(threads, seed))
    finally:
        for process in spinners:
            process.terminate()
            process.join()
    return {str(t): round(statistics.median(v), 2) for t, v in times.items()}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``python -m agentlib threads``."""
    parser.add_argument("--runs", type=int, default=3,
                        help="runs of each setting (default: 3)")
    parser.add_argument("--busy", type=int, default=2,
                        help="busy processes beside the loaded runs "
                        "(default: 2)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true",
                        help="end with one JSON line of the medians")


def command(args: argparse.Namespace) -> int:
    """Measure idle, then loaded, and print the medians side by side."""
    check_count("--runs", args.runs)
    check_seed(args.seed)
    if not is_integer(args.busy) or args.busy < 0:
        raise AgentlibError(f"--busy must be an integer >= 0, "
                            f"got {args.busy}")
    result = {"idle": measure(args.runs, 0, args.seed),
              f"{args.busy} busy": measure(args.runs, args.busy, args.seed)}
    print("seconds inside train(), median of "
          f"{args.runs} runs; 1 thread | 2 threads")
    for label, medians in result.items():
        print(f"{label:>8}: {medians['1']:6.1f} s | {medians['2']:6.1f} s")
    if args.json:
        print(json.dumps(result))
    return 0
