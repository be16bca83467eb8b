"""Running a trained expression agent on your own problems.

``python -m agentlib solve --checkpoint PATH [EXPRESSION ...]`` reads
expressions from its arguments, or one a line from standard input, and
prints one JSON line for each: the expression, the agent's greedy
program, its answer (null when it gave none) and the target. A line that
is not an expression gets a one-line error on standard error; the
others are still solved, and the exit status says that one failed.
"""

import argparse
import json
import sys
from collections.abc import Iterable

import torch

from agentlib.agent import checkpoint
from agentlib.agent.a2c import rollout
from agentlib.agent.evaluate import decode_programs
from agentlib.agent.model import ActorCritic
from agentlib.devices import device_arg
from agentlib.errors import AgentlibError
from agentlib.tasks import expressions as ex


def load_solver(path: str, device: str = "auto") -> ActorCritic:
    """The expression agent saved in ``path``; other agents are refused."""
    model = checkpoint.load(path, device)
    if not model.task.name.startswith("expressions"):
        raise AgentlibError(
            f"{path} holds an agent of task {model.task.name!r}; solve "
            f"needs one trained with --task expressions"
        )
    return model


@torch.no_grad()
def solve(model: ActorCritic, expressions: list[str]) -> list[dict]:
    """One record per well-formed expression (all are checked first)."""
    device = next(model.parameters()).device
    problems = ex.problems_from_expressions(expressions, device)
    batch = rollout(model, problems, greedy=True)
    records = []
    for row, program in enumerate(decode_programs(batch, model.task.tools)):
        answer = ex.run_program(expressions[row], program)
        records.append({"expression": expressions[row].replace(" ", ""),
                        "program": program, "answer": answer,
                        "target": problems.target[row].item()})
    return records


def read_lines(args: argparse.Namespace) -> Iterable[tuple[str, str]]:
    """(where, text) of every expression given, skipping blank lines."""
    if args.expressions:
        for index, text in enumerate(args.expressions, 1):
            yield f"argument {index}", text
        return
    for number, line in enumerate(sys.stdin, 1):
        if line.strip():
            yield f"line {number}", line.strip()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``python -m agentlib solve``."""
    parser.add_argument("--checkpoint", required=True, metavar="PATH",
                        help="an agent saved by train --task expressions "
                        "--save PATH")
    parser.add_argument("--device", default="auto", type=device_arg)
    parser.add_argument("expressions", nargs="*", metavar="EXPRESSION",
                        help="such as 3*4+5-2*6 (default: one a line "
                        "from standard input)")


def command(args: argparse.Namespace) -> int:
    """Solve every expression given; 1 when any line was malformed."""
    model = load_solver(args.checkpoint, args.device)
    good, failed = [], 0
    for where, text in read_lines(args):
        try:
            ex.parse(text)
            good.append(text)
        except AgentlibError as error:
            failed += 1
            print(f"python -m agentlib solve: {where}: {error}",
                  file=sys.stderr)
    for record in solve(model, good) if good else []:
        print(json.dumps(record))
    return 1 if failed else 0
