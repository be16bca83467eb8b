"""The seam between the engine and an agent, written as a protocol.

Rollout, loss, training and evaluation take any :class:`Policy`: the
GRU actor-critic (:class:`agentlib.agent.model.ActorCritic`), the
open-loop table of the ablations
(:class:`agentlib.agent.open_loop.OpenLoopPolicy`), or a later agent.
A policy carries a recurrent state ``h`` of its own choosing from step
to step (a tensor, or a tuple of tensors such as the reader's GRU state,
token vectors and read head); the engine only hands it back.
"""

import itertools
from collections.abc import Iterator
from typing import Protocol

import torch

from agentlib.tasks.interface import Problems, Task

State = torch.Tensor | tuple[torch.Tensor, ...]
"""A policy's recurrent state, which the engine never reads."""
Step = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, State]
"""``(action, log_prob, entropy, value, h)``: four (B,) tensors and the
next state. A policy that makes more than one choice per step (the
reader moves its read head too) returns the tool as ``action`` and the
summed log-probabilities and entropies of all its choices."""


class Policy(Protocol):
    """An agent the engine can roll out, train and score."""

    task: Task
    """The task it acts in: its tools size the action head."""

    def initial_state(self, problems: Problems) -> State:
        """Each episode's first state, from its own problem."""
        ...

    def start_action(self, num: int, device: torch.device) -> torch.Tensor:
        """(B,) what the policy reads as its previous action at first."""
        ...

    def get_action_and_value(
        self, h: State, prev_action: torch.Tensor,
        action: torch.Tensor | None = None, greedy: bool = False,
        generator: torch.Generator | None = None,
        obs: torch.Tensor | None = None,
    ) -> Step:
        """Read the previous action (and ``obs``), then act: sample,
        take the argmax (``greedy``) or score the given ``action``."""
        ...

    def act(
        self, h: State, prev_action: torch.Tensor, greedy: bool = False,
        generator: torch.Generator | None = None,
        obs: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, State]:
        """``(action, h)``: the action :meth:`get_action_and_value`
        would choose, and the next state, without its scores (for
        evaluation, which needs nothing else)."""
        ...

    def parameters(self, recurse: bool = True
                   ) -> Iterator[torch.nn.Parameter]:
        """Its weights, for the optimiser (and their device)."""
        ...

    def buffers(self, recurse: bool = True) -> Iterator[torch.Tensor]:
        """Its tensors that are not weights (a policy without weights
        keeps one, to say which device it is on)."""
        ...


def device_of(policy: Policy) -> torch.device:
    """Where a policy's tensors live: its weights', else its buffers'."""
    for tensor in itertools.chain(policy.parameters(), policy.buffers()):
        return tensor.device
    return torch.device("cpu")
