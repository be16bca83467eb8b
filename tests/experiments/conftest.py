"""A small agent that has learned the expression task by imitation, for
the probes' tests: it carries the pending sign in its state."""

import pytest
import torch

from agentlib.agent.model import ActorCritic, ActorCriticConfig
from agentlib.experiments import probes
from agentlib.tasks import expressions as ex


def imitate(model: ActorCritic, problems: ex.Problems, num_steps: int,
            lr: float = 0.02) -> float:
    """Fit ``model`` to the solution programs of ``problems`` by maximum
    likelihood (behaviour cloning); the last loss."""
    actions = probes.solution_actions(problems)
    trace = probes.machine_trace(problems, actions)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(num_steps):
        h = model.initial_state(problems)
        previous = model.start_action(len(problems), h.device)
        loss = 0.0
        for t, action in enumerate(actions.unbind(1)):
            _, log_prob, _, _, h = model.get_action_and_value(
                h, previous, action=action, obs=trace["obs"][:, t])
            loss = loss - (log_prob * trace["live"][:, t]).sum()
            previous = action
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


FOUR_OPERANDS = ex.pattern_problems(4, torch.tensor([[2, 3, 4, 5],
                                                     [7, 1, 9, 2]]))
"""Every operator pattern of four operands on two digit tuples."""


@pytest.fixture(scope="session")
def imitator() -> ActorCritic:
    """A 32-wide agent that imitated every four-operand pattern (about a
    second on a CPU)."""
    with torch.random.fork_rng(devices=[]):  # leave other tests' seeds
        torch.manual_seed(0)
        model = ActorCritic(ActorCriticConfig(d_model=32, use_stage=False,
                                              task="expressions"))
        imitate(model, FOUR_OPERANDS, num_steps=100)
    return model.eval()
