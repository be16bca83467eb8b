"""Six rules and one bit: a hand-written policy for Part IV's task.

Part IV's agent reads, at every step, the operator before and after the
cursor's operand and whether ``acc`` and ``mem`` are empty
(:func:`agentlib.tasks.expression_views.observe`). Given that, these
rules, tried in order, solve every expression (on every pattern up to
9 operands they play the proven solution, :func:`plays_the_solution`):

1. ``acc`` is empty: ``LOAD``;
2. the operator before the operand is ``*``: ``MUL``;
3. ``mem`` is full: ``POP`` with the sign remembered at the ``PUSH``;
4. every operand is read: ``ANS``;
5. the operator after the operand is ``*``: ``PUSH``, remembering the
   sign before it (one bit);
6. else ``ADD`` or ``SUB``, by the sign before the operand.

:class:`OneBitController` is that table, a
:class:`agentlib.agent.policy.Policy` the engine rolls out like the
trained agent; with ``memory=False`` it forgets the bit and always pops
with ``+``: the same table without memory. Neither learns anything.
"""

import torch
import torch.nn as nn

from agentlib.agent.a2c import rollout
from agentlib.agent.evaluate import decode_programs
from agentlib.agent.policy import Step
from agentlib.tasks import Problems, get_task
from agentlib.tasks import expression_views as views
from agentlib.tasks import expressions as ex

LEFT_END = views.LEFT_END
FULL_ACC = views.NUM_LEFT + views.NUM_RIGHT  # acc_empty is False
FULL_MEM = views.NUM_LEFT + views.NUM_RIGHT + 2  # mem_empty is False


def decide(obs: torch.Tensor, minus: torch.Tensor, memory: bool = True
           ) -> torch.Tensor:
    """(B,) the rules' tool for (B, 4) observation ids, popping with
    ``-`` where the (B,) bit ``minus`` is set (and ``memory`` is on)."""
    left, right = obs[:, 0], obs[:, 1] - views.NUM_LEFT
    acc_full, mem_full = obs[:, 2] == FULL_ACC, obs[:, 3] == FULL_MEM
    pop = torch.where(minus & memory, ex.POP_SUB, ex.POP_ADD)
    sign = torch.where(left == ex.MINUS, ex.SUB, ex.ADD)
    tool = torch.where(right == ex.TIMES, ex.PUSH, sign)  # rules 5, 6
    tool = torch.where(left == LEFT_END, ex.ANS, tool)  # rule 4
    tool = torch.where(mem_full, pop, tool)  # rule 3
    tool = torch.where(left == ex.TIMES, ex.MUL, tool)  # rule 2
    return torch.where(acc_full, tool, ex.LOAD)  # rule 1


class OneBitController(nn.Module):
    """The rules above as a policy; its state ``h`` is the (B,) bit."""

    def __init__(self, memory: bool = True):
        """The controller, with its bit or (``memory=False``) without."""
        super().__init__()
        self.task = get_task("expressions")
        self.memory = memory
        # no weights; a buffer tells the engine which device it is on
        self.register_buffer("anchor", torch.zeros(0))

    def initial_state(self, problems: Problems) -> torch.Tensor:
        """(B,) the bit, clear: no sign remembered yet."""
        return torch.zeros(len(problems), dtype=torch.bool,
                           device=problems.stage.device)

    def start_action(self, num: int, device: torch.device) -> torch.Tensor:
        """(B,) a placeholder: the rules read no previous action."""
        return torch.zeros(num, dtype=torch.long, device=device)

    def get_action_and_value(
        self, h: torch.Tensor, prev_action: torch.Tensor,
        action: torch.Tensor | None = None, greedy: bool = False,
        generator: torch.Generator | None = None,
        obs: torch.Tensor | None = None,
    ) -> Step:
        """The rules' tool (or the given ``action``, with log-probability
        0 where it is the rules' and minus infinity elsewhere); entropy
        and value are 0; the bit is set at each ``PUSH`` after a ``-``."""
        tool, h = self.act(h, prev_action, obs=obs)
        chosen = tool if action is None else action
        log_prob = torch.where(chosen == tool, 0.0, float("-inf"))
        zeros = torch.zeros(len(tool), device=tool.device)
        return chosen, log_prob, zeros, zeros, h

    def act(
        self, h: torch.Tensor, prev_action: torch.Tensor,
        greedy: bool = False, generator: torch.Generator | None = None,
        obs: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(tool, bit)``: the rules' tool, greedy or not; the bit is
        set at each ``PUSH`` after a ``-``."""
        tool = decide(obs, h, self.memory)
        pushed = tool == ex.PUSH
        return tool, torch.where(pushed, obs[:, 0] == ex.MINUS, h)


def plays_the_solution(num_operands: int) -> bool:
    """Whether the controller's greedy program, on every operator
    pattern of ``num_operands``, is exactly :func:`ex.solution`'s. It
    reads no digits, so one digit tuple per pattern shows its program;
    the solution is right on every tuple (chapter 8's induction)."""
    ones = torch.ones(1, num_operands, dtype=torch.long)
    problems = ex.pattern_problems(num_operands, ones)
    played = decode_programs(rollout(OneBitController(), problems,
                                     greedy=True), ex.TOOLS)
    expected = [ex.solution(name[1::2])
                for name in ex.pattern_names(num_operands)]
    return played == expected
