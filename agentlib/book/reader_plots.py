"""Figures of Part V: the reader's exact match by length beside Part
IV's agent and the one-bit controller, and where its read head was at
each decision of one expression."""

from collections.abc import Sequence

import matplotlib.pyplot as plt

from agentlib.book.plots import runs_by_variant

LENGTH_TICKS = (2, 3, 4, 5, 8, 16, 32, 64)


def by_length(run: dict, sampled: bool = False) -> dict[int, float]:
    """An ablation run's exact match per number of operands, trained
    and held out, greedy or sampled."""
    trained = run["sampled"] if sampled else run["accuracy"]
    held_out = run["held_out_sampled"] if sampled else run["held_out"]
    return {**dict(zip(run["lengths"], trained, strict=True)),
            **dict(zip(run["held_out_lengths"], held_out, strict=True))}


def worst_of(runs: list[dict], sampled: bool = False
             ) -> tuple[list[int], list[float]]:
    """The lengths and, at each, the worst of the runs' exact match."""
    rates = [by_length(run, sampled) for run in runs]
    lengths = sorted(rates[0])
    return lengths, [min(rate[n] for rate in rates) for n in lengths]


def draw_lengths(ax: plt.Axes, title: str) -> None:
    """Axes of exact match against operands, on a log scale."""
    ax.axvspan(2, 5, color="0.9", zorder=0)
    ax.set(xscale="log", xlabel="operands (log scale)", title=title,
           ylim=(-0.02, 1.02))
    ax.set_xticks(LENGTH_TICKS, labels=[str(n) for n in LENGTH_TICKS])
    ax.minorticks_off()


def plot_reader_lengths(reader: dict, part_four: dict, ladder: dict,
                        variant: tuple[str, list[dict]] | None = None
                        ) -> plt.Figure:
    """Worst seed's exact match by length: greedy beside the one-bit
    controller and Part IV's agent (on the ladder's problems), and
    sampled beside Part IV's agent; trained lengths shaded. ``variant``
    adds a reader variant's runs, dashed, under its name."""
    readers = runs_by_variant(reader)["default"]
    steppers = runs_by_variant(part_four)["default"]
    fig, (greedy, sampled) = plt.subplots(1, 2, figsize=(7.2, 3.4),
                                          sharey=True)
    draw_lengths(greedy, "greedy")
    greedy.plot(ladder["lengths"], ladder["one_bit"], color="tab:green",
                linewidth=5, alpha=0.5, label="one-bit controller")
    rates = zip(*[run["rates"] for run in ladder["agent"]], strict=True)
    greedy.plot(ladder["lengths"], [min(column) for column in rates],
                color="tab:blue", label="Part IV's agent")
    greedy.plot(*worst_of(readers), "o-", color="tab:red", markersize=4,
                label="the reader")
    greedy.set_ylabel("exact match, worst of five seeds")
    draw_lengths(sampled, "sampled")
    for runs, colour, name in ((steppers, "tab:blue", "Part IV's agent"),
                               (readers, "tab:red", "the reader")):
        sampled.plot(*worst_of(runs, sampled=True), "o-", color=colour,
                     markersize=4, label=name)
    if variant is not None:
        name, runs = variant
        for ax, drawn in ((greedy, False), (sampled, True)):
            ax.plot(*worst_of(runs, drawn), "s--", color="tab:purple",
                    markersize=3, label=name)
    greedy.legend(fontsize="small", loc="lower left")
    sampled.legend(fontsize="small", loc="lower left")
    fig.tight_layout()
    return fig


def plot_head(rows: Sequence[dict], tokens: Sequence[str],
              departure: int | None = None) -> plt.Figure:
    """Where the read head was (dots) at each decision of a trace, and
    the operand the machine's cursor was on (grey): the token Part IV's
    agent was shown. A ring marks the first wrong decision."""
    steps = range(len(rows))
    height = max(2.6, 0.12 * len(tokens) + 1.0)
    fig, ax = plt.subplots(figsize=(7.2, height))
    cursor = [row["head"] - row["offset"] for row in rows]
    ax.plot(steps, cursor, "s", color="0.75", markersize=8,
            label="the cursor's operand")
    ax.plot(steps, [row["head"] for row in rows], "o-", color="tab:red",
            markersize=4, linewidth=1, label="the read head")
    if departure is not None:
        ax.plot(departure, rows[departure]["head"], "o", markersize=14,
                markerfacecolor="none", markeredgecolor="black",
                label="first wrong decision")
    ax.set_yticks(range(len(tokens)), labels=tokens, fontsize=8)
    ax.set_xticks(steps, labels=[row["tool"] for row in rows],
                  rotation=90, fontsize=8)
    ax.set(ylim=(len(tokens) - 0.5, -0.5), xlabel="decision (its tool)",
           ylabel="token")
    ax.legend(fontsize="small", loc="upper right")
    fig.tight_layout()
    return fig
