"""The tasks the agent is trained on, behind one small interface.

The engine (:mod:`agentlib.agent.model`, :mod:`agentlib.agent.a2c`,
:mod:`agentlib.agent.curriculum`, :mod:`agentlib.agent.train`,
:mod:`agentlib.agent.evaluate`) never branches on a task: it calls
these methods of a task object, as gymnax's and Jumanji's training code
does. A new task is a new module here with a class that has them:

- ``name``, ``tools`` (action names), ``stages`` (the curriculum's
  trained stages), ``held_out_stages`` (scored, never trained on),
  ``shapings``;
- ``sample_problems(stage, num, generator, device)`` for training,
  ``evaluation_problems(num, seed, device)`` for the curriculum's
  held-out checks, ``test_batches(num, seed, device, held_out)`` for
  the final scores (one batch per stage);
- ``reset(problems)``, ``step(state, problems, action)``,
  ``horizon(problems)`` (steps a rollout runs), ``score(state,
  problems, shaping, progress_scale, wrong_cost)``, ``is_correct``;
- what the agent reads: ``context_tokens(problems)`` for its first
  state, ``observe(state, problems)`` at every step (or None),
  ``num_tokens``, ``start_token``, ``max_context``, ``num_obs``;
- ``defaults``: its changes to the book's training config.

Problems are a dataclass with ``stage`` and ``target`` (B,) tensors
and ``len()``, the batch size.
"""

from agentlib.errors import AgentlibError
from agentlib.tasks.arithmetic import ArithmeticTask
from agentlib.tasks.expressions import ExpressionTask

TASKS = {
    "arithmetic": ArithmeticTask(),
    "expressions": ExpressionTask("step"),
    "expressions-start": ExpressionTask("start"),
}


def get_task(name: str):
    """The task called ``name``, else a clear error."""
    if not isinstance(name, str) or name not in TASKS:
        raise AgentlibError(
            f"unknown task {name!r}; use one of {', '.join(TASKS)}"
        )
    return TASKS[name]
