"""Tests for experiments.sweep: one factor at a time."""

from agentlib import cli
from agentlib.experiments import sweep


def test_the_grid_changes_one_factor_at_a_time():
    grid = sweep.settings([1e-3, 1e-2], [0.3])
    assert grid == [{"lr": 1e-3}, {"lr": 1e-2}, {"entropy_coef": 0.3}]
    assert [sweep.label(s) for s in grid] == ["lr=0.001", "lr=0.01",
                                             "entropy=0.3"]


def test_a_variant_is_not_swept_over_the_factor_it_changes():
    assert not sweep.applies("entropy-0.01", {"entropy_coef": 0.3})
    assert sweep.applies("entropy-0.01", {"lr": 0.01})
    assert not sweep.applies("open-loop", {"lr": 0.01})  # its lr is 0.03
    assert sweep.applies("fixed", {"entropy_coef": 0.3})


def test_rows_count_solved_seeds_and_take_medians():
    runs = [{"variant": "fixed", "setting": "lr=0.01", "solved": s,
             "accuracy": [1.0, 1.0, a], "sampled": [1.0, 1.0, a / 2]}
            for s, a in ((True, 1.0), (False, 0.2), (False, 0.4))]
    row, = sweep.summarise(runs)
    assert (row["solved"], row["seeds"]) == (1, 3)
    assert row["greedy"] == 0.4 and row["sampled"] == 0.2
    lines = sweep.format_table([row]).splitlines()
    assert lines[-1].split() == ["fixed", "lr=0.01", "1/3", "40.0", "20.0"]


def test_bad_flags_are_refused_before_training(capsys):
    assert cli.main(["sweep", "--variants", "nope"]) == 2
    assert cli.main(["sweep", "--lrs", "0.01", "0.01"]) == 2
    assert cli.main(["sweep", "--entropies", "-1"]) == 2
    err = capsys.readouterr().err
    assert "nope" in err and "more than once" in err
    assert "entropy_coef" in err
