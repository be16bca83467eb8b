"""Looking inside: machine traces and the agent's decisions, step by step.

The traces run one problem at a time through the batched torch machine
(a batch of one), so what the chapters show is exactly what training
used. Batched measures look at many problems at once: how sure the
greedy agent is of its least sure decision, what it does when it is
told the wrong stage, and which contexts its greedy programs miss.
Most of them read the first task (:mod:`agentlib.tasks.arithmetic`);
:func:`trace_agent` reads any.
"""

from collections.abc import Sequence

import torch

from agentlib.agent.a2c import rollout, take_rows
from agentlib.agent.evaluate import (
    accuracy_by_stage,
    decode_programs,
    greedy_correct,
)
from agentlib.agent.model import ActorCritic
from agentlib.tasks import arithmetic
from agentlib.tasks.machine import check_program


def register(value: torch.Tensor, empty: torch.Tensor) -> int | None:
    """A register of a batch of one as a Python value (None if empty)."""
    return None if bool(empty[0]) else int(value[0])


def machine_row(state: arithmetic.Machine) -> dict:
    """The machine's visible state (batch of one) as a plain dict."""
    return {
        "acc": register(state.acc, state.acc_empty),
        "mem": register(state.mem, state.mem_empty),
        "cursor": int(state.cursor[0]),
        "done": bool(state.done[0]),
    }


def trace_program(
    context: Sequence[int], program: Sequence[str]
) -> list[dict]:
    """Rows of (step, tool, acc, mem, cursor, done), the start first.

    >>> [r["acc"] for r in trace_program([3, 4, 5], ["MUL", "ADD"])]
    [None, 12, 17]
    """
    program = check_program(program, arithmetic.TOOLS)
    problems = arithmetic.problems_from_contexts([context])
    state = arithmetic.reset(problems)
    rows = [{"step": 0, "tool": "", **machine_row(state)}]
    for number, name in enumerate(program, start=1):
        if bool(state.done[0]):
            break
        action = torch.tensor([arithmetic.TOOLS.index(name)])
        state = arithmetic.step(state, problems, action)
        rows.append({"step": number, "tool": name, **machine_row(state)})
    return rows


def answer_of(rows: list[dict]) -> int | None:
    """The answer of a traced program (None if it never answered)."""
    last = rows[-1]
    return last["acc"] if last["tool"] == "ANS" else None


def action_names(model: ActorCritic) -> list[str]:
    """Names of the model's actions: the tools, then digits if allowed."""
    tools = model.task.tools
    digits = [str(d) for d in range(model.num_actions - len(tools))]
    return [*tools, *digits]


@torch.no_grad()
def all_log_probs(
    model: ActorCritic, h: torch.Tensor, prev_action: torch.Tensor,
    obs: torch.Tensor | None = None,
) -> torch.Tensor:
    """(A,) log-probabilities of every action from state h (1, d), after
    reading ``prev_action`` (and the (1, K) observation ``obs``)."""
    num = model.num_actions
    _, log_prob, _, _, _ = model.get_action_and_value(
        h.expand(num, -1), prev_action.expand(num),
        action=torch.arange(num, device=h.device),
        obs=None if obs is None else obs.expand(num, -1),
    )
    return log_prob


@torch.no_grad()
def agent_trace(model: ActorCritic, context: Sequence[int]) -> list[dict]:
    """The greedy agent on one problem: each decision, its probabilities
    over every action, and the machine after it."""
    device = next(model.parameters()).device
    problems = arithmetic.problems_from_contexts([context], device)
    return trace_agent(model, problems)


@torch.no_grad()
def trace_agent(model: ActorCritic, problems) -> list[dict]:
    """:func:`agent_trace` on a batch of one problem of any task."""
    task = model.task
    state = task.reset(problems)
    h = model.initial_state(problems)  # (1, d)
    action = model.start_action(1, h.device)
    names, rows = action_names(model), []
    while not bool(state.done[0]):
        obs = task.observe(state, problems)
        probs = all_log_probs(model, h, action, obs).exp()
        action, _, _, value, h = model.get_action_and_value(
            h, action, greedy=True, obs=obs
        )
        state = task.step(state, problems, action)
        rows.append({
            "step": len(rows) + 1, "tool": names[int(action[0])],
            "p": float(probs[int(action[0])]), "value": float(value[0]),
            "probs": probs.tolist(), **machine_row(state),
        })
    return rows


@torch.no_grad()
def greedy_confidence(
    model: ActorCritic, problems: arithmetic.Problems
) -> tuple[torch.Tensor, torch.Tensor]:
    """How sure the greedy agent is of its least sure decision.

    Returns (B,) the lowest probability it gave a tool it chose on each
    problem, and (B,) the step (from 1) of that decision.
    """
    batch = rollout(model, problems, greedy=True)
    chosen = batch.log_prob.exp()  # (B, T) p(chosen tool) at each step
    chosen = chosen.masked_fill(batch.mask == 0, 1.0)  # after the end
    lowest, step = chosen.min(1)
    return lowest, step + 1


def with_stage(problems: arithmetic.Problems, stage: int
               ) -> arithmetic.Problems:
    """The same problems labelled with another stage. Only the agent's
    stage embedding reads the label; the machine reads the context."""
    told = torch.full_like(problems.stage, arithmetic.check_stage(stage))
    return arithmetic.Problems(
        problems.context, problems.length, told, problems.target
    )


def stage_swap_accuracy(
    model: ActorCritic, problems: arithmetic.Problems
) -> list[list[float]]:
    """Greedy exact match by true stage (rows) when the agent is told
    each stage instead (columns); the diagonal is the plain accuracy."""
    columns = [
        accuracy_by_stage(
            greedy_correct(model, with_stage(problems, told)),
            problems.stage, len(arithmetic.STAGES),
        )
        for told in arithmetic.STAGES
    ]
    return [list(row) for row in zip(*columns, strict=True)]


@torch.no_grad()
def programs_told(
    model: ActorCritic, contexts: Sequence[Sequence[int]], stage: int
) -> list[list[str]]:
    """The greedy program for each context when the agent is told
    ``stage``, up to and including ANS."""
    device = next(model.parameters()).device
    problems = arithmetic.problems_from_contexts(contexts, device)
    told = with_stage(problems, stage)
    return decode_programs(rollout(model, told, greedy=True),
                           arithmetic.TOOLS)


@torch.no_grad()
def greedy_programs(
    model: ActorCritic, contexts: Sequence[Sequence[int]]
) -> list[list[str]]:
    """The greedy program for each context, up to and including ANS."""
    device = next(model.parameters()).device
    problems = arithmetic.problems_from_contexts(contexts, device)
    return decode_programs(rollout(model, problems, greedy=True),
                           arithmetic.TOOLS)


@torch.no_grad()
def greedy_failures(model: ActorCritic, stage: int) -> list[dict]:
    """Every context of ``stage`` whose greedy program is not exact:
    its digits, target, program and the answer the program gave."""
    device = next(model.parameters()).device
    problems = arithmetic.every_problem(stage, device)
    batch = rollout(model, problems, greedy=True)
    wrong = ~batch.correct
    # decode the missed episodes only, not all 100,000
    missed = take_rows(batch, wrong)
    rows = []
    for context, target, program in zip(
            problems.context[wrong, :3 + stage].tolist(),
            problems.target[wrong].tolist(),
            decode_programs(missed, arithmetic.TOOLS), strict=True):
        rows.append({"context": context, "target": target,
                     "program": program,
                     "answer": arithmetic.run_program(context, program)})
    return rows



@torch.no_grad()
def probabilities_along(model: ActorCritic, problems,
                        program: Sequence[str]) -> list[dict[str, float]]:
    """The agent's probability of every tool at each step while it is
    made to follow ``program`` on a batch of one problem: what it would
    choose in the situations that program passes through."""
    task = model.task
    state = task.reset(problems)
    h = model.initial_state(problems)
    previous = model.start_action(1, h.device)
    rows = []
    for tool in program:
        obs = task.observe(state, problems)
        probs = all_log_probs(model, h, previous, obs).exp().tolist()
        rows.append(dict(zip(action_names(model), probs, strict=True)))
        action = torch.tensor([task.tools.index(tool)], device=h.device)
        *_, h = model.get_action_and_value(h, previous, action=action,
                                           obs=obs)
        state, previous = task.step(state, problems, action), action
    return rows
