"""Tests for tasks.interface: every task has every member of Task."""

import pytest

from agentlib.errors import AgentlibError
from agentlib.tasks import TASKS, get_task
from agentlib.tasks.arithmetic import ArithmeticTask
from agentlib.tasks.interface import (
    Problems,
    Task,
    check_task,
    protocol_members,
)


def test_the_protocols_list_what_the_engine_calls():
    members = protocol_members(Task)
    assert members[:4] == ["name", "tools", "stages", "held_out_stages"]
    assert {"sample_problems", "reset", "step", "score", "observe",
            "parse_line", "problems_from_text"} <= set(members)
    assert len(members) == len(set(members)) == 22
    assert protocol_members(Problems) == ["stage", "target"]


@pytest.mark.parametrize("name", list(TASKS))
def test_every_task_has_every_member(name):
    task = TASKS[name]
    assert check_task(task) is task
    for member in protocol_members(Task):
        assert getattr(task, member) is not None
    assert task.name == name


def test_a_task_missing_members_is_refused_by_name():
    task = ArithmeticTask()
    incomplete = type("Incomplete", (), {
        member: getattr(task, member)
        for member in protocol_members(Task)
        if member not in ("observe", "horizon")})()
    with pytest.raises(AgentlibError) as error:
        check_task(incomplete)
    assert str(error.value) == (
        "Incomplete is not a task: it has no horizon, observe")


def test_get_task_names_the_choices():
    assert get_task("arithmetic") is TASKS["arithmetic"]
    with pytest.raises(AgentlibError, match=(
            "unknown task 'chess'; use one of arithmetic, expressions, "
            "expressions-start")):
        get_task("chess")
