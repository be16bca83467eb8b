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


ROWS = [  # two decisions over three actions, as agent_trace gives them
    {"step": 1, "tool": "MUL", "probs": [0.7, 0.2, 0.1]},
    {"step": 2, "tool": "ANS", "probs": [0.1, 0.3, 0.6]},
]


def test_decision_heatmap_shows_every_probability_and_boxes_choices():
    ax = plots.plot_decision_probs(ROWS, ["MUL", "ADD", "ANS"])
    assert ax.images[0].get_array().tolist() == [[0.7, 0.2, 0.1],
                                                 [0.1, 0.3, 0.6]]
    assert [t.get_text() for t in ax.texts] == [
        "0.70", "0.20", "0.10", "0.10", "0.30", "0.60"]
    boxes = [patch.get_xy() for patch in ax.patches]
    assert boxes == [(-0.5, -0.5), (1.5, 0.5)]  # MUL at 1, ANS at 2
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["1 MUL", "2 ANS"]
