"""Learning curves from a training history (see ``TrainResult.history``).

Two figures every training chapter needs: greedy exact match per stage
on held-out problems against episodes, with the curriculum's current
stage shaded; and the per-update training signals (mean return, sampled
exact match, the losses). One more for inspection: the agent's action
probabilities at each step of one episode, as a heatmap.
"""

from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from agentlib.agent.train import TrainResult
from agentlib.errors import AgentlibError, is_number

History = list[dict] | TrainResult
STAGE_COLORS = ("tab:blue", "tab:orange", "tab:green")
SIGNALS = ("reward", "exact", "pg_loss", "v_loss", "entropy")
PANELS_PER_ROW = 3
"""At most three panels side by side: 7.5 inches, the page's column."""


def records_of(history: History) -> list[dict]:
    """The per-update records of a history or of a :class:`TrainResult`."""
    return history.history if isinstance(history, TrainResult) else history


def check_signals(history: list[dict], keys: Sequence[str]) -> list[str]:
    """Return ``keys`` if each names a number in every record, else
    raise, naming the keys that do."""
    known = [key for key in (history[0] if history else {})
             if all(is_number(record.get(key)) for record in history)]
    if isinstance(keys, str) or not keys:
        raise AgentlibError(
            f"keys must be a tuple of signal names, got {keys!r}; "
            f"use any of {', '.join(known)}"
        )
    unknown = [repr(key) for key in keys if key not in known]
    if unknown:
        raise AgentlibError(
            f"unknown signal {', '.join(unknown)}; use any of "
            f"{', '.join(known) or '(none: the history is empty)'}"
        )
    return list(keys)


def check_history(history: list[dict]) -> list[dict]:
    """Return ``history`` if it has evaluated records, each with its
    ``episodes`` and ``stage``, else raise."""
    if not isinstance(history, list) or not evaluated(history):
        raise AgentlibError(
            "history has no records with a held-out accuracy; pass a "
            "TrainResult or its history"
        )
    for index, record in enumerate(history):
        missing = [key for key in ("episodes", "stage") if key not in record]
        if missing:
            raise AgentlibError(
                f"record {index} of the history has no "
                f"{' or '.join(missing)}; pass a TrainResult or its history"
            )
    return history


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
    history: History, ax: Axes | None = None, title: str = ""
) -> Axes:
    """Held-out greedy exact match per stage against episodes."""
    history = check_history(records_of(history))
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
    history: History, keys: tuple[str, ...] = SIGNALS
) -> plt.Figure:
    """One small panel per per-update signal, against episodes."""
    history = records_of(history)
    keys = check_signals(history, keys)
    rows = -(-len(keys) // PANELS_PER_ROW)
    columns = min(len(keys), PANELS_PER_ROW)
    fig, grid = plt.subplots(rows, columns, squeeze=False,
                             figsize=(2.5 * columns, 2.4 * rows))
    axes = list(grid.flat)
    for spare in axes[len(keys):]:
        fig.delaxes(spare)
    episodes = [record["episodes"] for record in history]
    for ax, key in zip(axes, keys, strict=False):
        ax.plot(episodes, [record[key] for record in history], lw=0.8)
        ax.set(title=key, xlabel="episodes")
    fig.tight_layout()
    return fig


def plot_decision_probs(
    rows: Sequence[dict], names: Sequence[str], ax: Axes | None = None,
    title: str = "",
) -> Axes:
    """Heatmap of each step's action probabilities (steps x actions),
    from :func:`agentlib.experiments.inspection.agent_trace`; chosen ones
    boxed."""
    if not rows:
        raise AgentlibError(
            "rows is empty; pass the rows of inspection.agent_trace")
    ax = ax if ax is not None else plt.subplots(figsize=(4, 3))[1]
    probs = [row["probs"] for row in rows]  # (steps, actions)
    ax.imshow(probs, cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto")
    for step, row in enumerate(rows):
        for action, p in enumerate(row["probs"]):
            ax.text(action, step, f"{p:.2f}", ha="center", va="center",
                    fontsize=8, color="white" if p > 0.6 else "black")
        chosen = names.index(row["tool"])
        ax.add_patch(Rectangle((chosen - 0.5, step - 0.5), 1, 1,
                               fill=False, ec="tab:red", lw=1.5))
    ax.set_xticks(range(len(names)), names, fontsize=8)
    ax.set_yticks(range(len(rows)),
                  [f"{row['step']} {row['tool']}" for row in rows])
    ax.set(xlabel="action", ylabel="step and choice", title=title)
    return ax
