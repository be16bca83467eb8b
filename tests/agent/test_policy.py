"""Tests for agent.policy: every policy crosses the engine's seam."""

import pytest
import torch

from agentlib.agent.model import ActorCritic, ActorCriticConfig
from agentlib.agent.open_loop import OpenLoopConfig, OpenLoopPolicy
from agentlib.agent.policy import Policy
from agentlib.agent.reader import Reader, ReaderConfig
from agentlib.experiments.controller import OneBitController
from agentlib.tasks.interface import protocol_members

POLICIES = {
    "gru": lambda: ActorCritic(ActorCriticConfig(d_model=8)),
    "gru on expressions": lambda: ActorCritic(ActorCriticConfig(
        d_model=8, use_stage=False, task="expressions")),
    "reader": lambda: Reader(ReaderConfig(d_model=8)),
    "operand reader": lambda: Reader(ReaderConfig(
        d_model=8, head_step="operand", move_from="state")),
    "open loop": lambda: OpenLoopPolicy(OpenLoopConfig()),
    "controller": OneBitController,
}


def made(name: str) -> Policy:
    """The named policy, its weights drawn from seed 0."""
    torch.manual_seed(0)
    return POLICIES[name]()


def same_state(a, b) -> bool:
    """True when two recurrent states are equal bit for bit."""
    if torch.is_tensor(a):
        return torch.equal(a, b)
    return all(torch.equal(x, y) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("name", POLICIES)
def test_every_policy_has_every_member_of_the_protocol(name):
    policy = made(name)
    for member in protocol_members(Policy):
        assert hasattr(policy, member), member


@pytest.mark.parametrize("greedy", [True, False])
@pytest.mark.parametrize("name", POLICIES)
def test_act_chooses_what_get_action_and_value_chooses(name, greedy):
    policy = made(name)
    task = policy.task
    problems = task.evaluation_problems(16, seed=1)
    state = task.reset(problems)
    h_act = h_scored = policy.initial_state(problems)
    act = scored = policy.start_action(len(problems), torch.device("cpu"))
    # two generators from one seed: the same draws in the same order
    draws, scored_draws = (torch.Generator().manual_seed(3)
                           for _ in range(2))
    for _ in range(task.horizon(problems)):
        obs = task.observe(state, problems)
        act, h_act = policy.act(h_act, act, greedy, draws, obs)
        scored, *_, h_scored = policy.get_action_and_value(
            h_scored, scored, greedy=greedy, generator=scored_draws,
            obs=obs)
        assert torch.equal(act, scored)
        assert same_state(h_act, h_scored)
        state = task.step(state, problems, act)
    assert torch.equal(draws.get_state(), scored_draws.get_state())
