"""Learning curves from a training history (see ``TrainResult.history``).

Two figures every training chapter needs: greedy exact match per stage
on held-out problems against episodes, with the curriculum's current
stage shaded; and the per-update training signals (mean return, sampled
exact match, the losses).
"""

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

STAGE_COLORS = ("tab:blue", "tab:orange", "tab:green")
SIGNALS = ("reward", "exact", "pg_loss", "v_loss", "entropy")


def evaluated(history: list[dict]) -> list[dict]:
    """The records that carry a held-out ``accuracy``."""
    return [record for record in history if "accuracy" in record]


def shade_stages(ax: Axes, history: list[dict]) -> None:
    """Shade the spans of episodes spent at each curriculum stage."""
    start = 0
    for i, record in enumerate(history):
        last = i + 1 == len(history)
        if last or history[i + 1]["stage"] != record["stage"]:
            ax.axvspan(start, record["episodes"], alpha=0.08,
                       color=STAGE_COLORS[record["stage"]], lw=0)
            start = record["episodes"]


def plot_accuracy(
    history: list[dict], ax: Axes | None = None, title: str = ""
) -> Axes:
    """Held-out greedy exact match per stage against episodes."""
    ax = ax if ax is not None else plt.subplots(figsize=(7, 3.5))[1]
    records = evaluated(history)
    episodes = [record["episodes"] for record in records]
    for stage, color in enumerate(STAGE_COLORS):
        accuracy = [record["accuracy"][stage] for record in records]
        ax.plot(episodes, accuracy, color=color, label=f"stage {stage}")
    shade_stages(ax, history)
    ax.set(xlabel="training episodes", ylabel="greedy exact match",
           ylim=(-0.02, 1.02), title=title)
    ax.legend(loc="lower right")
    return ax


def plot_signals(
    history: list[dict], keys: tuple[str, ...] = SIGNALS
) -> plt.Figure:
    """One small panel per per-update signal, against episodes."""
    fig, axes = plt.subplots(1, len(keys), figsize=(3 * len(keys), 2.6))
    episodes = [record["episodes"] for record in history]
    for ax, key in zip(axes, keys, strict=True):
        ax.plot(episodes, [record[key] for record in history], lw=0.8)
        ax.set(title=key, xlabel="episodes")
    fig.tight_layout()
    return fig
