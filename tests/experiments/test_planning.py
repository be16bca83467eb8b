"""Tests for experiments.planning: the searches behind chapter 8's proofs."""

import pytest
import torch

from agentlib.experiments import planning


def test_two_operands_have_only_nine_formulas_worth_answering():
    found = planning.formulas(2, planning.all_digits(2))
    programs = {" ".join(p) for p in found}
    assert {"LOAD MUL ANS", "LOAD ADD ANS", "LOAD SUB ANS"} <= programs
    # a, a*b, a+b, a-b, b, a+b via memory is the same formula as ADD, ...
    assert len(found) == len({tuple(v.tolist()) for v in found.values()})


def test_the_best_fixed_program_for_three_operands():
    program, rate = planning.open_loop_best(3)
    assert program == "LOAD PUSH LOAD MUL POP+ ANS".split()
    assert rate == pytest.approx(1486 / 9000)


def test_no_operator_blind_policy_passes_the_ceiling():
    for n in (2, 3):
        _, rate = planning.open_loop_best(n)
        assert rate <= planning.blind_ceiling(n) + 1e-9


def test_the_blind_ceiling_by_hand_for_two_operands():
    # per digit pair, the largest group of a+b, a-b, a*b that agree
    digits = planning.all_digits(2)
    a, b = digits.unbind(1)
    values = torch.stack([a + b, a - b, a * b])
    same = (values[:, None] == values[None]).sum(0).amax(0)
    assert planning.blind_ceiling(2) == pytest.approx(
        same.float().mean().item() / 3)


def test_memory_is_needed_by_a_product_after_a_sum():
    assert planning.memoryless_unsolved(2) == []
    assert planning.memoryless_unsolved(3) == ["a+b*c", "a-b*c"]
    assert len(planning.memoryless_unsolved(4)) == 27 - 15


@pytest.mark.parametrize("n", range(2, 9))
def test_every_pattern_has_a_program_within_its_budget(n):
    assert planning.check_solutions(n, limit=200) == 3 ** (n - 1)


def test_the_first_task_needs_no_plan():
    assert planning.first_task_open_loop() == [1.0, 1.0, 1.0]


def test_the_table_prints_every_length():
    result = {"lengths": {"2": {"patterns": 3, "budget": 5,
                                "blind_ceiling": 0.37,
                                "open_loop_best": 0.37,
                                "open_loop_program": "LOAD ADD ANS",
                                "memoryless_unsolved": []},
                          "8": {"patterns": 2187, "budget": 17,
                                "blind_ceiling": 0.018}}}
    lines = planning.format_table(result).splitlines()
    assert len(lines) == 3 and lines[1].endswith("LOAD ADD ANS")
    assert "1.80%" in lines[2]

