"""Tests for book.plots: curves drawn from a hand-made history."""

import matplotlib
import pytest

matplotlib.use("Agg")

from agentlib.agent.train import TrainConfig, TrainResult  # noqa: E402
from agentlib.book import plots  # noqa: E402
from agentlib.errors import AgentlibError  # noqa: E402
from agentlib.tasks.arithmetic import TOOLS  # noqa: E402


def record(update: int, stage: int, accuracy=None, sampled=None) -> dict:
    """A history record with constant signals."""
    out = {"update": update, "episodes": 100 * update, "stage": stage,
           **{key: 0.5 for key in plots.SIGNALS}}
    if accuracy is not None:
        out["accuracy"] = accuracy
    if sampled is not None:
        out["sampled"] = sampled
    return out


HISTORY = [record(1, 0), record(2, 0, [0.5, 0.0, 0.0], [0.3, 0.0, 0.0]),
           record(3, 1), record(4, 1, [1.0, 0.4, 0.1], [0.9, 0.2, 0.0])]


def test_accuracy_plot_has_one_line_per_stage_over_evaluations():
    ax = plots.plot_accuracy(HISTORY)
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == [
        "stage 0", "stage 1", "stage 2"]
    assert list(lines[1].get_xdata()) == [200, 400]
    assert list(lines[1].get_ydata()) == [0.0, 0.4]


def test_sampled_curves_are_dashed_beside_the_greedy_ones():
    ax = plots.plot_accuracy(HISTORY, sampled=True)
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines) == [f"stage {stage}, {kind}"
                           for kind in ("greedy", "sampled")
                           for stage in range(3)]
    greedy, sampled = lines["stage 0, greedy"], lines["stage 0, sampled"]
    assert list(greedy.get_ydata()) == [0.5, 1.0]
    assert list(sampled.get_ydata()) == [0.3, 0.9]
    assert greedy.get_linestyle() == "-" and sampled.get_linestyle() == "--"
    assert sampled.get_color() == greedy.get_color() == "tab:blue"
    assert ax.get_ylabel() == "exact match"
    assert plots.plot_accuracy(HISTORY).get_ylabel() == "greedy exact match"


def test_sampled_curves_need_sampled_checks():
    history = [record(1, 0, [0.5, 0.0, 0.0])]
    with pytest.raises(AgentlibError, match="no sampled exact match"):
        plots.plot_accuracy(history, sampled=True)


def test_promotions_are_the_checks_after_which_the_stage_changed():
    history = [*HISTORY, record(5, 2), record(6, 2, [1.0, 1.0, 0.2])]
    assert plots.promotions(HISTORY) == [(200, 1)]
    assert plots.promotions(history) == [(200, 1), (400, 2)]
    assert plots.promotions(HISTORY[:2]) == []


def test_signal_panels_mark_each_promotion_in_the_new_stages_colour():
    history = [*HISTORY, record(5, 2), record(6, 2, [1.0, 1.0, 0.2])]
    fig = plots.plot_signals(history, ("reward", "entropy"), title="t")
    for ax in fig.axes:
        marks = ax.get_lines()[1:]  # after the signal itself
        assert [list(mark.get_xdata()) for mark in marks] == [
            [200, 200], [400, 400]]
        assert [mark.get_color() for mark in marks] == [
            plots.STAGE_COLORS[1], plots.STAGE_COLORS[2]]
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["promoted to stage 1", "promoted to stage 2"]
    assert fig.get_suptitle() == "t"
    matplotlib.pyplot.close(fig)


def test_the_promotion_legend_takes_the_spare_slot():
    fig = plots.plot_signals(HISTORY, plots.SIGNALS)
    assert len(fig.legends) == 1
    assert all(ax.get_legend() is None for ax in fig.axes)
    texts = [t.get_text() for t in fig.legends[0].get_texts()]
    assert texts == ["promoted to stage 1"]
    matplotlib.pyplot.close(fig)


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


def test_one_signal_gets_one_panel():
    fig = plots.plot_signals(HISTORY, ("reward",))
    assert [ax.get_title() for ax in fig.axes] == ["reward"]


@pytest.mark.parametrize(
    "keys, message",
    [("reward", "must be a tuple of signal names, got 'reward'"),
     (("reward", "accuracy"), "unknown signal 'accuracy'; use any of "
      "update, episodes, stage, reward")],
)
def test_bad_signal_keys_name_the_known_ones(keys, message):
    with pytest.raises(AgentlibError, match=message):
        plots.plot_signals(HISTORY, keys)


def test_a_train_result_plots_as_its_history():
    result = TrainResult(None, [0.0] * 3, 400, 4, 1.0, "cpu", TrainConfig(),
                         HISTORY)
    lines = plots.plot_accuracy(result).get_lines()
    assert list(lines[1].get_ydata()) == [0.0, 0.4]
    assert len(plots.plot_signals(result).axes) == len(plots.SIGNALS)


@pytest.mark.parametrize(
    "history, message",
    [([], "no records with a held-out accuracy"),
     ([record(1, 0)], "no records with a held-out accuracy"),
     ([{"episodes": 64, "accuracy": [0.5, 0.0, 0.0]}],
      "record 0 of the history has no stage")],
)
def test_an_accuracy_plot_needs_evaluated_records(history, message):
    with pytest.raises(AgentlibError, match=message):
        plots.plot_accuracy(history)


def test_a_decision_heatmap_needs_rows():
    with pytest.raises(AgentlibError, match="rows is empty"):
        plots.plot_decision_probs([], ["MUL", "ADD"])


def test_five_signals_wrap_into_rows_that_fit_the_page():
    fig = plots.plot_signals(HISTORY, plots.SIGNALS)
    assert [ax.get_title() for ax in fig.axes] == list(plots.SIGNALS)
    rows = {ax.get_position().y0 for ax in fig.axes}
    assert len(rows) == 2 and fig.get_size_inches()[0] <= 7.5


def test_the_agent_loop_names_what_the_agent_reads_and_writes():
    fig = plots.plot_agent_loop()
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    for word in ("stage", "positions", "START", "GRU", "value", "reward",
                 "score", "progress", "acc", "mem", "cursor", *TOOLS):
        assert word in texts, word
    chips = [t.get_text() for t in fig.axes[0].texts
             if t.get_gid() == "heads" and t.get_text() in TOOLS]
    assert chips == list(TOOLS)


def test_the_agent_loop_is_legible_at_the_page_width():
    fig = plots.plot_agent_loop()
    assert fig.get_size_inches()[0] <= 7.5
    assert min(t.get_fontsize() for t in fig.axes[0].texts) >= 8


def test_the_agent_loop_keeps_its_text_inside_its_boxes():
    fig = plots.plot_agent_loop()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    edges = ax.get_window_extent(renderer)
    boxes = {patch.get_gid(): patch.get_window_extent(renderer)
             for patch in ax.patches if patch.get_gid() in plots.LOOP_BOXES}
    assert set(boxes) == set(plots.LOOP_BOXES)
    for text in ax.texts:
        extent = text.get_window_extent(renderer)
        outer = boxes.get(text.get_gid(), edges)
        inside = (outer.x0 <= extent.x0 and extent.x1 <= outer.x1
                  and outer.y0 <= extent.y0 and extent.y1 <= outer.y1)
        assert inside, (text.get_text(), text.get_gid())


def ablation_result(variants: int = 4) -> dict:
    """Runs of a few variants on two seeds, with learning curves."""
    runs = [{"variant": f"v{v}", "seed": seed,
             "curve": [[256, 0.0, 0.0, 0.1 * seed], [512, 1.0, 1.0, 1.0]]}
            for v in range(variants) for seed in (0, 1)]
    return {"runs": runs}


def test_variant_curves_have_one_panel_per_variant_and_a_line_per_seed():
    fig = plots.plot_variant_curves(ablation_result(4))
    shown = [ax for ax in fig.axes if ax.axison]
    assert [ax.get_title() for ax in shown] == ["v0", "v1", "v2", "v3"]
    assert all(len(ax.lines) == 2 for ax in shown)
    assert list(shown[0].lines[1].get_ydata()) == [0.1, 1.0]
    assert fig.get_figwidth() <= 7.5
    matplotlib.pyplot.close(fig)


def test_variant_curves_need_recorded_curves():
    result = ablation_result(1)
    del result["runs"][0]["curve"]
    with pytest.raises(AgentlibError, match="no learning curves"):
        plots.plot_variant_curves(result)
