"""Tests for experiments.paired: paired differences and intervals."""

import pytest

from agentlib.experiments import paired


def runs_of(variant: str, values: list[float]) -> list[dict]:
    return [{"variant": variant, "seed": seed, "accuracy": [value]}
            for seed, value in enumerate(values)]


def test_percentiles_interpolate_by_hand():
    values = [0.0, 1.0, 2.0, 3.0, 4.0]
    assert paired.percentile(values, 0.5) == 2.0
    assert paired.percentile(values, 0.25) == 1.0
    assert paired.percentile(values, 0.1) == pytest.approx(0.4)


def test_a_constant_difference_has_a_point_interval():
    runs = runs_of("default", [0.5, 0.6, 0.7]) + runs_of("x", [0.6, 0.7,
                                                               0.8])
    difference = paired.paired_difference(runs, "x", "accuracy", 0)
    assert difference["mean"] == pytest.approx(0.1)
    assert difference["low"] == pytest.approx(0.1)
    assert difference["high"] == pytest.approx(0.1)
    assert difference["seeds"] == 3
    assert paired.verdict(difference) == "better"


def test_only_the_seeds_both_ran_are_paired():
    runs = runs_of("default", [0.5, 0.5, 0.5, 0.5]) + runs_of("x", [0.4])
    difference = paired.paired_difference(runs, "x", "accuracy", 0)
    assert difference["seeds"] == 1
    assert paired.verdict(difference) == "worse"
    none = paired.paired_difference(runs, "y", "accuracy", 0)
    assert paired.verdict(none) == "unpaired"


def test_an_interval_that_straddles_zero_is_unclear():
    runs = runs_of("default", [0.5] * 4) + runs_of("x", [0.4, 0.6, 0.45,
                                                         0.55])
    difference = paired.paired_difference(runs, "x", "accuracy", 0)
    assert difference["low"] < 0 < difference["high"]
    assert paired.verdict(difference) == "unclear"
    assert paired.paired_difference(runs, "x", "accuracy", 0) == difference
