"""Tests for experiments.ladder: the same problems for every rung."""

import torch

from agentlib import cli
from agentlib.experiments import ladder, planning
from agentlib.experiments.controller import OneBitController


def test_each_length_has_the_same_problems_on_every_call():
    first, again = ladder.problems_at(16, 50), ladder.problems_at(16, 50)
    assert torch.equal(first.digits, again.digits)
    assert (first.length == 16).all() and len(first) == 50
    assert len(ladder.problems_at(3)) == 9_000  # every problem


def test_the_controller_rung_is_perfect_and_the_table_is_not():
    lengths = (3, 8, 32)
    assert ladder.rates(OneBitController(), lengths, 200) == [1.0] * 3
    forgetful = ladder.rates(OneBitController(memory=False), lengths, 200)
    # at 3 operands every problem: only a-b*c with b*c != 0 is lost,
    # 1 pattern of 9 on 1 - 0.19 of the digit tuples: 91.0%
    assert abs(forgetful[0] - (1 - 0.81 / 9)) < 1e-6  # float32 mean
    assert forgetful[0] > forgetful[1] > forgetful[2]


def test_the_sampled_blind_ceiling_bounds_the_exact_one_from_above():
    exact = planning.blind_ceiling(3)
    assert ladder.sampled_blind_ceiling(3, digits=300, patterns=500) >= (
        exact - 0.02)


def test_the_table_marks_bounds_and_reads_the_worst_seed():
    lengths = list(ladder.LENGTHS)
    result = {"problems": 10, "lengths": lengths,
              "fixed_program": {str(n): 0.5 for n in ladder.SHOWN},
              "memoryless": [0.25] * len(lengths),
              "one_bit": [1.0] * len(lengths),
              "agent": [{"rates": [1.0] * len(lengths)},
                        {"rates": [0.5] * len(lengths)},
                        {"rates": [0.75] * len(lengths)}]}
    lines = ladder.format_table(result).splitlines()
    assert lines[2].split() == ["2", "50.0%", "25.0%", "100.0%", "50.0%",
                                "/", "75.0%"]
    assert lines[6].split()[1] == "<=50.0%"  # 6 operands: a bound
    assert max(map(len, lines)) <= 79


def test_bad_flags_are_refused_before_anything_trains(capsys):
    assert cli.main(["ladder", "--seeds", "1", "2", "1"]) == 2
    assert cli.main(["ladder", "--seeds", "-1"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].endswith("--seeds lists 1 more than once")
    assert "seed must be an integer >= 0" in err[1]
