"""The tasks the agent is trained on, behind one small interface.

Each task is a module here with a class that has every member of
:class:`agentlib.tasks.interface.Task`; the engine reaches a task only
through that interface, by the object :func:`get_task` returns. The
modules the tasks share are ``machine`` (registers, reset, the exact
answer, input checks) and ``sampling``.
"""

from typing import Literal

from agentlib.errors import check_choice
from agentlib.tasks.arithmetic import ArithmeticTask
from agentlib.tasks.expressions import ExpressionTask
from agentlib.tasks.interface import Problems, Task, check_task

__all__ = ["TASKS", "Problems", "Task", "TaskName", "get_task"]

TaskName = Literal["arithmetic", "expressions", "expressions-start",
                   "expressions-read"]

TASKS: dict[str, Task] = {
    "arithmetic": check_task(ArithmeticTask()),
    "expressions": check_task(ExpressionTask("step")),
    "expressions-start": check_task(ExpressionTask("start")),
    "expressions-read": check_task(ExpressionTask("read")),
}


def get_task(name: TaskName) -> Task:
    """The task called ``name``, else a clear error."""
    return TASKS[check_choice("task", name, tuple(TASKS))]
