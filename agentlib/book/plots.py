"""Learning curves from a training history (see ``TrainResult.history``).

Two figures every training chapter needs: exact match per stage on the
validation problems against episodes, greedy and (on request) sampled,
with the curriculum's current stage shaded; and the per-update training
signals (mean return, sampled exact match, the losses), with the
curriculum's promotions marked. One more for inspection: the agent's action
probabilities at each step of one episode, as a heatmap; for the
ablations, one panel of learning curves per variant, a line per seed.
And one diagram, drawn rather than measured: the loop of agent and
machine.
"""

from collections.abc import Sequence
from itertools import pairwise

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.patches import FancyBboxPatch, Rectangle
from matplotlib.ticker import FuncFormatter

from agentlib.agent.result import TrainResult
from agentlib.errors import AgentlibError, is_number
from agentlib.tasks.arithmetic import TOOLS

History = list[dict] | TrainResult
STAGE_COLORS = ("tab:blue", "tab:orange", "tab:green")
SIGNALS = ("reward", "exact", "pg_loss", "v_loss", "entropy")
PANELS_PER_ROW = 3
"""At most three panels side by side: 7.5 inches, the page's column."""
THOUSANDS = FuncFormatter(lambda x, _: f"{x / 1000:g}k" if x else "0")
"""Episode ticks in thousands: 300k, not 300000."""


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
    history: History, ax: Axes | None = None, title: str = "",
    sampled: bool = False,
) -> Axes:
    """Greedy exact match per stage on the validation problems against
    episodes; with ``sampled``, the sampled policy's too, dashed."""
    history = check_history(records_of(history))
    ax = ax if ax is not None else plt.subplots(figsize=(7, 3.5))[1]
    records = evaluated(history)
    if sampled and any("sampled" not in record for record in records):
        raise AgentlibError(
            "history's checks have no sampled exact match; pass "
            "sampled=False, or a history from this version of train")
    episodes = [record["episodes"] for record in records]
    kinds = [("accuracy", "-", ", greedy" if sampled else "")]
    kinds += [("sampled", "--", ", sampled")] if sampled else []
    for key, style, suffix in kinds:
        for stage, color in enumerate(STAGE_COLORS):
            ax.plot(episodes, [record[key][stage] for record in records],
                    style, color=color, label=f"stage {stage}{suffix}")
    shade_stages(ax, history)
    ax.set(xlabel="training episodes",
           ylabel="exact match" if sampled else "greedy exact match",
           ylim=(-0.02, 1.02), title=title)
    ax.xaxis.set_major_formatter(THOUSANDS)
    ax.legend(loc="lower right", ncols=2 if sampled else 1)
    return ax


def promotions(history: list[dict]) -> list[tuple[int, int]]:
    """(episodes, new stage) for each promotion: the episodes at the
    check that promoted, the last update of the stage before."""
    return [(record["episodes"], after["stage"])
            for record, after in pairwise(history)
            if after.get("stage") != record.get("stage")]


def mark_promotions(ax: Axes, history: list[dict]) -> None:
    """A dotted line at each promotion, in the new stage's colour."""
    for episodes, stage in promotions(history):
        ax.axvline(episodes, color=STAGE_COLORS[stage], ls=":", lw=1.2,
                   label=f"promoted to stage {stage}")


def plot_signals(
    history: History, keys: tuple[str, ...] = SIGNALS, title: str = "",
) -> plt.Figure:
    """One small panel per per-update signal, against episodes, with the
    promotions marked; their legend takes a spare slot when there is
    one, else the first panel."""
    history = records_of(history)
    keys = check_signals(history, keys)
    rows = -(-len(keys) // PANELS_PER_ROW)
    columns = min(len(keys), PANELS_PER_ROW)
    fig, grid = plt.subplots(rows, columns, squeeze=False,
                             figsize=(2.5 * columns,
                                      2.4 * rows + (0.3 if title else 0)))
    axes = list(grid.flat)
    episodes = [record["episodes"] for record in history]
    for ax, key in zip(axes, keys, strict=False):
        ax.plot(episodes, [record[key] for record in history], lw=0.8)
        mark_promotions(ax, history)
        ax.set(title=key, xlabel="episodes")
        ax.xaxis.set_major_formatter(THOUSANDS)
    fig.suptitle(title)
    fig.tight_layout()
    handles, labels = axes[0].get_legend_handles_labels()
    if handles and len(axes) > len(keys):
        fig.legend(handles, labels, loc="center",
                   bbox_to_anchor=axes[-1].get_position().bounds)
    elif handles:
        axes[0].legend(fontsize="small")
    for spare in axes[len(keys):]:
        fig.delaxes(spare)
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


Box = tuple[float, float, float, float]
"""A diagram box: left, bottom, width, height, in the diagram's units."""
LOOP_SIZE = (7.2, 5.0)
"""The diagram's inches: the page's column, 100 units across."""
LINE = 2.7
"""Height of one line of 9 pt text, in the diagram's units."""
AGENT, MACHINE, REWARD = "#dbe8f5", "#fbe3cc", "#d9efd5"
LOOP_BOXES: dict[str, tuple[Box, str, str, tuple[str, ...]]] = {
    "problem": ((9, 56.5, 42, 11.5), AGENT, "problem, read once", (
        r"context digits $x_0, \ldots, x_{n-1}$, $n = 3 + s$,",
        r"their positions $0, \ldots, n-1$ and the stage $s$")),
    "first state": ((9, 43, 42, 8.5), AGENT, "first GRU state", (
        r"$h_0 = \tanh(\mathrm{mean}_i\,(E[x_i] + P[i]) + S[s])$",)),
    "gru": ((9, 25.5, 42, 11.5), AGENT, r"GRU cell, steps $t = 1, \ldots, 6$",
            (r"$h_t = \mathrm{GRU}(E[a_{t-1}],\ h_{t-1})$",
             r"reads only its previous action ($a_0$ = START)")),
    "heads": ((9, 2, 42, 19), AGENT, "two heads on $h_t$", (
        r"policy $\pi(a \mid h_t)$ over the six tools", "", "",
        r"value $V(h_t)$: the reward still to come")),
    "machine": ((57, 24.5, 42, 43.5), MACHINE, "machine: arithmetic.step", (
        "registers acc and mem, both empty at first,",
        "and a cursor i over the context digits x")),
    "reward": ((57, 2, 42, 16.5), REWARD, "reward", (
        r"$r_t$ = score(after) $-$ score(before), where",
        "score = 1 if ANS answers the target exactly",
        "+ 1.5 progress: the share of digits the",
        "registers hold combined as in the target")),
}
"""Each box of :func:`plot_agent_loop`: where, colour, title, lines."""
TOOL_RULES = (
    ("MUL", "acc = x[i]·x[i+1] if acc is empty,"), ("", "else acc·x[i]"),
    ("ADD", "acc = acc + x[i]"), ("SUB", "acc = acc − x[i]"),
    ("STO", "mem = acc, and acc is emptied"), ("RCL", "acc = mem − acc"),
    ("ANS", "answers acc; the episode ends"),
)
"""What each tool does, as :func:`agentlib.tasks.arithmetic.step`."""
MACHINE_NOTES = (
    "each digit used moves the cursor on; a tool",
    "without its operands only uses a step,",
    "and an episode has 6 steps at most.",
    "The agent never sees acc or mem.",
)


def draw_box(ax: Axes, name: str) -> None:
    """One box of :data:`LOOP_BOXES`: a title and lines under it."""
    (left, bottom, width, height), color, title, lines = LOOP_BOXES[name]
    ax.add_patch(FancyBboxPatch(
        (left, bottom), width, height,
        boxstyle="round,pad=0,rounding_size=1.5", fc=color, ec="0.35",
        lw=1, gid=name))
    top = bottom + height - 1.2
    ax.text(left + 1.5, top, title, fontsize=10, weight="bold", va="top",
            gid=name)
    for row, line in enumerate(lines, start=1):
        ax.text(left + 1.5, top - 0.6 - row * LINE, line, fontsize=9,
                va="top", gid=name)


def draw_rules(ax: Axes, left: float, top: float) -> None:
    """The machine's tools and what each does, one per line."""
    for row, (tool, effect) in enumerate(TOOL_RULES):
        y = top - row * LINE
        ax.text(left, y, tool, fontsize=9, weight="bold", va="top",
                family="monospace", gid="machine")
        ax.text(left + 7, y, effect, fontsize=9, va="top", gid="machine")
    for row, note in enumerate(MACHINE_NOTES, start=len(TOOL_RULES)):
        ax.text(left, top - 0.5 - row * LINE, note, fontsize=9,
                style="italic", va="top", gid="machine")


def draw_tools(ax: Axes, left: float, bottom: float) -> None:
    """The six tool names in a row of chips: the policy's outputs."""
    for index, tool in enumerate(TOOLS):
        x = left + index * 6.6
        ax.add_patch(FancyBboxPatch(
            (x, bottom), 5.6, 3, boxstyle="round,pad=0,rounding_size=0.6",
            fc="white", ec="tab:blue", lw=0.8, gid="tool"))
        ax.text(x + 2.8, bottom + 1.5, tool, fontsize=9, ha="center",
                va="center", family="monospace", gid="heads")


def draw_arrow(ax: Axes, start: tuple[float, float],
               end: tuple[float, float], rad: float = 0.0) -> None:
    """An arrow from ``start`` to ``end``, bent by ``rad``."""
    ax.annotate("", end, start, arrowprops={
        "arrowstyle": "-|>", "color": "0.25", "lw": 1.2,
        "connectionstyle": f"arc3,rad={rad}", "shrinkA": 0, "shrinkB": 0})


def label(ax: Axes, x: float, y: float, text: str, rotation: int = 0
          ) -> None:
    """A label beside an arrow."""
    ax.text(x, y, text, fontsize=9, ha="center", va="center",
            rotation=rotation, color="0.15")


def plot_agent_loop() -> plt.Figure:
    """The first task's loop: what the GRU reads and emits, what the
    machine does with each tool, and where the reward comes from."""
    fig = plt.figure(figsize=LOOP_SIZE)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set(xlim=(0, 100), ylim=(0, 100 * LOOP_SIZE[1] / LOOP_SIZE[0]))
    ax.axis("off")
    for name in LOOP_BOXES:
        draw_box(ax, name)
    draw_rules(ax, 58.5, 57.3)
    draw_tools(ax, 11, 10.2)
    draw_arrow(ax, (30, 56.5), (30, 51.5))
    draw_arrow(ax, (30, 43), (30, 37))
    label(ax, 33, 40, "$h_0$")
    draw_arrow(ax, (30, 25.5), (30, 21))
    label(ax, 33, 23.2, "$h_t$")
    draw_arrow(ax, (51, 14), (57, 36))
    label(ax, 55.8, 26.5, "$a_t$")
    draw_arrow(ax, (9, 12), (9, 31), rad=-0.45)
    label(ax, 1.8, 21.5, "$a_t$, read next", rotation=90)
    draw_arrow(ax, (78, 24.5), (78, 18.5))
    label(ax, 86, 21.5, "new state")
    return fig


def runs_by_variant(result: dict) -> dict[str, list[dict]]:
    """An ablation result's runs grouped by variant, in table order,
    each with its learning curve (``ablations --out`` keeps them)."""
    runs = result.get("runs", [])
    if not runs or any(not run.get("curve") for run in runs):
        raise AgentlibError(
            "these ablation figures have no learning curves; run "
            "python -m agentlib ablations --out FILE to record them")
    grouped: dict[str, list[dict]] = {}
    for run in runs:
        grouped.setdefault(run["variant"], []).append(run)
    return grouped


def plot_variant_curves(result: dict, stage: int = 2) -> plt.Figure:
    """One panel per variant: each seed's held-out exact match on
    ``stage`` against episodes, three panels to a row."""
    grouped = runs_by_variant(result)
    rows = -(-len(grouped) // PANELS_PER_ROW)
    fig, grid = plt.subplots(rows, PANELS_PER_ROW, sharex=True,
                             sharey=True, figsize=(7.5, 1.55 * rows + 0.6),
                             squeeze=False)
    axes = list(grid.flat)
    for ax, (name, runs) in zip(axes, grouped.items(), strict=False):
        for run in runs:
            episodes = [point[0] / 1000 for point in run["curve"]]
            ax.plot(episodes, [point[1 + stage] for point in run["curve"]],
                    lw=1, alpha=0.8)
        ax.set_title(name, fontsize=9)
        ax.set_ylim(-0.05, 1.05)
        ax.grid(alpha=0.3)
    for ax in axes[len(grouped):]:
        ax.axis("off")
    fig.supxlabel("thousand episodes", fontsize=9)
    fig.supylabel(f"held-out exact match, stage {stage}", fontsize=9)
    fig.tight_layout()
    return fig


def plot_ladder(result: dict) -> plt.Figure:
    """Part IV's ladder (:mod:`agentlib.experiments.ladder`): exact
    match against the number of operands, one line per rung, the
    trained agent's seeds as a band around their median."""
    lengths = result["lengths"]
    fig, ax = plt.subplots(figsize=(7.2, 3.6))
    fixed = sorted((int(n), rate) for n, rate in
                   result["fixed_program"].items())
    ax.plot([n for n, _ in fixed], [rate for _, rate in fixed], "o:",
            color="tab:gray", markersize=3,
            label="a fixed program (best at 2-5, a bound beyond)")
    ax.plot(lengths, result["memoryless"], color="tab:orange",
            label="the table without memory")
    ax.plot(lengths, result["one_bit"], color="tab:green", linewidth=5,
            alpha=0.5, label="the one-bit controller")
    runs = [run["rates"] for run in result["agent"]]
    low = [min(column) for column in zip(*runs, strict=True)]
    high = [max(column) for column in zip(*runs, strict=True)]
    ax.fill_between(lengths, low, high, color="tab:blue", alpha=0.3)
    ax.plot(lengths, low, color="tab:blue", linestyle="--", zorder=3,
            label=f"the trained agent, worst of {len(runs)} seeds")
    ax.axvspan(2, 5, color="0.9", zorder=0, label="trained lengths")
    ax.set(xscale="log", xlabel="operands (log scale)",
           ylabel="greedy exact match", ylim=(-0.02, 1.02),
           title="One bit of memory solves every length; so does the "
                 "agent")
    ax.set_xticks([2, 3, 4, 5, 8, 16, 32, 64],
                  labels=["2", "3", "4", "5", "8", "16", "32", "64"])
    ax.minorticks_off()  # no labels between the ones set
    ax.legend(fontsize="small", loc="upper right", bbox_to_anchor=(1, 0.93))
    fig.tight_layout()
    return fig
