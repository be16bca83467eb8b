"""Part IV's proofs, each small enough to check by running it.

1. **The agent's memory is necessary.** :func:`acting_programs` lists
   every program whose every tool acts, :func:`solving_programs` keeps
   those right on every digit tuple of a pattern, and
   :func:`memory_conflicts` finds where two of them read the same thing
   (the previous tool included) and need different tools.
2. **Every expression is solvable.** :func:`invariant_holds` checks,
   along :func:`agentlib.tasks.expressions.solution`, the invariant an
   induction proves: ``mem`` plus or minus ``acc`` holds the value of
   the operands read.
3. **The exact budget.** :func:`step_bound` counts the steps of the
   longest solution; :func:`longest_solution` finds it by search.
4. **Order matters.** :func:`order_blind_ceiling` is the most a policy
   can score that knows an expression's operators but not their order,
   as the read-at-start view of chapter 9 does.
"""

import itertools

import torch

from agentlib.experiments.planning import (
    all_digits,
    digit_rows,
    pattern_targets,
)
from agentlib.tasks import expressions as ex


def acting_programs(num_operands: int) -> list[tuple[str, ...]]:
    """Every program that ends with ``ANS`` and whose every tool acts
    (a tool that does nothing leaves what the agent reads unchanged, so
    a policy of what it reads that takes one takes it forever)."""
    found, frontier = [], [((False, False, 0), ())]
    while frontier:
        (acc, mem, i), program = frontier.pop()
        if acc:
            found.append((*program, "ANS"))
        if len(program) + 1 >= ex.budget(num_operands):
            continue
        moves = {"LOAD": not acc and i < num_operands,
                 "MUL": acc and i < num_operands,
                 "ADD": acc and i < num_operands,
                 "SUB": acc and i < num_operands,
                 "PUSH": acc and not mem, "POP+": acc and mem,
                 "POP-": acc and mem}
        for tool in (tool for tool, acts in moves.items() if acts):
            frontier.append((next_flags(tool, acc, mem, i), (*program,
                                                             tool)))
    return found


def next_flags(tool: str, acc: bool, mem: bool, i: int
               ) -> tuple[bool, bool, int]:
    """(acc full, mem full, cursor) after a tool that acts."""
    if tool == "PUSH":
        return False, True, i
    if tool in ("POP+", "POP-"):
        return True, False, i
    return True, mem, i + 1  # LOAD, MUL, ADD, SUB read an operand


def readings(expression: str, program: tuple[str, ...]) -> list[tuple]:
    """What the agent reads before each tool of ``program``, with the
    tool before it: the four observation ids and the previous tool."""
    problems = ex.problems_from_expressions([expression])
    state, previous, seen = ex.reset(problems), "START", []
    for tool in program:
        seen.append((*ex.observe(state, problems)[0].tolist(), previous))
        state = ex.step(state, problems,
                        torch.tensor([ex.TOOLS.index(tool)]))
        previous = tool
    return seen


def solving_programs(operators: str) -> list[tuple[str, ...]]:
    """The acting programs right on every digit tuple of a pattern."""
    n = len(operators) + 1
    digits = all_digits(n)
    rows = ["".join(f"{d}{o}" for d, o in zip(row, operators + " ",
                                                strict=True)).strip()
            for row in digits.tolist()]
    problems = ex.problems_from_expressions(rows)
    right = []
    for program in acting_programs(n):
        ids = torch.tensor([ex.TOOLS.index(t) for t in program])
        state = ex.run_programs(problems, ids.expand(len(rows), -1))
        if ex.is_correct(state, problems).all():
            right.append(program)
    return right


def memory_conflicts(first: str, second: str) -> list[tuple]:
    """For every pair of programs solving the patterns ``first`` and
    ``second`` (as ``solving_programs`` finds them), the first reading,
    previous tool included, at which the two programs take different
    tools; ``None`` for a pair that never does (a policy of what it
    reads could then solve both)."""
    conflicts = []
    for one in solving_programs(first):
        for two in solving_programs(second):
            seen = dict(zip(readings(example(first), one), one,
                            strict=True))
            clash = next((reading for reading, tool in zip(
                readings(example(second), two), two, strict=True)
                if seen.get(reading, tool) != tool), None)
            conflicts.append(clash)
    return conflicts


def example(operators: str) -> str:
    """An expression of the pattern: the digits 3, 4, 5, ... in turn."""
    digits = [str(3 + k % 7) for k in range(len(operators) + 1)]
    return digits[0] + "".join(op + d for op, d in zip(
        operators, digits[1:], strict=True))


def invariant_holds(digits: list[int], operators: str) -> bool:
    """Whether, along :func:`solution` of an expression, ``mem`` plus
    or minus ``acc`` (by the sign read before the product being built)
    is the value of the operands read, after every tool that leaves
    ``acc`` full, and the answer is the expression's value. Each tool
    does what the machine's does: ``POP-`` subtracts whatever the sign
    read, so a program that pops with the wrong sign fails."""
    acc, mem, sign, i = None, 0, 1, 0
    for tool in ex.solution(operators):
        if tool == "ANS":
            return acc == ex.value(digits, operators)
        if tool == "PUSH":
            acc, mem, sign = None, acc, (-1 if operators[i - 1] == "-"
                                         else 1)
            continue
        if tool in ("POP+", "POP-"):
            acc, mem, sign = mem + (acc if tool == "POP+" else -acc), 0, 1
        else:
            x = digits[i]
            acc = {"LOAD": x, "MUL": (acc or 0) * x, "ADD": (acc or 0) + x,
                   "SUB": (acc or 0) - x}[tool]
            i += 1
        if mem + sign * acc != ex.value(digits[:i], operators[:i - 1]):
            return False
    return False


def longest_solution(num_operands: int) -> int:
    """The most steps :func:`solution` takes over every pattern."""
    return max(len(ex.solution("".join(ops))) for ops in
               itertools.product("+-*", repeat=num_operands - 1))


def step_bound(num_operands: int) -> int:
    """Steps the longest solution needs: one per operand, two more for
    each product after the first term (``PUSH`` and ``POP``), at most
    ``(n - 1) // 2`` of them, and ``ANS``: never more than ``2n``."""
    return num_operands + 2 * ((num_operands - 1) // 2) + 1


def order_blind_ceiling(num_operands: int) -> float:
    """Exact match of the best choice of one solution program per
    operator multiset: the most any policy can score that knows which
    operators an expression has but not their order."""
    digits = digit_rows(num_operands, 100_000)
    targets = pattern_targets(num_operands, digits)  # (P, D)
    names = ex.pattern_names(num_operands)
    groups: dict[tuple, list[int]] = {}
    for index, name in enumerate(names):
        groups.setdefault(tuple(sorted(name[1::2])), []).append(index)
    right = 0.0
    for members in groups.values():
        right += max(
            sum(program_rate_on(ex.solution(names[p][1::2]), digits,
                                targets[q], names[q]) for q in members)
            for p in members)
    return right / len(names)


def program_rate_on(program: list[str], digits: torch.Tensor,
                    targets: torch.Tensor, name: str) -> float:
    """Exact match of one program on one pattern's (D,) targets."""
    problems = ex.problems_from_expressions([example(name[1::2])])
    n = digits.shape[1]
    operators = problems.operators.expand(len(digits), -1)
    batch = ex.make_problems(digits, operators, torch.full(
        (len(digits),), n), ex.budget(n))
    ids = torch.tensor([ex.TOOLS.index(t) for t in program])
    state = ex.run_programs(batch, ids.expand(len(digits), -1))
    return (state.answered & (state.acc == targets)).float().mean().item()
