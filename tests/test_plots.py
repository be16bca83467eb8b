"""Tests for agentlib.plots: curves drawn from a hand-made history."""

import matplotlib

matplotlib.use("Agg")

from agentlib import plots  # noqa: E402


def record(update: int, stage: int, accuracy=None) -> dict:
    """A history record with constant signals."""
    out = {"update": update, "episodes": 100 * update, "stage": stage,
           **{key: 0.5 for key in plots.SIGNALS}}
    if accuracy is not None:
        out["accuracy"] = accuracy
    return out


HISTORY = [record(1, 0), record(2, 0, [0.5, 0.0, 0.0]), record(3, 1),
           record(4, 1, [1.0, 0.4, 0.1])]


def test_accuracy_plot_has_one_line_per_stage_over_evaluations():
    ax = plots.plot_accuracy(HISTORY)
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == [
        "stage 0", "stage 1", "stage 2"]
    assert list(lines[1].get_xdata()) == [200, 400]
    assert list(lines[1].get_ydata()) == [0.0, 0.4]


def test_stage_spans_are_shaded_once_per_curriculum_stage():
    ax = plots.plot_accuracy(HISTORY)
    assert len(ax.patches) == 2


def test_signal_panels_follow_the_keys():
    fig = plots.plot_signals(HISTORY, ("reward", "entropy"))
    assert [ax.get_title() for ax in fig.axes] == ["reward", "entropy"]
