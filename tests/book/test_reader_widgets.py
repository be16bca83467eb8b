"""Tests for book.reader_widgets: the reader explorer's static view and
its contracts, on hand-written traces and a tiny untrained reader."""

import re

import pytest
import torch

from agentlib.agent.reader import Reader, ReaderConfig
from agentlib.book import reader_widgets, widgets
from agentlib.errors import AgentlibError
from agentlib.experiments.reading import trace_reader


def row(step, head, token, offset, tool, move, acc, mem=None, p=0.9):
    """One decision as :func:`trace_reader` writes it."""
    return {"step": step, "head": head, "token": token, "offset": offset,
            "tool": tool, "p": p, "move": move, "acc": acc, "mem": mem}


# 3+4 solved by hand: LOAD reads 3 (head 0 -> 2), ADD reads 4 (2 -> 4,
# the second END, past the first at 3), ANS; the target is 7
SOLVED = [row(1, 0, "3", 0, "LOAD", 2, 3), row(2, 2, "4", 0, "ADD", 2, 7),
          row(3, 4, "END", 0, "ANS", 0, 7)]


@pytest.fixture
def traced(monkeypatch):
    """Make the explorer draw the trace given, whatever the model."""
    def use(rows):
        monkeypatch.setattr(reader_widgets, "trace_reader",
                            lambda model, expression: rows)
    return use


def tiny_reader() -> Reader:
    torch.manual_seed(0)
    return Reader(ReaderConfig(d_model=8))


def marked(html: str, style: str) -> list[str]:
    """The tokens drawn with ``style`` in the token row."""
    return re.findall(rf'<span style="[^"]*{re.escape(style)}[^"]*"'
                      r' title="token \d+">([^<]*)</span>', html)


def test_a_solved_trace_is_exact_and_marks_the_head(traced):
    traced(SOLVED)
    html = reader_widgets.reader_html(tiny_reader(), "3+4")
    assert "3+4 · target <b>7</b> · ✔ exact" in html
    assert html.count("<tr>") == 1 + 3  # header and three decisions
    # tokens 3 + 4 END END; at step 3 the head is on the last END, and
    # every operand is read, so no token is the cursor's
    assert marked(html, "border:1px") == ["3", "+", "4", "END", "END"]
    assert marked(html, reader_widgets.HEAD_STYLE) == ["END"]
    assert marked(html, reader_widgets.OPERAND_STYLE) == []
    assert "every operand is read" in html


def test_an_earlier_step_marks_the_head_and_the_cursors_operand(traced):
    traced(SOLVED)
    html = reader_widgets.reader_html(tiny_reader(), "3+4", upto=2)
    assert "no answer yet" in html and "step 2 of 3" in html
    assert html.count("<tr>") == 1 + 2
    assert marked(html, reader_widgets.HEAD_STYLE) == ["4"]
    assert marked(html, reader_widgets.OPERAND_STYLE) == ["4"]


def test_a_head_off_its_operand_is_drawn_apart_from_it(traced):
    # the head on the operator after 3 (token 1) while the cursor is
    # still on 3 (token 0): offset 1
    traced([row(1, 1, "+", 1, "LOAD", 2, 3)])
    html = reader_widgets.reader_html(tiny_reader(), "3+4", upto=1)
    assert marked(html, reader_widgets.HEAD_STYLE) == ["+"]
    assert marked(html, reader_widgets.OPERAND_STYLE) == ["3"]
    assert "the cursor's operand is token 0" in html


def test_a_wrong_answer_and_no_answer(traced):
    traced(SOLVED[:1] + [row(2, 2, "4", 0, "MUL", 2, 12),
                         row(3, 4, "END", 0, "ANS", 0, 12)])
    html = reader_widgets.reader_html(tiny_reader(), "3+4")
    assert "✘ answered 12" in html
    # the budget of 5 steps spent without ANS: finished, no answer
    traced([row(k, 0, "3", 0, "PUSH", 0, None) for k in range(1, 6)])
    assert "✘ no answer" in reader_widgets.reader_html(tiny_reader(), "3+4")
    # ANS on an empty acc answers nothing
    traced([row(1, 0, "3", 0, "ANS", 0, None)])
    assert "✘ no answer" in reader_widgets.reader_html(tiny_reader(), "3+4")


def test_the_table_has_one_row_per_decision_of_a_real_reader():
    model = tiny_reader()
    decisions = len(trace_reader(model, "3+4*5-2*6"))
    for upto in (1, 3, None):
        html = reader_widgets.reader_html(model, "3+4*5-2*6", upto)
        shown = decisions if upto is None else min(upto, decisions)
        assert html.count("<tr>") == 1 + shown
        assert len(marked(html, reader_widgets.HEAD_STYLE)) == 1
    assert "p(tool)" in html and "offset" in html


def test_a_long_expression_wraps_inside_the_column():
    # 16 operands: 31 tokens and 2 ENDs in a row that wraps, and a table
    # that scrolls inside its own box rather than past the column
    text = "+".join("123456789" * 2)[:31]
    html = reader_widgets.reader_html(tiny_reader(), text)
    assert len(marked(html, "border:1px")) == 31 + 2
    assert "flex-wrap:wrap" in html
    assert '<div style="overflow-x:auto"><table>' in html


@pytest.mark.parametrize("upto", [0, -1, 2.5, "2"])
def test_a_step_count_that_is_not_one_is_refused(upto):
    with pytest.raises(AgentlibError, match="upto must be an integer >= 1"):
        reader_widgets.reader_html(tiny_reader(), "3+4", upto=upto)


def test_a_bad_expression_is_refused():
    with pytest.raises(AgentlibError, match="single digits"):
        reader_widgets.reader_html(tiny_reader(), "3+")


def test_the_explorer_shows_a_bad_expression_as_one_line(monkeypatch):
    shown = []
    monkeypatch.setattr(widgets, "display", shown.append)
    box = reader_widgets.show_reader_explorer(tiny_reader(), "3+4")
    text, steps, view = box.children
    assert "3+4 · target <b>7</b>" in view.value
    text.value = "3+"
    assert view.value.startswith("<p>✘ not an expression")
    assert view.value.count("<p>") == 1 and "\n" not in view.value
    text.value = "3*4"  # a good one brings the view back
    assert "3*4 · target <b>12</b>" in view.value
    steps.value = 1
    assert "step 1 of" in view.value


def test_the_explorer_shows_its_default_state_statically(monkeypatch):
    shown = []
    monkeypatch.setattr(widgets, "display", shown.append)
    model = tiny_reader()
    reader_widgets.show_reader_explorer(model, "3+4")
    live, static = shown
    assert live.widget is not None  # the live widget, then its static view
    assert static.data.startswith('<div class="agentlib-static">')
    assert reader_widgets.reader_html(model, "3+4") in static.data
