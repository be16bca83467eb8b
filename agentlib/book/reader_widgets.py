"""The reader's explorer (ipywidgets): type an expression and step
through the reader's greedy decisions, with its read head shown on the
expression.

The expression's tokens, END tokens included, are drawn in a row that
wraps inside the page's column: the token under the head at the chosen
step is highlighted, and the cursor's operand (the next one the machine
reads, which the reader is never shown) is underlined. Under the row,
the table of decisions up to that step. As the book's other explorers
do, :func:`show_reader_explorer` displays the live widget and then a
static rendering of its default state.
"""

from collections.abc import Sequence
from html import escape

import ipywidgets as widgets

from agentlib.agent.reader import Reader
from agentlib.book.widgets import fate_of, show_stepper, table_html
from agentlib.errors import check_count
from agentlib.experiments.reading import END, token_names, trace_reader
from agentlib.tasks import expressions as ex

COLUMNS = ("step", "head", "token", "offset", "tool", "p(tool)", "move",
           "acc", "mem")
"""The decisions table's columns: :func:`trace_reader`'s, with ``p``
named for what it is the probability of."""
ROW_STYLE = "display:flex;flex-wrap:wrap;gap:3px;margin:0.4em 0"
TOKEN_STYLE = ("display:inline-block;min-width:1.7em;padding:1px 3px;"
               "text-align:center;font-family:monospace;"
               "border:1px solid #bbb;border-radius:3px")
HEAD_STYLE = "background:#ffd966;font-weight:bold"
OPERAND_STYLE = "border-bottom:3px solid #1f77b4"


def tokens_html(names: Sequence[str], head: int, operand: int) -> str:
    """The tokens in a row that wraps, token ``head`` highlighted and
    token ``operand`` underlined (none when it is not a token)."""
    spans = []
    for index, name in enumerate(names):
        style = TOKEN_STYLE
        if index == head:
            style += ";" + HEAD_STYLE
        if index == operand:
            style += ";" + OPERAND_STYLE
        spans.append(f'<span style="{style}" title="token {index}">'
                     f"{escape(name)}</span>")
    return f'<div style="{ROW_STYLE}">{"".join(spans)}</div>'


def reader_html(model: Reader, expression: str,
                upto: int | None = None) -> str:
    """The reader's greedy decisions on ``expression`` up to step
    ``upto`` (all of them when None): a verdict line, the tokens with
    the head and the cursor's operand marked at that step, the table."""
    if upto is not None:
        check_count("upto", upto)
    trace = trace_reader(model, expression)  # refuses a bad expression
    rows = [{**row, "p(tool)": f"{row['p']:.2f}"} for row in trace[:upto]]
    problems = ex.problems_from_expressions([expression])
    names = token_names(problems) + [END] * model.config.num_end
    target = problems.target[0].item()
    fate = fate_of(rows, target, len(rows) == len(trace))
    at = rows[-1]
    operand = at["head"] - at["offset"]  # 2 * cursor
    if operand < len(names) - model.config.num_end:
        where = f"the cursor's operand is token {operand}"
    else:
        where, operand = "every operand is read", -1  # none to mark
    return (f"<p>{escape(expression)} · target <b>{target}</b> · {fate}</p>"
            f"<p>step {at['step']} of {len(trace)}: the head on token "
            f"{at['head']} ({escape(at['token'])}); {where}</p>"
            + tokens_html(names, at["head"], operand)
            + f'<div style="overflow-x:auto">'
              f"{table_html(rows, COLUMNS)}</div>")


def show_reader_explorer(model: Reader, expression: str = "3+4*5-2*6"
                         ) -> widgets.Widget:
    """Type an expression, step through the reader's decisions; then
    the static view of the default state."""
    return show_stepper(
        lambda text, upto=None: reader_html(model, text, upto), expression)
