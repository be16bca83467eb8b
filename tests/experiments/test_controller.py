"""Tests for experiments.controller: six rules and one bit, by hand."""

import pytest
import torch

from agentlib.agent.a2c import rollout
from agentlib.experiments.controller import (
    OneBitController,
    decide,
    plays_the_solution,
)
from agentlib.tasks import expressions as ex

# observation ids: left operator 0-4 (+ - * start end), right 5-8
# (+ - * none), acc full 9 / empty 10, mem full 11 / empty 12
PLUS, MINUS, TIMES, START, END = range(5)
R_PLUS, R_TIMES, R_NONE = 5, 7, 8
FULL, EMPTY = (9, 11), (10, 12)


def obs(left: int, right: int, acc: str, mem: str) -> list[int]:
    """One observation row, registers as 'full' or 'empty'."""
    return [left, right, {"full": 9, "empty": 10}[acc],
            {"full": 11, "empty": 12}[mem]]


@pytest.mark.parametrize("row, minus, memory, tool", [
    (obs(START, R_PLUS, "empty", "empty"), False, True, "LOAD"),  # rule 1
    (obs(TIMES, R_PLUS, "full", "full"), True, True, "MUL"),  # rule 2
    # the tie of chapter 9: mem full beats the * after the operand
    (obs(PLUS, R_TIMES, "full", "full"), False, True, "POP+"),  # rule 3
    (obs(PLUS, R_TIMES, "full", "full"), True, True, "POP-"),
    (obs(END, R_NONE, "full", "full"), True, False, "POP+"),  # no memory
    (obs(END, R_NONE, "full", "empty"), False, True, "ANS"),  # rule 4
    (obs(MINUS, R_TIMES, "full", "empty"), False, True, "PUSH"),  # rule 5
    (obs(MINUS, R_PLUS, "full", "empty"), False, True, "SUB"),  # rule 6
    (obs(PLUS, R_NONE, "full", "empty"), False, True, "ADD"),
])
def test_each_rule_by_hand(row, minus, memory, tool):
    chosen = decide(torch.tensor([row]), torch.tensor([minus]), memory)
    assert ex.TOOLS[chosen.item()] == tool


@pytest.mark.parametrize("memory, answers", [
    (True, [23, -17, 17, 5]),
    (False, [23, 23, 17, 29]),  # every POP adds: 3+4*5 for 3-4*5
])
def test_the_controller_with_and_without_its_bit(memory, answers):
    problems = ex.problems_from_expressions(
        ["3+4*5", "3-4*5", "3*4+5", "3*4+5-2*6"])
    batch = rollout(OneBitController(memory), problems, greedy=True)
    state = ex.run_programs(problems, batch.action)
    assert state.acc.tolist() == answers
    assert batch.correct.tolist() == [a == t for a, t in zip(
        answers, problems.target.tolist(), strict=True)]


def test_the_controller_scores_a_given_action():
    controller = OneBitController()
    problems = ex.problems_from_expressions(["3+4"])
    h = controller.initial_state(problems)
    reading = ex.observe(ex.reset(problems), problems)
    _, right, _, _, _ = controller.get_action_and_value(
        h, None, action=torch.tensor([ex.LOAD]), obs=reading)
    _, wrong, _, _, _ = controller.get_action_and_value(
        h, None, action=torch.tensor([ex.ADD]), obs=reading)
    assert right.item() == 0.0 and wrong.item() == float("-inf")


def test_the_controller_plays_the_solution_on_every_pattern():
    # every operator pattern of 2 to 7 operands (the chapter: up to 9)
    assert all(plays_the_solution(n) for n in range(2, 8))


def test_a_controller_that_strays_is_caught(monkeypatch):
    monkeypatch.setattr(ex, "solution", lambda operators: ["LOAD", "ANS"])
    assert not plays_the_solution(2)
