"""Why the expression task needs planning and memory: three searches.

1. **Planning.** An open-loop policy cannot read the operators, so
   whatever it does, its answer is a function of the digits alone.
   :func:`open_loop_best` searches every fixed program of a length
   exhaustively (the machine's rules do not depend on the digits, so a
   fixed program computes one formula) and scores the best;
   :func:`blind_ceiling` bounds every policy blind to the operators.
2. **Memory.** :func:`memoryless_unsolved` lists the operator patterns
   that no program without ``PUSH`` and ``POP`` solves.
3. **Solvable.** :func:`check_solutions` runs
   :func:`agentlib.tasks.expressions.solution` on every pattern.

The first task's answer to 1 is :func:`first_task_open_loop`: one
program per stage is right on every context.
"""

import itertools

import torch

from agentlib.tasks import arithmetic
from agentlib.tasks import expressions as ex

PROOF_LENGTHS = tuple(range(2, 9))
"""Lengths the searches run at: 2 to 8 operands."""
SEARCH_DIGITS = 256
"""Digit tuples a search scores programs on before the best are rescored
on every problem of their length."""


def all_digits(num_operands: int) -> torch.Tensor:
    """(10**n, n) every digit tuple of a length."""
    codes = torch.arange(10 ** num_operands)
    powers = 10 ** torch.arange(num_operands - 1, -1, -1)
    return codes[:, None] // powers % 10


def digit_rows(num_operands: int, limit: int, seed: int = 0
               ) -> torch.Tensor:
    """All digit tuples of a length when there are at most ``limit``,
    else ``limit`` random ones."""
    if 10 ** num_operands <= limit:
        return all_digits(num_operands)
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(0, 10, (limit, num_operands), generator=generator)


def pattern_targets(num_operands: int, digits: torch.Tensor
                    ) -> torch.Tensor:
    """(P, D) the value of every operator pattern on every digit row."""
    problems = ex.pattern_problems(num_operands, digits)
    return problems.target.view(3 ** (num_operands - 1), len(digits))


def formulas(num_operands: int, digits: torch.Tensor
             ) -> dict[tuple[str, ...], torch.Tensor]:
    """Every value a fixed program can answer on (D, n) ``digits``,
    keyed by a shortest program that answers it.

    A search over the machine's states, with the registers as (D,)
    vectors: a tool that would do nothing is never taken (it only
    spends a step), and states seen before are not expanded again.
    """
    n, budget = num_operands, ex.budget(num_operands)
    start = (None, None, 0)  # acc, mem, cursor
    frontier, seen, answers = [(start, ())], set(), {}
    while frontier:
        (acc, mem, i), program = frontier.pop()
        if acc is not None:
            answers.setdefault(as_bytes(acc), (program + ("ANS",), acc))
        if len(program) + 1 >= budget:
            continue
        for tool, state in successors(acc, mem, i, n, digits):
            key = state_key(state)
            if key not in seen:
                seen.add(key)
                frontier.append((state, program + (tool,)))
    return {program: acc for program, acc in answers.values()}


def as_bytes(register: torch.Tensor | None) -> bytes | None:
    """A register's (D,) values as a hashable key."""
    return None if register is None else register.numpy().tobytes()


def state_key(state: tuple) -> tuple:
    """A hashable key of a search state."""
    acc, mem, i = state
    return as_bytes(acc), as_bytes(mem), i


def successors(acc, mem, i: int, n: int, digits: torch.Tensor):
    """The (tool, state) pairs of every tool that would do something."""
    if i < n:
        x = digits[:, i]
        if acc is None:
            yield "LOAD", (x, mem, i + 1)
        else:
            yield "MUL", (acc * x, mem, i + 1)
            yield "ADD", (acc + x, mem, i + 1)
            yield "SUB", (acc - x, mem, i + 1)
    if acc is not None and mem is None:
        yield "PUSH", (None, acc, i)
    if acc is not None and mem is not None:
        yield "POP+", (mem + acc, None, i)
        yield "POP-", (mem - acc, None, i)


def open_loop_best(num_operands: int, top: int = 8,
                   limit: int = 100_000) -> tuple[list[str], float]:
    """The best fixed program of a length and its exact match over every
    operator pattern (on every digit tuple, or ``limit`` sampled)."""
    probe = digit_rows(num_operands, SEARCH_DIGITS, seed=1)
    targets = pattern_targets(num_operands, probe)  # (P, D)
    found = formulas(num_operands, probe)
    ranked = sorted(found, key=lambda p: -(
        found[p][None, :] == targets).float().mean().item())
    digits = digit_rows(num_operands, limit)
    full = pattern_targets(num_operands, digits)
    best = max(ranked[:top], key=lambda p: program_rate(p, digits, full))
    return list(best), program_rate(best, digits, full)


def program_rate(program, digits: torch.Tensor, targets: torch.Tensor
                 ) -> float:
    """Exact match of one fixed program over (P, D) pattern targets."""
    n = digits.shape[1]
    problems = ex.pattern_problems(n, digits)
    actions = torch.tensor([ex.TOOLS.index(t) for t in program])
    state = ex.run_programs(problems, actions.expand(len(problems), -1))
    return ex.is_correct(state, problems).float().mean().item()


BLIND_PROBLEMS = 4_000_000
"""Problems :func:`blind_ceiling` scores at most: every digit tuple up
to 4 operands; beyond, ``BLIND_PROBLEMS // 3 ** (n - 1)`` random tuples
for each pattern (49,382 at 5 operands, 1,828 at 8)."""


def blind_ceiling(num_operands: int) -> float:
    """The exact match no operator-blind policy can pass: on each digit
    tuple, the share of patterns that agree on their most common value,
    averaged over the digit tuples."""
    rows = BLIND_PROBLEMS // 3 ** (num_operands - 1)
    targets = pattern_targets(num_operands,
                              digit_rows(num_operands, rows))  # (P, D)
    num_patterns, num_digits = targets.shape
    column = torch.arange(num_digits).expand(num_patterns, -1)
    # one key per (digit tuple, value): count how many patterns share it
    span = 2 * int(targets.abs().max()) + 1
    keys = (column * span + targets + span // 2).flatten()
    unique, counts = torch.unique(keys, return_counts=True)
    most = torch.zeros(num_digits, dtype=counts.dtype).scatter_reduce(
        0, unique // span, counts, "amax")
    return (most.float() / num_patterns).mean().item()


def memoryless_unsolved(num_operands: int) -> list[str]:
    """Patterns that no program without ``PUSH`` or ``POP`` solves on
    every digit tuple.

    Without memory, ``LOAD`` can only come first and every other tool
    that does something reads the next operand, so such a program is
    ``LOAD`` and one of ``MUL ADD SUB`` per further operand read.
    """
    digits = digit_rows(num_operands, 100_000)
    targets = pattern_targets(num_operands, digits)  # (P, D)
    names = ex.pattern_names(num_operands)
    solved = torch.zeros(len(names), dtype=torch.bool)
    for k in range(num_operands):
        for tools in itertools.product("*+-", repeat=k):
            acc = digits[:, 0]
            for index, tool in enumerate(tools):
                x = digits[:, index + 1]
                acc = acc * x if tool == "*" else (
                    acc + x if tool == "+" else acc - x)
            solved |= (targets == acc).all(1)
    return [name for name, ok in zip(names, solved.tolist(), strict=True)
            if not ok]


def check_solutions(num_operands: int, limit: int = 2_000) -> int:
    """Check :func:`solution` on every pattern of a length (every digit
    tuple, or ``limit`` sampled); return the patterns checked."""
    n = ex.check_length(num_operands)
    digits = digit_rows(n, limit, seed=n)
    problems = ex.pattern_problems(n, digits)
    programs = [ex.solution(name[1::2]) for name in ex.pattern_names(n)]
    if max(map(len, programs)) > ex.budget(n):
        raise AssertionError(f"a solution of {n} operands is too long")
    width = ex.budget(n)
    ids = torch.tensor([[ex.TOOLS.index(t) for t in p]
                        + [ex.ANS] * (width - len(p)) for p in programs])
    actions = ids.repeat_interleave(len(digits), 0)
    state = ex.run_programs(problems, actions)
    wrong = ~ex.is_correct(state, problems)
    if wrong.any():
        raise AssertionError(f"a solution fails at {n} operands")
    return len(programs)


def first_task_open_loop() -> list[float]:
    """The first task's best fixed programs, one per stage, scored on
    every context: 1.0 at each stage."""
    programs = ("MUL ADD ANS", "MUL ADD SUB ANS", "MUL ADD STO MUL RCL ANS")
    rates = []
    for stage, program in zip(arithmetic.STAGES, programs, strict=True):
        contexts = itertools.product(range(10), repeat=3 + stage)
        problems = arithmetic.problems_from_contexts(list(contexts))
        ids = [arithmetic.TOOLS.index(tool) for tool in program.split()]
        programs = torch.tensor(ids).expand(len(problems), -1)
        state = arithmetic.run_programs(problems, programs)
        correct = arithmetic.is_correct(state, problems)
        rates.append(correct.float().mean().item())
    return rates


def measure(search_lengths: tuple[int, ...] = ex.TRAINED_LENGTHS) -> dict:
    """Every figure of the three proofs, by number of operands."""
    lengths = {}
    for n in PROOF_LENGTHS:
        row = {"patterns": 3 ** (n - 1), "budget": ex.budget(n),
               "blind_ceiling": round(blind_ceiling(n), 6),
               "solutions_checked": check_solutions(n)}
        if n in search_lengths:
            program, rate = open_loop_best(n)
            row.update(open_loop_program=" ".join(program),
                       open_loop_best=round(rate, 6))
        if n in ex.TRAINED_LENGTHS:
            row["memoryless_unsolved"] = memoryless_unsolved(n)
        lengths[str(n)] = row
    return {"lengths": lengths,
            "first_task_open_loop": first_task_open_loop()}


def format_table(result: dict) -> str:
    """The figures as aligned text, one line per length."""
    lines = [f"{'n':>2} {'patterns':>8} {'budget':>6} {'best fixed':>10} "
             f"{'blind max':>9} {'no memory':>9}  best fixed program"]
    for n, row in result["lengths"].items():
        best = row.get("open_loop_best")
        unsolved = row.get("memoryless_unsolved")
        lines.append(
            f"{n:>2} {row['patterns']:>8} {row['budget']:>6} "
            + (f"{best:>10.2%}" if best is not None else f"{'-':>10}")
            + f" {row['blind_ceiling']:>9.2%} "
            + (f"{len(unsolved):>9}" if unsolved is not None
               else f"{'-':>9}")
            + f"  {row.get('open_loop_program', '')}")
    return "\n".join(lines)


def add_arguments(parser) -> None:
    """Flags of ``python -m agentlib planning``."""
    parser.add_argument("--out", metavar="PATH",
                        help="also write the figures as JSON")
    parser.add_argument("--json", action="store_true",
                        help="end with one JSON line of the figures")


def command(args) -> int:
    """Run the three searches and print their table."""
    from agentlib.experiments import measured

    if args.out:
        measured.check_out_path(args.out)
    result = measure()
    measured.report(result, format_table(result), args.json, args.out)
    return 0

