"""The ``python -m agentlib`` command line.

Each subcommand lives in the module that owns its idea; that module
provides ``add_arguments(parser)`` and ``command(args) -> int``. This
file only wires them together and turns :class:`AgentlibError` into a
one-line message with exit status 2, as argparse does for bad flags.
"""

import argparse
import importlib
import sys

from agentlib.errors import AgentlibError

COMMANDS = {
    "reproduce": (
        "agentlib.original", "run the article's program as published"
    ),
    "notebooks": ("agentlib.notebooks", "re-execute the book's chapters"),
    "train": ("agentlib.train", "train the corrected agent, report accuracy"),
    "bench": ("agentlib.bench", "measure rollout and training throughput"),
    "ablations": (
        "agentlib.ablations", "train each design variant on five seeds"
    ),
}


def build_parser() -> argparse.ArgumentParser:
    """Return the parser with one subparser per command."""
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
        importlib.import_module(module_name).add_arguments(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv``, run the chosen command, return its exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    module = importlib.import_module(args.module_name)
    try:
        return module.command(args)
    except AgentlibError as error:
        print(f"{parser.prog} {args.command}: error: {error}", file=sys.stderr)
        return 2
