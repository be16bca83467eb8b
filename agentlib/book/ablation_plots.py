"""The ablations' figures: learning curves over seeds, as bands.

Every run of a fixed-budget ablation checks its policy at the same
episodes, so the seeds of a variant can be summarised check by check:
the median as a line, the range from the worst to the best seed as a
band, greedy and sampled exact match in two colours, and the defaults'
median sampled curve in every panel, dashed, to compare against.
"""

import statistics

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from agentlib.errors import AgentlibError

COLOURS = {"curve": "tab:blue", "sampled_curve": "tab:orange"}
"""Greedy exact match in blue, the sampled policy's in orange."""
LABELS = {"curve": "greedy", "sampled_curve": "sampled"}
PANELS_PER_ROW = 3


def band(runs: list[dict], key: str, stage: int
         ) -> tuple[list[float], list[float], list[float], list[float]]:
    """Episodes (thousands) and the median, worst and best seed's exact
    match on ``stage`` at each check the runs share."""
    checks = min(len(run[key]) for run in runs)
    episodes = [point[0] / 1000 for point in runs[0][key][:checks]]
    columns = [[run[key][i][1 + stage] for run in runs]
               for i in range(checks)]
    return (episodes, [statistics.median(c) for c in columns],
            [min(c) for c in columns], [max(c) for c in columns])


def grouped_runs(result: dict, variants: list[str]) -> dict[str, list]:
    """The runs of each of ``variants``, refusing figures without the
    sampled policy's curves (stored before they were kept)."""
    runs = result.get("runs", [])
    if not runs or any("sampled_curve" not in run for run in runs):
        raise AgentlibError(
            "these ablation figures have no sampled curves; run "
            "python -m agentlib ablations --out FILE to record them")
    grouped = {name: [run for run in runs if run["variant"] == name]
               for name in variants}
    missing = [name for name, mine in grouped.items() if not mine]
    if missing:
        raise AgentlibError(f"no runs of {', '.join(missing)} here")
    return grouped


def draw_panel(ax: Axes, name: str, runs: list[dict], stage: int,
               reference: tuple[list[float], list[float]]) -> None:
    """One variant: both bands, and the defaults' sampled median."""
    ax.plot(*reference, color="0.35", lw=1, ls="--")
    for key, colour in COLOURS.items():
        episodes, median, low, high = band(runs, key, stage)
        ax.fill_between(episodes, low, high, color=colour, alpha=0.25,
                        lw=0)
        ax.plot(episodes, median, color=colour, lw=1.4, label=LABELS[key])
    seeds = f"{len(runs)} seed{'' if len(runs) == 1 else 's'}"
    ax.set_title(f"{name}, {seeds}", fontsize=9)
    ax.set_ylim(-0.03, 1.03)
    ax.grid(alpha=0.3)


def plot_variant_bands(result: dict, variants: list[str], stage: int = 2,
                       title: str = "") -> plt.Figure:
    """One panel per variant: the seeds' greedy and sampled exact match
    on ``stage`` (median line, worst-to-best band) against episodes,
    with the defaults' median sampled curve dashed in each."""
    grouped = grouped_runs(result, ["default", *variants])
    episodes, median, _, _ = band(grouped["default"], "sampled_curve",
                                  stage)
    rows = -(-len(variants) // PANELS_PER_ROW)
    fig, grid = plt.subplots(rows, PANELS_PER_ROW, sharex=True,
                             sharey=True, figsize=(7.5, 1.7 * rows + 1.0),
                             squeeze=False)
    axes = list(grid.flat)
    for ax, name in zip(axes, variants, strict=False):
        draw_panel(ax, name, grouped[name], stage, (episodes, median))
    for ax in axes[len(variants):]:
        ax.axis("off")
    axes[0].legend(fontsize=8, loc="lower right")
    fig.supxlabel("thousand episodes", fontsize=9)
    fig.supylabel(f"validation exact match, stage {stage}", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig
