"""Tests for book.widgets: the playground's logic and static views."""

import ipywidgets
import pytest
import torch

from agentlib.agent.model import ActorCritic, ActorCriticConfig
from agentlib.book import widgets
from agentlib.errors import AgentlibError
from agentlib.experiments.inspection import agent_trace


def test_playground_presses_tools_and_follows_the_stage():
    playground = widgets.MachinePlayground([3, 4, 5, 2, 6])
    for tool in ["MUL", "ADD", "STO", "MUL", "RCL", "ANS"]:
        playground.press(tool)
    assert "✔ exact" in playground.view.value
    playground.press("undo")
    assert "no answer yet" in playground.view.value
    playground.stage.value = 0
    assert playground.context() == [3, 4, 5]
    assert "target <b>17</b>" in playground.view.value
    playground.press("reset")
    assert playground.program == []


def test_trace_html_marks_a_wrong_answer():
    html = widgets.trace_html([3, 4, 5], ["MUL", "ANS"])
    assert "✘ answered 12" in html
    assert html.count("<tr>") == 1 + 3  # header, start, MUL, ANS
    assert "✘ no answer" in widgets.trace_html([3, 4, 5], ["ANS"])


def test_decisions_html_has_one_row_per_decision():
    torch.manual_seed(0)
    model = ActorCritic(ActorCriticConfig())
    decisions = len(agent_trace(model, [3, 4, 5, 2, 6]))
    html = widgets.decisions_html(model, [3, 4, 5, 2, 6], upto=2)
    assert html.count("<tr>") == 1 + min(2, decisions)
    assert "p(tool)" in html


def test_trace_html_refuses_a_program_given_as_one_string():
    with pytest.raises(AgentlibError, match="list of tool names"):
        widgets.trace_html([3, 4, 5], "MUL ADD ANS")


def test_an_unknown_tool_is_refused_and_the_playground_still_works():
    playground = widgets.MachinePlayground([3, 4, 5])
    playground.press("MUL")
    with pytest.raises(AgentlibError, match="unknown tool 'FOO'"):
        playground.press("FOO")
    assert playground.program == ["MUL"]  # FOO never joined it
    playground.press("ADD")
    playground.press("ANS")
    assert "✔ exact" in playground.view.value


@pytest.mark.parametrize("upto", [0, -1, 2.5, "2"])
def test_decisions_html_refuses_a_step_count_that_is_not_one(upto):
    model = ActorCritic(ActorCriticConfig(d_model=8))
    with pytest.raises(AgentlibError, match="upto must be an integer >= 1"):
        widgets.decisions_html(model, [3, 4, 5], upto=upto)


def test_a_live_widget_is_a_note_on_a_rendered_page():
    slider = ipywidgets.IntSlider()
    bundle = widgets.LiveWidget(slider)._repr_mimebundle_()
    assert bundle["text/plain"] == widgets.LIVE_NOTE  # what pages show
    view = bundle["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == slider.model_id  # what kernels show


def test_the_static_view_is_marked_for_the_page_check(monkeypatch):
    shown = []
    monkeypatch.setattr(widgets, "display", shown.append)
    widgets.show_static("<table></table>")
    assert shown[0].data.startswith('<div class="agentlib-static">')
