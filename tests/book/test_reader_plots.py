"""Tests for book.reader_plots: Part V's figures from hand-made data."""

import matplotlib

matplotlib.use("Agg")

from agentlib.book import reader_plots  # noqa: E402


def run(variant: str, greedy: float, sampled: float) -> dict:
    """An ablation run at 2-3 operands trained, 6 held out."""
    return {"variant": variant, "curve": [[0, 0.0]],
            "lengths": [2, 3], "held_out_lengths": [6],
            "accuracy": [1.0, greedy], "sampled": [0.9, sampled],
            "held_out": [greedy / 2], "held_out_sampled": [sampled / 2]}


def test_by_length_joins_trained_and_held_out_lengths():
    one = run("default", 0.8, 0.6)
    assert reader_plots.by_length(one) == {2: 1.0, 3: 0.8, 6: 0.4}
    assert reader_plots.by_length(one, sampled=True) == {
        2: 0.9, 3: 0.6, 6: 0.3}


def test_worst_of_takes_the_lowest_seed_at_each_length():
    runs = [run("default", 0.8, 0.6), run("default", 0.6, 0.7)]
    assert reader_plots.worst_of(runs) == ([2, 3, 6], [1.0, 0.6, 0.3])
    assert reader_plots.worst_of(runs, sampled=True) == (
        [2, 3, 6], [0.9, 0.6, 0.3])


def test_the_length_figure_has_a_greedy_and_a_sampled_panel():
    reader = {"runs": [run("default", 0.8, 0.6)]}
    part_four = {"runs": [run("default", 0.9, 0.5)]}
    ladder = {"lengths": [2, 3, 6], "one_bit": [1.0, 1.0, 1.0],
              "agent": [{"rates": [1.0, 1.0, 0.9]}]}
    fig = reader_plots.plot_reader_lengths(reader, part_four, ladder)
    greedy, sampled = fig.axes
    assert [line.get_label() for line in greedy.get_lines()] == [
        "one-bit controller", "Part IV's agent", "the reader"]
    assert len(sampled.get_lines()) == 2
    assert list(greedy.get_lines()[2].get_ydata()) == [1.0, 0.8, 0.4]


def test_the_head_figure_draws_the_head_and_the_cursor_operand():
    rows = [{"head": 0, "offset": 0, "tool": "LOAD"},
            {"head": 1, "offset": -1, "tool": "ADD"},
            {"head": 3, "offset": -1, "tool": "ANS"}]
    fig = reader_plots.plot_head(rows, ["1", "+", "2", "END", "END"],
                                 departure=1)
    ax = fig.axes[0]
    cursor, head, ring = ax.get_lines()
    assert list(cursor.get_ydata()) == [0, 2, 4]
    assert list(head.get_ydata()) == [0, 1, 3]
    assert list(ring.get_xdata()) == [1]
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "LOAD", "ADD", "ANS"]


def test_a_variant_adds_a_dashed_line_to_both_panels():
    reader = {"runs": [run("default", 0.8, 0.6)]}
    part_four = {"runs": [run("default", 0.9, 0.5)]}
    ladder = {"lengths": [2, 3, 6], "one_bit": [1.0, 1.0, 1.0],
              "agent": [{"rates": [1.0, 1.0, 0.9]}]}
    fig = reader_plots.plot_reader_lengths(
        reader, part_four, ladder, ("operand head", [run("x", 1.0, 0.9)]))
    for ax in fig.axes:
        line = ax.get_lines()[-1]
        assert line.get_label() == "operand head"
        assert line.get_linestyle() == "--"
