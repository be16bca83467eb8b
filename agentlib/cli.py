"""The ``python -m agentlib`` command line.

Each subcommand lives in the module that owns its idea; that module
provides ``add_arguments(parser)`` and ``command(args) -> int``. This
file only wires them together and turns :class:`AgentlibError` into a
one-line message with exit status 2, as argparse does for bad flags;
Ctrl-C ends a command with one line and status 130. Every command runs
on the CPU thread policy's threads (:mod:`agentlib.threads`).
"""

import argparse
import importlib
import sys

import torch

from agentlib.errors import AgentlibError
from agentlib.threads import use_thread_policy

COMMANDS = {
    "reproduce": (
        "agentlib.article.original", "run the article's program as published"
    ),
    "notebooks": (
        "agentlib.book.notebooks", "re-execute the book's chapters"
    ),
    "train": (
        "agentlib.agent.train_cli",
        "train the corrected agent, report accuracy",
    ),
    "bench": (
        "agentlib.experiments.bench",
        "measure rollout and training throughput",
    ),
    "ablations": (
        "agentlib.experiments.ablations",
        "train each design variant on five seeds",
    ),
    "planning": (
        "agentlib.experiments.planning",
        "prove the expression task needs planning "
        "and memory"
    ),
    "ladder": (
        "agentlib.experiments.ladder",
        "score Part IV's ladder of baselines at every length",
    ),
    "trap": (
        "agentlib.experiments.trap",
        "measure whether the curriculum seeds stage 2's trap",
    ),
    "sweep": (
        "agentlib.experiments.sweep",
        "sweep learning rate and entropy for the failing variants",
    ),
    "stopping": (
        "agentlib.experiments.stopping",
        "measure what each stopping rule gives, seed by seed",
    ),
    "solve": (
        "agentlib.agent.solve", "run a trained agent on your own problems"
    ),
    "threads": (
        "agentlib.experiments.thread_bench",
        "time training on 1 and 2 CPU threads, "
        "idle and beside busy processes"
    ),
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """Return the parser with one subparser per command; with ``only``,
    the flags of that command alone, so that no other command's module
    is imported (some import plotting or widget libraries)."""
    parser = argparse.ArgumentParser(
        prog="python -m agentlib",
        description="Commands of the book's agent: train, measure, compare.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers.required = True
    for name, (module_name, help_text) in COMMANDS.items():
        sub = subparsers.add_parser(
            name, help=help_text, description=help_text
        )
        sub.set_defaults(module_name=module_name)
        if only in (None, name):
            importlib.import_module(module_name).add_arguments(sub)
    return parser


def named_command(argv: list[str]) -> str | None:
    """The command ``argv`` names (its first word that is not a flag),
    or None when it names none."""
    words = [arg for arg in argv if not arg.startswith("-")]
    return words[0] if words and words[0] in COMMANDS else None


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv``, run the chosen command, return its exit status."""
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(only=named_command(argv))
    args = parser.parse_args(argv)
    module = importlib.import_module(args.module_name)
    prefix = f"{parser.prog} {args.command}"
    try:
        use_thread_policy()
        return module.command(args)
    except AgentlibError as error:
        print(f"{prefix}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prefix}: interrupted; no file was left half-written",
              file=sys.stderr)
        return 130
    except (MemoryError, torch.OutOfMemoryError, RuntimeError) as error:
        if not is_out_of_memory(error):
            raise
        print(f"{prefix}: error: out of memory; try a smaller batch",
              file=sys.stderr)
        return 2


def is_out_of_memory(error: BaseException) -> bool:
    """True for an allocation failure, whichever way torch reports it."""
    return not isinstance(error, RuntimeError) or isinstance(
        error, torch.OutOfMemoryError) or "allocate" in str(error)
