"""Tests for experiments.proofs: memory, solvability, the budget."""

import pytest

from agentlib.experiments import proofs


def test_every_acting_program_of_two_operands_by_hand():
    programs = sorted(" ".join(p) for p in proofs.acting_programs(2))
    # LOAD, then each of the 3 tools reading b (then ANS), or LOAD ANS,
    # or LOAD PUSH LOAD (then POP+ or POP-, ANS), within 5 steps
    assert programs == sorted([
        "LOAD ANS", "LOAD MUL ANS", "LOAD ADD ANS", "LOAD SUB ANS",
        "LOAD PUSH LOAD ANS", "LOAD PUSH LOAD POP+ ANS",
        "LOAD PUSH LOAD POP- ANS"])


def test_memory_is_needed_at_one_reading_both_patterns_share():
    assert proofs.solving_programs("+*") == [
        ("LOAD", "PUSH", "LOAD", "MUL", "POP+", "ANS")]
    # at the POP: every operand read (left END, id 4), nothing after
    # (right NO_OP, 5 + 3), acc full (9 + 0), mem full (11 + 0), after MUL
    assert proofs.memory_conflicts("+*", "-*") == [(4, 8, 9, 11, "MUL")]
    assert proofs.memory_conflicts("+*", "+*") == [None]


def test_the_invariant_fails_for_a_wrong_program(monkeypatch):
    assert proofs.invariant_holds([3, 4, 5], "-*")
    monkeypatch.setattr(proofs.ex, "solution",
                        lambda operators: ["LOAD", "SUB", "MUL", "ANS"])
    assert not proofs.invariant_holds([3, 4, 5], "-*")


def test_the_invariant_fails_for_a_pop_with_the_wrong_sign(monkeypatch):
    right = proofs.ex.solution
    flipped = {"POP+": "POP-", "POP-": "POP+"}
    monkeypatch.setattr(proofs.ex, "solution", lambda operators: [
        flipped.get(tool, tool) for tool in right(operators)])
    assert not proofs.invariant_holds([3, 4, 5], "-*")
    assert not proofs.invariant_holds([3, 4, 5, 6], "+*-")
    # b * c = 0: either sign gives the value, as the machine would
    assert proofs.invariant_holds([3, 0, 5], "-*")


@pytest.mark.parametrize("n, steps", [(2, 3), (3, 6), (4, 7), (5, 10),
                                      (8, 15)])
def test_the_longest_solution_by_hand(n, steps):
    # n operands, PUSH and POP for each product after a + or -, ANS
    assert proofs.longest_solution(n) == proofs.step_bound(n) == steps



def test_order_blind_ceiling_by_hand_at_two_operands():
    # one operator: the multiset is the pattern itself, so nothing is lost
    assert proofs.order_blind_ceiling(2) == 1.0
