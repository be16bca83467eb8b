"""``python -m agentlib train``: train an agent and report its scores.

The flags become one :class:`~agentlib.agent.config.TrainConfig`
(checked as it is made), :func:`~agentlib.agent.train.train` runs it,
and :func:`~agentlib.agent.result.print_summary` reports it.
"""

import argparse
import json

from agentlib.agent import checkpoint, curriculum
from agentlib.agent.config import POLICIES, TrainConfig
from agentlib.agent.reader import HEAD_STEPS
from agentlib.agent.result import print_summary
from agentlib.agent.train import train
from agentlib.devices import device_arg
from agentlib.progress import LiveProgress
from agentlib.tasks import TASKS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``python -m agentlib train``."""
    parser.add_argument("--task", default=TrainConfig.task,
                        choices=tuple(TASKS),
                        help="what to learn (default: %(default)s)")
    parser.add_argument("--agent", default=TrainConfig.policy,
                        choices=POLICIES, help="default: %(default)s")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of weights, problems and actions")
    parser.add_argument("--device", default="auto", type=device_arg,
                        help="where to train (default: auto)")
    shapings = dict.fromkeys(s for t in TASKS.values() for s in t.shapings)
    parser.add_argument("--shaping", choices=tuple(shapings),
                        help="reward shaping (default: the task's, "
                        "progress for arithmetic, terms for expressions)")
    parser.add_argument("--curriculum", choices=curriculum.CURRICULA,
                        help="stage schedule (default: the task's, "
                        "mastery for arithmetic, mixed for expressions)")
    add_budget_arguments(parser)


def add_budget_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``python -m agentlib train`` for the batch, the budget,
    the reader's head, CUDA graphs and the outputs."""
    parser.add_argument("--batch-size", type=int,
                        help="episodes per update (default: the task's, "
                        "256, or 512 for expressions but 256 for the "
                        "reader)")
    parser.add_argument("--max-episodes", type=int,
                        help="training budget (default: the task's, "
                        "300,000 for arithmetic, stopping once the "
                        "sampled policy is exact on 97%% of every "
                        "stage; 110,000 for expressions, all used; "
                        "100,000 for the reader)")
    parser.add_argument("--head-step", choices=tuple(HEAD_STEPS),
                        help="the reader's head moves by tokens or by "
                        "whole operands (default: token)")
    parser.add_argument("--cuda-graph", action="store_true",
                        help="replay each update from a CUDA graph")
    parser.add_argument("--save", metavar="PATH",
                        help="save the trained agent there (checked first)")
    parser.add_argument("--json", action="store_true",
                        help="end with one line of JSON: the summary")


def command(args: argparse.Namespace) -> int:
    """Train with the parsed flags and report the accuracies."""
    chosen = {"shaping": args.shaping, "curriculum": args.curriculum,
              "max_episodes": args.max_episodes,
              "head_step": args.head_step, "batch_size": args.batch_size}
    config = TrainConfig.for_task(
        args.task, seed=args.seed, device=args.device, policy=args.agent,
        cuda_graph=args.cuda_graph,
        **{k: v for k, v in chosen.items() if v is not None},
    )
    if args.save:
        checkpoint.check_save_path(args.save)
    progress = LiveProgress(every_seconds=1.0)
    result = train(config, callback=progress)
    progress.close()
    print_summary(result)
    if args.json:
        print(json.dumps(result.summary()))
    if args.save:
        checkpoint.save(result.model, args.save)
    return 0
