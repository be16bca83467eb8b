"""Tests for experiments.trap: programs at promotion, episodes to 99%."""

import pytest

from agentlib import cli
from agentlib.experiments import trap

STAGE1 = ["MUL", "ADD", "SUB", "ANS"]


def test_program_shares_by_hand():
    programs = [STAGE1, STAGE1, trap.SOLUTION, ["ANS"]]
    shares = trap.program_shares(programs)
    assert shares == {"stage 0's program": 0.0, "stage 1's program": 0.5,
                      "the solution": 0.25, "other": 0.25}


def test_episodes_count_only_when_stage_2_was_learned():
    assert trap.learned(end=30, start=10, batch=256) == 20 * 256
    assert trap.learned(None, 10, 256) is None


def test_stage2_episodes_leave_out_the_replayed_stages():
    history = [{"update": u, "stage_mix": [0.125, 0.125, 0.75]}
               for u in range(1, 11)]
    # updates 3..10 count: 8 updates of 256 episodes, 75% at stage 2
    assert trap.stage2_episodes(history, 2, 10, 256) == 8 * 192
    assert trap.stage2_episodes(history, 2, None, 256) is None


class FakeRun:
    """What the watch reads of a run: its stage and its model."""

    def __init__(self, stage: int):
        self.stage, self.model, self.device = stage, None, "cpu"


def test_the_watch_keeps_the_promotion_then_stops_once_learned(
        monkeypatch):
    monkeypatch.setattr(trap, "stage2_programs", lambda model: {"x": 1.0})
    monkeypatch.setattr(trap, "mean_entropy", lambda model, problems: 1.0)
    watch = trap.StageTwoWatch()
    low = {"accuracy": [1.0, 1.0, 0.5]}
    assert not watch(FakeRun(1), {"update": 10, **low})
    assert watch.promoted_at is None
    # promoted at update 20; stage 2 is not judged at that evaluation
    assert not watch(FakeRun(2), {"update": 20, "accuracy": [1.0] * 3})
    assert (watch.promoted_at, watch.shares) == (20, {"x": 1.0})
    assert not watch(FakeRun(2), {"update": 30, **low})
    assert watch(FakeRun(2), {"update": 40, "accuracy": [1, 1, 0.99]})
    assert watch.learned_at == 40


def test_the_table_has_one_line_per_seed():
    shares = {"stage 0's program": 0.0, "stage 1's program": 0.581,
              "the solution": 0.0, "other": 0.419}
    run = {"seed": 0, "promoted_at": 7680, "at_promotion": shares,
           "entropy": 0.987, "curriculum_stage2_episodes": 46_080,
           "alone_episodes": None}
    lines = trap.format_table({"runs": [run]}).splitlines()
    assert len(lines) == 4
    assert "58.1%" in lines[3] and "46.1k" in lines[3]
    assert " 0.99 " in lines[3] and lines[3].endswith("never")
    assert max(map(len, lines)) <= 72


def test_the_controls_table_has_a_column_per_control_and_medians():
    controls = ["none", "head-reset", "entropy-restored"]
    run = {"seed": 3, "alone_episodes": 20_480, "controls": {
        control: {"curriculum_stage2_episodes": episodes}
        for control, episodes in zip(controls, [46_080, 12_000, None],
                                     strict=True)}}
    result = {"controls": controls, "runs": [run],
              "median_stage2_episodes": {"none": 46_080,
                                         "head-reset": 12_000,
                                         "entropy-restored": None},
              "median_alone_episodes": 20_480}
    lines = trap.format_controls(result).splitlines()
    assert len(lines) == 4
    assert lines[2].split() == ["3", "46.1k", "12.0k", "never", "20.5k"]
    assert lines[3].split() == ["median", "46.1k", "12.0k", "never",
                                "20.5k"]
    assert max(map(len, lines)) <= 79


def test_a_repeated_control_is_refused(capsys):
    assert cli.main(["trap", "--controls", "none", "none"]) == 2
    assert "more than once" in capsys.readouterr().err


def test_a_repeated_seed_is_refused(capsys):
    assert cli.main(["trap", "--seeds", "1", "1"]) == 2
    assert "more than once" in capsys.readouterr().err


@pytest.mark.parametrize("seed", ["-1", str(2 ** 64)])
def test_a_bad_seed_is_refused(seed, capsys):
    assert cli.main(["trap", "--seeds", seed]) == 2
    assert "seed must be" in capsys.readouterr().err
