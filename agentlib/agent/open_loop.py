"""An open-loop policy: a table of logits, one row per stage and step.

It reads nothing but the stage and how many steps it has taken, so it
can only learn one program per stage. It is an ablation: if it solves
a task as well as the GRU, that task needs no reading. It is a
:class:`agentlib.agent.policy.Policy`, so the same rollout and loss
train it; its "state" is the (B,) row index.
"""

from dataclasses import dataclass

import torch
import torch.nn as nn

from agentlib.agent.model import choose, pick
from agentlib.agent.policy import Step
from agentlib.errors import AgentlibError
from agentlib.tasks import Problems, Task, TaskName, get_task


def check_task(name: TaskName) -> Task:
    """The task called ``name`` if a table can play it (a fixed horizon,
    no held-out stages), else raise."""
    task = get_task(name)
    if task.held_out_stages or task.num_obs:
        raise AgentlibError(
            f"an open-loop policy needs a task with a fixed horizon "
            f"and no held-out stages; {task.name} is not one")
    return task


@dataclass
class OpenLoopConfig:
    """The task whose stages and horizon size the table."""

    task: TaskName = "arithmetic"


class OpenLoopPolicy(nn.Module):
    """Logits and a value per (stage, step): 18 x 6 and 18 numbers on
    the first task."""

    def __init__(self, config: OpenLoopConfig):
        """Zero tables: every program equally likely at the start."""
        super().__init__()
        self.config = config
        self.task = task = check_task(config.task)
        self.steps = task.horizon(None)
        rows = len(task.stages) * self.steps
        self.num_actions = len(task.tools)
        self.logits = nn.Parameter(torch.zeros(rows, len(task.tools)))
        self.values = nn.Parameter(torch.zeros(rows))

    def initial_state(self, problems: Problems) -> torch.Tensor:
        """(B,) the row of each episode's first step: stage * steps."""
        return problems.stage * self.steps

    def start_action(self, num: int, device: torch.device) -> torch.Tensor:
        """(B,) a placeholder: the table reads no previous action."""
        return torch.zeros(num, dtype=torch.long, device=device)

    def get_action_and_value(
        self, h: torch.Tensor, prev_action: torch.Tensor,
        action: torch.Tensor | None = None, greedy: bool = False,
        generator: torch.Generator | None = None,
        obs: torch.Tensor | None = None,
    ) -> Step:
        """Act from row ``h``; return ``(action, log_prob, entropy,
        value, next row)`` like the GRU's."""
        action, log_prob, entropy = choose(self.logits[h], action, greedy,
                                           generator)
        return action, log_prob, entropy, self.values[h], h + 1

    def act(
        self, h: torch.Tensor, prev_action: torch.Tensor,
        greedy: bool = False, generator: torch.Generator | None = None,
        obs: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(action, next row)``: the action of
        :meth:`get_action_and_value`, without its scores."""
        return pick(self.logits[h], greedy, generator), h + 1
