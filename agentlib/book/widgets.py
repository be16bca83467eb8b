"""Interactive explorers for the notebooks (ipywidgets).

A rendered page has no kernel, so each ``show_*`` function displays the
live widget and then a static HTML rendering of its default state: the
page is never empty, and the notebook stays interactive.
"""

from collections.abc import Callable, Sequence
from html import escape

import ipywidgets as widgets
from IPython.display import HTML, display

from agentlib.agent.model import ActorCritic
from agentlib.errors import AgentlibError, check_choice, check_count
from agentlib.experiments.inspection import (
    agent_trace,
    answer_of,
    trace_agent,
    trace_program,
)
from agentlib.tasks import arithmetic
from agentlib.tasks import expressions as ex

COLUMNS = ("step", "tool", "acc", "mem", "cursor")


def cell(value) -> str:
    """One table cell; empty registers show as a dash."""
    return f"<td>{'–' if value is None else escape(str(value))}</td>"


def table_html(rows: Sequence[dict], columns: Sequence[str]) -> str:
    """An HTML table of ``rows`` restricted to ``columns``."""
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(cell(row.get(c)) for c in columns) + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def verdict_html(
    context: Sequence[int], answer: int | None, finished: bool = False
) -> str:
    """One line: the problem, its stated target, and the answer's fate."""
    target = arithmetic.stated_target(context)
    if answer is None:
        fate = "✘ no answer" if finished else "no answer yet"
    else:
        fate = "✔ exact" if answer == target else f"✘ answered {answer}"
    digits = ", ".join(map(str, context))
    return (f"<p>context [{digits}] · stage {len(context) - 3} · "
            f"target <b>{target}</b> · {fate}</p>")


def trace_html(context: Sequence[int], program: Sequence[str]) -> str:
    """The machine's trace of ``program`` on ``context``, as HTML."""
    rows = trace_program(context, program)
    verdict = verdict_html(context, answer_of(rows), rows[-1]["done"])
    return verdict + table_html(rows, COLUMNS)


class MachinePlayground:
    """Pick a stage and digits, press tools, watch acc, mem and cursor."""

    def __init__(self, context: Sequence[int], program: Sequence[str] = ()):
        context = arithmetic.check_context(context)
        padded = context + [0] * (arithmetic.MAX_CONTEXT - len(context))
        self.stage = widgets.Dropdown(
            options=arithmetic.STAGES, value=len(context) - 3,
            description="stage"
        )
        self.digits = [
            widgets.BoundedIntText(value=d, min=0, max=9,
                                   layout=widgets.Layout(width="4em"))
            for d in padded
        ]
        self.program = list(program)
        self.view = widgets.HTML()
        for control in [self.stage, *self.digits]:
            control.observe(lambda _: self.refresh(), names="value")
        self.refresh()

    def context(self) -> list[int]:
        """The digits the chosen stage uses."""
        return [d.value for d in self.digits[: 3 + self.stage.value]]

    def press(self, tool: str) -> None:
        """Append a tool (or undo/reset) and redraw."""
        if tool == "undo":
            self.program = self.program[:-1]
        elif tool == "reset":
            self.program = []
        else:  # refused before it joins the program: later presses work
            self.program.append(check_choice(
                "tool", tool, (*arithmetic.TOOLS, "undo", "reset")))
        self.refresh()

    def refresh(self) -> None:
        """Redraw the trace for the current digits and program."""
        self.view.value = trace_html(self.context(), self.program)

    def widget(self) -> widgets.Widget:
        """The controls and the live trace, stacked."""
        buttons = []
        for name in [*arithmetic.TOOLS, "undo", "reset"]:
            button = widgets.Button(description=name,
                                    layout=widgets.Layout(width="5em"))
            button.on_click(lambda _, name=name: self.press(name))
            buttons.append(button)
        return widgets.VBox([
            widgets.HBox([self.stage, *self.digits]),
            widgets.HBox(buttons), self.view,
        ])


LIVE_NOTE = ("Interactive explorer: its controls work when this chapter "
             "runs in Jupyter or Colab. Its static view follows.")


class LiveWidget:
    """A widget for a running kernel; plain text for a rendered page,
    which has no kernel to drive it (the book embeds no widget state)."""

    def __init__(self, widget: widgets.Widget):
        self.widget = widget

    def _repr_mimebundle_(self, **kwargs) -> dict:
        """The widget's own bundle, with :data:`LIVE_NOTE` as its text."""
        bundle = self.widget._repr_mimebundle_(**kwargs)
        return {**bundle, "text/plain": LIVE_NOTE}


def show_live(widget: widgets.Widget) -> None:
    """Display ``widget`` live, and as a note on a rendered page."""
    display(LiveWidget(widget))


def show_static(html: str) -> None:
    """Display ``html``, the static view of an explorer's default state."""
    display(HTML(f'<div class="agentlib-static"><p><i>Static view of the '
                 f'default state:</i></p>{html}</div>'))


def show_machine_playground(
    context: Sequence[int] = (3, 4, 5, 2, 6),
    program: Sequence[str] = ("MUL", "ADD", "STO", "MUL", "RCL", "ANS"),
) -> MachinePlayground:
    """Display the playground, then its default state as static HTML."""
    playground = MachinePlayground(context, program)
    show_live(playground.widget())
    show_static(trace_html(context, program))
    return playground


def decisions_html(model: ActorCritic, context: Sequence[int],
                   upto: int | None = None) -> str:
    """The agent's greedy decisions on ``context`` with probabilities,
    for its first ``upto`` steps (all of them when None)."""
    if upto is not None:
        check_count("upto", upto)
    rows = agent_trace(model, context)[:upto]
    for row in rows:
        row["p(tool)"] = f"{row['p']:.3f}"
    answer = answer_of(rows)
    finished = bool(rows) and rows[-1]["done"]
    return (verdict_html(context, answer, finished)
            + table_html(rows, (*COLUMNS, "p(tool)")))


def show_agent_explorer(
    model: ActorCritic, context: Sequence[int] = (3, 4, 5, 2, 6)
) -> widgets.Widget:
    """Step through the agent's decisions; then the static full trace."""
    playground = MachinePlayground(context)
    steps = widgets.IntSlider(value=arithmetic.MAX_STEPS, min=1,
                              max=arithmetic.MAX_STEPS, description="steps")
    view = widgets.HTML()

    def refresh(_=None) -> None:
        view.value = decisions_html(model, playground.context(), steps.value)

    for control in [steps, playground.stage, *playground.digits]:
        control.observe(refresh, names="value")
    refresh()
    box = widgets.VBox([
        widgets.HBox([playground.stage, *playground.digits]), steps, view,
    ])
    show_live(box)
    show_static(decisions_html(model, context))
    return box


def fate_of(rows: Sequence[dict], target: int, finished: bool) -> str:
    """What the decisions shown came to: exact, wrong, or no answer
    (yet, unless the episode is ``finished``)."""
    if rows and rows[-1]["tool"] == "ANS" and rows[-1]["acc"] is not None:
        answer = rows[-1]["acc"]
        return "✔ exact" if answer == target else f"✘ answered {answer}"
    return "✘ no answer" if finished else "no answer yet"


def expression_html(model: ActorCritic, expression: str,
                    upto: int | None = None) -> str:
    """The expression agent's greedy decisions on ``expression``: the
    registers after each and its probability of every tool."""
    device = next(model.parameters()).device
    problems = ex.problems_from_expressions([expression], device)
    rows = trace_agent(model, problems)[:upto]
    for row in rows:
        row.update({name: f"{p:.2f}" for name, p in zip(
            model.task.tools, row["probs"], strict=False)})
    target = problems.target[0].item()
    fate = fate_of(rows, target, bool(rows) and rows[-1]["done"])
    verdict = (f"<p>{escape(expression)} · target <b>{target}</b> · "
               f"{fate}</p>")
    return verdict + table_html(rows, (*COLUMNS, *model.task.tools))


EXPLORER_OPERANDS = 16
"""The explorer's step slider reaches the budget of this many operands
(a longer expression is still traced to its end at the slider's top)."""


def show_expression_explorer(
    model: ActorCritic, expression: str = "3+4*5-2*6"
) -> widgets.Widget:
    """Type an expression, step through the agent's program; then the
    static view of the default state."""
    return show_stepper(
        lambda text, upto=None: expression_html(model, text, upto),
        expression)


def show_stepper(render: Callable[..., str], expression: str
                 ) -> widgets.Widget:
    """An explorer of one agent on typed expressions: a text box, a
    step slider and ``render(text, upto)``'s HTML (a bad expression
    shown as one line); then the static view of ``render(expression)``,
    every step."""
    text = widgets.Text(value=expression, description="expression",
                        continuous_update=False)
    steps = widgets.IntSlider(value=ex.budget(EXPLORER_OPERANDS), min=1,
                              max=ex.budget(EXPLORER_OPERANDS),
                              description="steps")
    view = widgets.HTML()

    def refresh(_=None) -> None:
        try:
            view.value = render(text.value, steps.value)
        except AgentlibError as error:
            view.value = f"<p>✘ {escape(str(error))}</p>"

    for control in (text, steps):
        control.observe(refresh, names="value")
    refresh()
    box = widgets.VBox([text, steps, view])
    show_live(box)
    show_static(render(expression))
    return box
