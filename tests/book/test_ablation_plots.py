"""Tests for book.ablation_plots: bands over seeds."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from agentlib.book import ablation_plots  # noqa: E402
from agentlib.errors import AgentlibError  # noqa: E402


def run(variant: str, seed: int, values: list[float]) -> dict:
    curve = [[1000 * (i + 1), 1.0, 1.0, v] for i, v in enumerate(values)]
    return {"variant": variant, "seed": seed, "curve": curve,
            "sampled_curve": [[e, 1.0, 1.0, v / 2] for e, *_, v in curve]}


RESULT = {"runs": [run("default", 0, [0.2, 0.6, 1.0]),
                   run("default", 1, [0.4, 0.8, 1.0]),
                   run("default", 2, [0.0, 1.0, 1.0]),
                   run("x", 0, [0.1, 0.2])]}


def test_a_band_is_the_median_worst_and_best_seed_per_check():
    runs = RESULT["runs"][:3]
    episodes, median, low, high = ablation_plots.band(runs, "curve", 2)
    assert episodes == [1.0, 2.0, 3.0]
    assert median == [0.2, 0.8, 1.0]
    assert low == [0.0, 0.6, 1.0] and high == [0.4, 1.0, 1.0]


def test_runs_of_unequal_length_share_their_common_checks():
    episodes, *_ = ablation_plots.band(RESULT["runs"], "curve", 2)
    assert episodes == [1.0, 2.0]


def test_the_figure_has_one_panel_per_variant_and_both_curves():
    fig = ablation_plots.plot_variant_bands(RESULT, ["x"], title="t")
    ax = fig.axes[0]
    assert ax.get_title() == "x, 1 seed"
    labels = [line.get_label() for line in ax.get_lines()]
    assert {"greedy", "sampled"} <= set(labels)
    plt.close(fig)


def test_old_figures_without_sampled_curves_are_refused():
    old = {"runs": [{"variant": "default", "curve": []}]}
    with pytest.raises(AgentlibError, match="no sampled curves"):
        ablation_plots.plot_variant_bands(old, [])
    with pytest.raises(AgentlibError, match="no runs of y"):
        ablation_plots.plot_variant_bands(RESULT, ["y"])
