"""Running a trained agent on your own problems.

``python -m agentlib solve --checkpoint PATH [PROBLEM ...]`` reads
problems from its arguments, or one a line from standard input, in the
form of the agent's task (the checkpoint says which): an expression
such as ``3*4+5-2*6``, or for the first task a context of digits such
as ``3 4 5 2 6`` (its stage is its length). It prints one JSON line for
each: the problem as an expression, the agent's greedy program, its
answer (null when it gave none) and the target. A malformed line gets a
one-line error on standard error; the others are still solved, and the
exit status says that one failed. Everything task-specific comes through
the task interface (``parse_line``, ``problems_from_text``).
"""

import argparse
import json
import sys
from collections.abc import Iterable

import torch

from agentlib.agent import checkpoint
from agentlib.agent.a2c import rollout
from agentlib.agent.evaluate import decode_programs
from agentlib.agent.policy import Policy, device_of
from agentlib.devices import device_arg
from agentlib.errors import AgentlibError
from agentlib.tasks.machine import run_steps


@torch.no_grad()
def solve(model: Policy, lines: list[str]) -> list[dict]:
    """One record per well-formed problem (all are checked first)."""
    task = model.task
    device = device_of(model)
    problems = task.problems_from_text(lines, device)
    batch = rollout(model, problems, greedy=True)
    final = run_steps(task.step, problems, batch.action)
    answers = torch.where(final.answered, final.acc, 0).tolist()
    records = []
    for row, program in enumerate(decode_programs(batch, task.tools)):
        answered = bool(final.answered[row])
        records.append({"expression": task.parse_line(lines[row]),
                        "program": program,
                        "answer": answers[row] if answered else None,
                        "target": problems.target[row].item()})
    return records


def read_lines(args: argparse.Namespace) -> Iterable[tuple[str, str]]:
    """(where, text) of every problem given, skipping blank lines."""
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
                        help="an agent saved by train --save PATH")
    parser.add_argument("--device", default="auto", type=device_arg)
    parser.add_argument("expressions", nargs="*", metavar="PROBLEM",
                        help="in the agent's task's form: an expression "
                        "such as 3*4+5-2*6, or for --task arithmetic "
                        "digits such as '3 4 5 2 6' (stage 2: 3*4+5-2*6); "
                        "default: one a line from standard input")


def command(args: argparse.Namespace) -> int:
    """Solve every problem given; 1 when any line was malformed."""
    model = checkpoint.load(args.checkpoint, args.device)
    good, failed = [], 0
    for where, text in read_lines(args):
        try:
            model.task.parse_line(text)
            good.append(text)
        except AgentlibError as error:
            failed += 1
            print(f"python -m agentlib solve: {where}: {error}",
                  file=sys.stderr)
    for record in solve(model, good) if good else []:
        print(json.dumps(record))
    return 1 if failed else 0
