"""Where the reader looks: its greedy program, the token under its read
head at each decision, and where a failed program leaves the solution.

The reader is never told where its cursor is, but the machine knows: the
next operand to read is token ``2 * cursor`` of the expression. A head
on that token sees, through its window of 3, the operand and the
operators on both sides of it: what Part IV's agent was handed. So
``head - 2 * cursor``, the head's *offset*, says whether the reader
kept its place.
"""

from collections.abc import Sequence

import torch

from agentlib.agent.reader import Reader
from agentlib.experiments.inspection import register
from agentlib.tasks import expressions as ex

END = "END"
"""How a trace names the END tokens after the expression."""


def token_names(problems: ex.Problems, row: int = 0) -> list[str]:
    """The tokens of expression ``row`` as text, as the read head
    indexes them (digits at even indices, operators between)."""
    length = int(problems.length[row])
    tokens = []
    for index in range(length):
        if index:
            operator = int(problems.operators[row, index - 1])
            tokens.append(ex.OPERATORS[operator])
        tokens.append(str(int(problems.digits[row, index])))
    return tokens


def expression_of(problems: ex.Problems, row: int = 0) -> str:
    """Expression ``row`` of a batch as text, such as ``3+4*5``."""
    return "".join(token_names(problems, row))


def changed(before: ex.Machine, after: ex.Machine) -> torch.Tensor:
    """(B,) whether a step changed the registers or the cursor: a tool
    whose operand or registers were missing did nothing but use the
    step (``ANS``, which ends the episode, is counted apart)."""
    return ((before.acc != after.acc) | (before.mem != after.mem)
            | (before.acc_empty != after.acc_empty)
            | (before.mem_empty != after.mem_empty)
            | (before.cursor != after.cursor))


@torch.no_grad()
def greedy_run(model: Reader, problems: ex.Problems) -> dict:
    """Run the greedy reader on a batch: (B, T) its tools (-1 once
    done), heads, the machine's cursors at each decision and whether
    the tool did anything, and (B,) whether each answer was exact."""
    task, num = model.task, len(problems)
    state = task.reset(problems)
    h = model.initial_state(problems)
    action = model.start_action(num, h.head.device)
    tools, heads, cursors, acted = [], [], [], []
    while not bool(state.done.all()):
        live = ~state.done
        heads.append(torch.where(live, h.head, -1))
        cursors.append(torch.where(live, state.cursor, -1))
        action, h = model.act(h, action, greedy=True,
                              obs=task.observe(state, problems))
        tools.append(torch.where(live, action, -1))
        after = task.step(state, problems, action)
        acted.append(live & (changed(state, after) | (action == ex.ANS)))
        state = after
    return {"tools": torch.stack(tools, 1), "heads": torch.stack(heads, 1),
            "cursors": torch.stack(cursors, 1),
            "acted": torch.stack(acted, 1),
            "correct": ex.is_correct(state, problems)}


def first_departure(program: Sequence[str], expected: Sequence[str]
                    ) -> int:
    """The first step at which ``program`` leaves ``expected``."""
    pairs = zip(program, expected, strict=False)  # either may be longer
    for step, (tool, right) in enumerate(pairs):
        if tool != right:
            return step
    return min(len(program), len(expected))


def offsets(run: dict, problems: ex.Problems) -> torch.Tensor:
    """(B, T) the head's offset from the cursor's operand at each
    decision of a :func:`greedy_run`, 0 where no operand is left to
    read (the head may then rest on either END token) or once done."""
    reading = (run["cursors"] >= 0) & (
        run["cursors"] < problems.length[:, None])
    return torch.where(reading, run["heads"] - 2 * run["cursors"], 0)


def first_slip(offsets_of_row: list[int]) -> int | None:
    """The first decision whose head was off its operand, or None."""
    return next((step for step, offset in enumerate(offsets_of_row)
                 if offset), None)


def failures(model: Reader, problems: ex.Problems) -> list[dict]:
    """Each expression the greedy reader gets wrong: its program, the
    decision at which it first does something the book's solution does
    not (steps that did nothing skipped), the tool it chose there and
    the one the solution takes, the head's offset from the cursor's
    operand then (0: on it), the first decision at which the head was
    off its operand (None if never), and the steps that did nothing."""
    run = greedy_run(model, problems)
    offset = offsets(run, problems)
    rows = []
    for row in torch.nonzero(~run["correct"]).flatten().tolist():
        text = expression_of(problems, row)
        taken = [step for step, tool in enumerate(run["tools"][row])
                 if tool >= 0]
        acting = [step for step in taken if run["acted"][row, step]]
        program = [ex.TOOLS[run["tools"][row, s]] for s in acting]
        expected = ex.solution(ex.parse(text)[1])
        index = first_departure(program, expected)
        step = acting[index] if index < len(acting) else taken[-1]
        rows.append({
            "expression": text, "step": step,
            "tool": ex.TOOLS[run["tools"][row, step]],
            "expected": expected[index] if index < len(expected) else "",
            "offset": int(offset[row, step]),
            "slip": first_slip(offset[row].tolist()),
            "wasted": len(taken) - len(acting),
            "program": [ex.TOOLS[run["tools"][row, s]] for s in taken]})
    return rows


def slipped_first(row: dict) -> bool:
    """Whether a failure's head left its operand before its program
    left the solution, or at the same step."""
    return row["slip"] is not None and row["slip"] <= row["step"]


def on_cursor(model: Reader, problems: ex.Problems) -> dict[str, float]:
    """How often the head is on the cursor's operand when an operand is
    left to read, in the programs that came out exact and in those that
    did not."""
    run = greedy_run(model, problems)
    reading = (run["cursors"] >= 0) & (
        run["cursors"] < problems.length[:, None])
    aligned = run["heads"] == 2 * run["cursors"]
    share = {}
    for name, rows in (("exact", run["correct"]),
                       ("wrong", ~run["correct"])):
        mask = reading & rows[:, None]
        count = int(mask.sum())
        share[name] = (float((aligned & mask).sum()) / count
                       if count else float("nan"))
    return share


@torch.no_grad()
def trace_reader(model: Reader, expression: str) -> list[dict]:
    """The greedy reader on one expression, one row per decision: the
    head's token and offset from the cursor's operand, the tool and its
    probability, the move, and the registers after."""
    device = next(model.parameters()).device
    problems = ex.problems_from_expressions([expression], device)
    names = token_names(problems) + [END] * model.config.num_end
    task, rows = model.task, []
    state = task.reset(problems)
    h = model.initial_state(problems)
    action = model.start_action(1, device)
    while not bool(state.done[0]):
        obs = task.observe(state, problems)
        probs = model.policy_head(
            torch.cat(model.think(h, action, obs), 1)).softmax(-1)[0]
        head, cursor = int(h.head[0]), int(state.cursor[0])
        action, _, _, _, h = model.get_action_and_value(
            h, action, greedy=True, obs=obs)
        state = task.step(state, problems, action)
        rows.append({
            "step": len(rows) + 1, "head": head, "token": names[head],
            "offset": head - 2 * cursor, "tool": ex.TOOLS[int(action[0])],
            "p": float(probs[int(action[0])]),
            "move": int(h.head[0]) - head,
            "acc": register(state.acc, state.acc_empty),
            "mem": register(state.mem, state.mem_empty),
        })
    return rows
