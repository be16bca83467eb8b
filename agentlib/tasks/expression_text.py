"""The expressions of Part IV, in plain Python: their tools, their
text, their value, and a program that solves each.

An expression is ``n`` single digits joined by ``+``, ``-`` and ``*``,
written as people write it (``3*4+5-2*6``); its value follows the usual
precedence: ``*`` first, then left to right. :func:`run_program` is the
machine of :mod:`agentlib.tasks.expressions` in plain Python, to read;
the batched machine there follows the same rules, and a test holds the
two equal.
"""

import re
from collections.abc import Sequence

from agentlib.errors import AgentlibError, is_integer
from agentlib.tasks.machine import check_program

TOOLS = ("LOAD", "MUL", "ADD", "SUB", "PUSH", "POP+", "POP-", "ANS")
LOAD, MUL, ADD, SUB, PUSH, POP_ADD, POP_SUB, ANS = range(len(TOOLS))
NUM_TOOLS = len(TOOLS)
OPERATORS = "+-*"
PLUS, MINUS, TIMES = range(3)
NO_OP = 3
"""Operator id past the last operand."""
MIN_OPERANDS = 2
EXPRESSION = re.compile(r"[0-9]([-+*][0-9])*")


def budget(num_operands: int) -> int:
    """Steps an expression of ``num_operands`` operands may take."""
    return 2 * num_operands + 1


def check_length(num_operands: int) -> int:
    """Return ``num_operands`` if it is a whole number of operands, at
    least two, else raise. There is no upper bound: how long an
    expression may be is set by its values, which must fit in int64
    (:func:`agentlib.tasks.expression_problems.make_problems` checks)."""
    if not is_integer(num_operands) or num_operands < MIN_OPERANDS:
        raise AgentlibError(
            f"an expression needs at least {MIN_OPERANDS} operands, got "
            f"{num_operands!r}"
        )
    return int(num_operands)


def parse(expression: str) -> tuple[list[int], str]:
    """Digits and operators of ``expression``, such as ``"3*4+5"``.

    >>> parse("3*4+5")
    ([3, 4, 5], '*+')
    """
    if not isinstance(expression, str):
        raise AgentlibError(f"an expression is a string, got {expression!r}")
    text = expression.replace(" ", "")
    if not EXPRESSION.fullmatch(text):
        raise AgentlibError(
            f"not an expression of single digits and + - *: {expression!r}"
        )
    check_length(len(text) // 2 + 1)
    return [int(digit) for digit in text[::2]], text[1::2]


def value(digits: Sequence[int], operators: str) -> int:
    """The value under the usual precedence: products first.

    >>> value([3, 4, 5, 2, 6], "*+-*")
    5
    """
    total, sign, term = 0, 1, digits[0]
    for operator, digit in zip(operators, digits[1:], strict=True):
        if operator == "*":
            term *= digit
        else:
            total, sign, term = total + sign * term, (
                1 if operator == "+" else -1), digit
    return total + sign * term


def run_program(expression: str, program: Sequence[str]) -> int | None:
    """Run tool names on ``expression``; return the answer, or None.

    >>> run_program("3+4*5", "LOAD PUSH LOAD MUL POP+ ANS".split())
    23
    """
    x, _ = parse(expression)
    acc, mem, i = None, None, 0
    for tool in check_program(program, TOOLS)[:budget(len(x))]:
        more = i < len(x)
        if tool == "LOAD" and acc is None and more:
            acc, i = x[i], i + 1
        elif tool in ("MUL", "ADD", "SUB") and acc is not None and more:
            acc = {"MUL": acc * x[i], "ADD": acc + x[i],
                   "SUB": acc - x[i]}[tool]
            i += 1
        elif tool == "PUSH" and acc is not None and mem is None:
            mem, acc = acc, None
        elif tool in ("POP+", "POP-") and None not in (acc, mem):
            acc, mem = (mem + acc if tool == "POP+" else mem - acc), None
        elif tool == "ANS":
            return acc
    return None


def solution(operators: str) -> list[str]:
    """A shortest program for every expression with these operators.

    Each product is built in ``acc``; a product after the first waits
    for its operands while the sum so far waits in ``mem``.

    >>> " ".join(solution("+*"))
    'LOAD PUSH LOAD MUL POP+ ANS'
    """
    program, sign = ["LOAD"], None
    terms = re.split(r"([-+])", operators)  # products and their signs
    for index, part in enumerate(terms):
        if index % 2:
            sign = part
        elif index == 0:
            program += ["MUL"] * len(part)
        elif part:
            pop = "POP+" if sign == "+" else "POP-"
            program += ["PUSH", "LOAD", *["MUL"] * len(part), pop]
        else:
            program.append("ADD" if sign == "+" else "SUB")
    return [*program, "ANS"]
