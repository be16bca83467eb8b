"""Tests for experiments.reading: where the reader's head was."""

import torch

from agentlib.agent.reader import Reader, ReaderConfig
from agentlib.experiments import reading
from agentlib.tasks import expressions as ex


def steered(move: int, tools: list[int]) -> Reader:
    """A reader that always moves ``move`` and plays ``tools`` in turn:
    its policy reads the previous tool, its move head only a bias."""
    torch.manual_seed(0)
    reader = Reader(ReaderConfig(d_model=8))
    with torch.no_grad():
        for layer in (reader.policy_head, reader.move_head[2]):
            layer.weight.zero_()
            layer.bias.zero_()
        reader.move_head[2].bias[move] = 50.0
    return reader, tools


def test_token_names_and_the_text_of_a_problem():
    problems = ex.problems_from_expressions(["3+4*5", "2-1"])
    assert reading.token_names(problems) == ["3", "+", "4", "*", "5"]
    assert reading.expression_of(problems, 1) == "2-1"


def test_the_first_departure_from_a_program():
    assert reading.first_departure(["LOAD", "ADD", "ANS"],
                                   ["LOAD", "MUL", "ANS"]) == 1
    assert reading.first_departure(["LOAD", "ADD"],
                                   ["LOAD", "ADD", "ANS"]) == 2


def test_a_reader_that_moves_two_keeps_its_place_on_a_sum():
    # the policy's bias plays LOAD, then ADD, ADD, ... then ANS at the
    # end is not learned, so steer the tools with the bias and read the
    # heads: on a+b+c every read step finds the head on its operand
    reader, _ = steered(2, [])
    with torch.no_grad():
        reader.policy_head.bias[ex.ADD] = 5.0
    problems = ex.problems_from_expressions(["1+2+3"])
    run = reading.greedy_run(reader, problems)
    # the first tool is ADD with acc empty: a no-op that reads nothing,
    # yet the head moves 2 a step while the cursor stays on operand 0
    assert run["heads"][0].tolist()[:3] == [0, 2, 4]
    assert run["cursors"][0].tolist()[:3] == [0, 0, 0]
    assert run["acted"][0].tolist()[:3] == [False, False, False]
    assert not bool(run["correct"][0])


def test_a_trace_has_one_row_per_decision_with_its_head():
    reader, _ = steered(1, [])
    with torch.no_grad():
        reader.policy_head.bias[ex.ANS] = 5.0
    rows = reading.trace_reader(reader, "3+4")
    assert len(rows) == 1  # ANS ends the episode at once
    assert rows[0]["tool"] == "ANS" and rows[0]["head"] == 0
    assert rows[0]["token"] == "3" and rows[0]["offset"] == 0
    assert rows[0]["move"] == 1 and rows[0]["acc"] is None
    assert 0.0 < rows[0]["p"] <= 1.0


def test_failures_skip_steps_that_did_nothing():
    reader, _ = steered(2, [])
    with torch.no_grad():
        reader.policy_head.bias[ex.LOAD] = 5.0
    # LOAD every step of 5: the first loads 1, the other four do
    # nothing (acc is full); the solution adds next, so the program
    # leaves it at its last decision, with the head run ahead to the
    # last END (4) while the cursor waits on operand 1 (token 2)
    rows = reading.failures(reader, ex.problems_from_expressions(["1+2"]))
    assert len(rows) == 1
    row = rows[0]
    assert row["expression"] == "1+2" and row["program"] == ["LOAD"] * 5
    assert row["step"] == 4 and row["wasted"] == 4
    assert row["tool"] == "LOAD" and row["expected"] == "ADD"
    assert row["offset"] == 2 and row["slip"] == 2
    assert reading.slipped_first(row)


def test_a_step_that_did_nothing_changed_nothing():
    problems = ex.problems_from_expressions(["1+2"])
    start = ex.reset(problems)
    pop = ex.step(start, problems, torch.tensor([ex.POP_ADD]))
    load = ex.step(start, problems, torch.tensor([ex.LOAD]))
    assert reading.changed(start, pop).tolist() == [False]
    assert reading.changed(start, load).tolist() == [True]


def test_offsets_count_only_while_an_operand_is_left():
    run = {"heads": torch.tensor([[0, 2, 3, 4]]),
           "cursors": torch.tensor([[0, 1, 2, -1]])}
    problems = ex.problems_from_expressions(["1+2"])
    # cursor 2 is past the last operand; -1 is a finished episode
    assert reading.offsets(run, problems).tolist() == [[0, 0, 0, 0]]
    run["heads"] = torch.tensor([[0, 1, 3, 4]])
    assert reading.offsets(run, problems).tolist() == [[0, -1, 0, 0]]
    assert reading.first_slip([0, -1, 0]) == 1
    assert reading.first_slip([0, 0]) is None


def test_on_cursor_counts_steps_with_an_operand_left():
    reader, _ = steered(2, [])
    with torch.no_grad():
        reader.policy_head.bias[ex.LOAD] = 5.0
    share = reading.on_cursor(reader,
                              ex.problems_from_expressions(["1+2"]))
    # with operand 1 left: head 0 on cursor 0, then heads 2 (on), 4, 4,
    # 4 (off) while the cursor stays on operand 1: 2 of 5
    assert share["wrong"] == 2 / 5
    assert share["exact"] != share["exact"]  # no exact program: nan
