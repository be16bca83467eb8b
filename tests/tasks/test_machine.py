"""Tests for tasks.machine: the state both machines share, and checks."""

import re

import pytest
import torch

from agentlib.errors import AgentlibError
from agentlib.tasks import arithmetic, expressions
from agentlib.tasks.machine import (
    check_action_ids,
    check_integers,
    check_program,
    check_values,
    is_correct,
    reset,
    run_steps,
)


def test_reset_empties_the_registers_of_every_problem():
    state = reset(arithmetic.problems_from_contexts([[3, 4, 5], [1] * 4]))
    assert state.acc_empty.tolist() == state.mem_empty.tolist() == [
        True, True]
    assert state.cursor.tolist() == state.steps.tolist() == [0, 0]
    assert state.done.tolist() == state.answered.tolist() == [False] * 2


def test_run_steps_runs_each_task_s_own_step():
    # 3*4+5 = 17 on the first machine (MUL reads two digits at first)
    problems = arithmetic.problems_from_contexts([[3, 4, 5]])
    ids = [[arithmetic.TOOLS.index(t) for t in ("MUL", "ADD", "ANS")]]
    state = run_steps(arithmetic.step, problems, torch.tensor(ids))
    assert state.acc.item() == 17 and is_correct(state, problems).item()
    # 3+4*5 = 23 on the second: LOAD PUSH LOAD MUL POP+ ANS
    problems = expressions.problems_from_expressions(["3+4*5"])
    ids = [[expressions.TOOLS.index(t) for t in expressions.solution("+*")]]
    state = run_steps(expressions.step, problems, torch.tensor(ids))
    assert state.acc.item() == 23 and is_correct(state, problems).item()


def test_an_answer_is_correct_only_when_answered_and_equal():
    problems = arithmetic.problems_from_contexts([[3, 4, 5]] * 3)
    state = reset(problems)
    state.acc = torch.tensor([17, 17, 16])
    state.answered = torch.tensor([True, False, True])
    assert is_correct(state, problems).tolist() == [True, False, False]


def test_one_program_check_for_both_tasks():
    assert check_program(("LOAD", "ANS"), expressions.TOOLS) == [
        "LOAD", "ANS"]
    with pytest.raises(AgentlibError, match=(
            "unknown tool 'LOAD'; use one of MUL, ADD, SUB, STO, RCL, "
            "ANS")):
        check_program(["LOAD"], arithmetic.TOOLS)
    with pytest.raises(AgentlibError, match="program must be a list"):
        check_program("MUL ANS", arithmetic.TOOLS)


@pytest.mark.parametrize("actions, message", [
    (torch.zeros(2, 3, dtype=torch.long), r"a \(3, T\) tensor"),
    (torch.zeros(3, 2), "integer action ids"),
    (torch.full((3, 2), -1), "must be >= 0, got -1"),
])
def test_action_ids_are_checked(actions, message):
    with pytest.raises(AgentlibError, match=message):
        check_action_ids(actions, 3)


@pytest.mark.parametrize("call, message", [
    (lambda: check_program("MUL ANS", arithmetic.TOOLS),
     "program must be a list of tool names, got 'MUL ANS'"),
    (lambda: check_integers("stage", torch.zeros(2)),
     "stage must hold integers, got torch.float32"),
    (lambda: check_integers("stage", torch.zeros(2, dtype=torch.bool)),
     "stage must hold integers, got torch.bool"),
    (lambda: check_integers("x", torch.zeros(2, dtype=torch.complex64)),
     "x must hold integers, got torch.complex64"),
    (lambda: check_values("digits", torch.tensor([3, 12, 10]), range(10)),
     "digits must be 0-9, got 12"),
    (lambda: check_values("digits", torch.tensor([-2, 3]), range(10)),
     "digits must be 0-9, got -2"),
    (lambda: check_action_ids(torch.zeros(2, 3, dtype=torch.long), 3),
     "actions must be a (3, T) tensor of action ids, got (2, 3)"),
    (lambda: check_action_ids(torch.zeros(3, dtype=torch.long), 3),
     "actions must be a (3, T) tensor of action ids, got (3,)"),
    (lambda: check_action_ids([[0, 1]] * 3, 3),
     "actions must be a (3, T) tensor of action ids, got list"),
    (lambda: check_action_ids(torch.zeros(3, 2), 3),
     "actions must hold integer action ids, got torch.float32"),
    (lambda: check_action_ids(torch.tensor([[0, -1], [-3, 0], [0, 0]]), 3),
     "action ids must be >= 0, got -3"),
])
def test_each_refusal_says_exactly_what_is_wrong(call, message):
    with pytest.raises(AgentlibError, match=f"^{re.escape(message)}$"):
        call()


def test_values_at_the_ends_of_the_range_are_allowed():
    check_values("digits", torch.tensor([0, 9]), range(10))
    check_action_ids(torch.tensor([[0], [0], [99]]), 3)  # ids past tools
    assert check_program([], arithmetic.TOOLS) == []
