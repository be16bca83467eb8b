"""The ablations' tables: one aligned line per variant, narrow enough
for the book's column, from what :mod:`agentlib.experiments.ablations`
measured or stored."""


def format_thousands(stats: dict, seeds: int) -> str:
    """Median episodes in thousands and the seeds that got there."""
    if stats["count"] == 0:
        return f"never 0/{seeds}"
    return f"{stats['median'] / 1000:.0f}k {stats['count']}/{seeds}"


def percent(value: float) -> str:
    """``value`` in percent: 100 exactly, else to one decimal."""
    return "100" if value == 1 else f"{100 * value:.1f}"


def format_final(accuracy: dict) -> str:
    """Median and worst seed's exact match, in percent."""
    return f"{percent(accuracy['median'])}/{percent(accuracy['min'])}"


def format_table(result: dict) -> str:
    """The summary as aligned text, one line per variant, narrow enough
    for the book's column (84 characters for three stages)."""
    if "task" in result:
        return format_length_table(result)
    stages = range(len(result["summary"][0]["accuracy"]))
    lines = [
        f"{result['machine']['device']} ({result['machine']['name']}), "
        f"seeds {result['seeds']}",
        f"to {result['level']:.0%}: median episodes until greedy "
        f"validation {result['level']:.0%}, and the seeds that got there",
        "final: greedy exact match (%), median / worst seed",
        f"{'variant':14} {'solved':>6} " + " ".join(
            f"{f's{s} to 99%':>9}" for s in stages
        ) + " " + " ".join(f"{f's{s} final':>10}" for s in stages),
    ]
    for row in result["summary"]:
        seeds = row["seeds"]
        reach = " ".join(f"{format_thousands(stats, seeds):>9}"
                         for stats in row["episodes_to_99"])
        final = " ".join(f"{format_final(a):>10}" for a in row["accuracy"])
        lines.append(f"{row['variant']:14} {row['solved']:>4}/{seeds} "
                     f"{reach} {final}")
    return "\n".join(lines)


def format_sampled_table(result: dict) -> str:
    """Median exact match per stage, greedy and sampled (one program
    drawn from the policy per problem), one line per variant."""
    stages = range(len(result["summary"][0]["accuracy"]))
    head = " ".join(f"{f's{s}':>6}" for s in stages)
    lines = ["exact match (%), median of the seeds",
             f"{'':14} {'greedy':^20} {'sampled':^20}",
             f"{'variant':14} {head} {head}"]
    for row in result["summary"]:
        greedy = " ".join(f"{percent(a['median']):>6}"
                          for a in row["accuracy"])
        sampled = " ".join(f"{percent(a['median']):>6}"
                           for a in row["sampled"])
        lines.append(f"{row['variant']:14} {greedy} {sampled}")
    return "\n".join(lines)


def row_lengths(row: dict) -> list[int]:
    """A row's lengths, trained then held out (files stored before
    rows named them held 2 to 8 operands in order)."""
    if "lengths" in row:
        return row["lengths"] + row["held_out_lengths"]
    return list(range(2, 2 + len(row["accuracy"]) + len(row["held_out"])))


def format_length_table(result: dict) -> str:
    """The expression task's summary: the worst seed's exact match per
    number of operands, trained and held out, at the first variant's
    lengths ("-" where a variant was not scored at one), and the
    episodes used."""
    columns = row_lengths(result["summary"][0])
    trained = result["summary"][0].get("lengths", [2, 3, 4, 5])
    lines = [
        f"{result['machine']['device']}, seeds {result['seeds']}: exact "
        f"match (%) of the worst seed",
        f"by number of operands (past {max(trained)} never trained on); "
        f"median episodes",
        f"{'variant':14} {'solved':>6} " + " ".join(
            f"{n:>4}" for n in columns) + f" {'episodes':>8}",
    ]
    for row in result["summary"]:
        worst = dict(zip(row_lengths(row), (
            a["min"] for a in row["accuracy"] + row["held_out"]),
            strict=True))
        cells = " ".join(f"{percent(worst[n]):>4}" if n in worst
                         else f"{'-':>4}" for n in columns)
        lines.append(
            f"{row['variant']:14} {row['solved']:>3}/{row['seeds']}  "
            f"{cells} {row['episodes']['median'] / 1000:>7.0f}k")
    return "\n".join(lines)


def signed(value: float) -> str:
    """A difference in percentage points, with its sign."""
    return f"{100 * value:+.1f}"


def format_difference(difference: dict) -> str:
    """``+1.2 [-0.3, +2.8]``: the mean paired difference and its 95%
    bootstrap interval, in points; ``-`` for the defaults themselves."""
    if difference["seeds"] == 0 or difference["mean"] is None:
        return "-"
    return (f"{signed(difference['mean'])} [{signed(difference['low'])}, "
            f"{signed(difference['high'])}]")


def format_paired_table(result: dict, reference: str = "default") -> str:
    """The last stage at the fixed budget, one line per variant: the
    seeds, the median greedy and sampled exact match and mean return,
    and the sampled exact match's paired difference from ``reference``
    with its interval."""
    lines = ["last stage: median exact match (%) and mean return of the "
             "seeds;",
             f"sampled: difference from the {reference}s in points, "
             "paired by seed,",
             "mean [95% interval]",
             f"{'variant':14} {'n':>2} {'greedy':>6} {'sampled':>7} "
             f"{'return':>6} {'difference':>20}"]
    for row in result["summary"]:
        same = row["variant"] == reference
        difference = "-" if same else format_difference(
            row["paired"]["sampled"])
        lines.append(
            f"{row['variant']:14} {row['seeds']:>2} "
            f"{percent(row['accuracy'][-1]['median']):>6} "
            f"{percent(row['sampled'][-1]['median']):>7} "
            f"{row['mean_return']['median']:>6.2f} {difference:>20}")
    return "\n".join(lines)
