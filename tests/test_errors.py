"""Tests for errors: the checkers of plain values that modules share."""

import math

import pytest

from agentlib.errors import (
    AgentlibError,
    check_choice,
    check_count,
    check_flag,
    check_fraction,
    check_positive,
    check_seed,
    check_unique,
    is_integer,
    is_number,
)


def test_a_bool_is_neither_an_integer_nor_a_number():
    assert is_integer(3) and not is_integer(True) and not is_integer(3.0)
    assert is_number(0.5) and not is_number(False)
    assert not is_number(math.nan) and not is_number(math.inf)


@pytest.mark.parametrize("check, good, bad, message", [
    (lambda v: check_flag("x", v), True, 1, "x must be True or False"),
    (lambda v: check_choice("x", v, ("a", "b")), "a", "c",
     "unknown x 'c'; use one of a, b"),
    (lambda v: check_count("x", v), 1, 0, "x must be an integer >= 1"),
    (lambda v: check_fraction("x", v), 1.0, math.nan,
     "x must be a number in [0, 1]"),
    (lambda v: check_positive("x", v), 1e-9, 0.0,
     "x must be a finite number > 0"),
    (lambda v: check_seed(v), 2**64 - 1, -1, "seed must be an integer >= 0"),
])
def test_each_checker_returns_good_values_and_names_bad_ones(
        check, good, bad, message):
    assert check(good) == good
    with pytest.raises(AgentlibError, match=message.replace("[", r"\[")):
        check(bad)


def test_zero_is_positive_only_when_allowed():
    assert check_positive("x", 0.0, or_zero=True) == 0.0
    with pytest.raises(AgentlibError, match=">= 0"):
        check_positive("x", -1.0, or_zero=True)


def test_a_seed_leaves_room_for_the_seeds_derived_from_it():
    assert check_seed(2**64 - 11, room=10) == 2**64 - 11
    with pytest.raises(AgentlibError, match=r"< 2\*\*64 - 10"):
        check_seed(2**64 - 10, room=10)


def test_check_unique_names_each_repeated_value_once():
    assert check_unique("--seeds", [0, 1, 2]) == [0, 1, 2]
    with pytest.raises(AgentlibError,
                       match="^--seeds lists 0, 2 more than once$"):
        check_unique("--seeds", [0, 2, 1, 0, 2, 2])
