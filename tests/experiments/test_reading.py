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


def test_failures_name_the_step_and_the_offset():
    reader, _ = steered(2, [])
    with torch.no_grad():
        reader.policy_head.bias[ex.LOAD] = 5.0
    # LOAD every step: right at step 0, wrong at step 1 (the solution
    # adds), with the head two tokens ahead of operand 1's... on it
    rows = reading.failures(reader, ex.problems_from_expressions(["1+2"]))
    assert len(rows) == 1
    row = rows[0]
    assert row["expression"] == "1+2" and row["step"] == 1
    assert row["tool"] == "LOAD" and row["expected"] == "ADD"
    assert row["offset"] == 0 and row["offset_before"] == 0


def test_on_cursor_counts_read_steps_of_exact_and_wrong_programs():
    reader, _ = steered(2, [])
    with torch.no_grad():
        reader.policy_head.bias[ex.LOAD] = 5.0
    share = reading.on_cursor(reader,
                              ex.problems_from_expressions(["1+2"]))
    # one LOAD that read (head 0, cursor 0); the later LOADs do nothing
    # to the machine but are read tools all the same (cursor stays 1)
    assert share["wrong"] < 1.0
    assert share["exact"] != share["exact"]  # no exact program: nan
