"""Tests for experiments.trap_controls: what promotion hands stage 2."""

import math

import pytest
import torch

from agentlib.agent.model import ActorCritic, ActorCriticConfig
from agentlib.experiments import trap, trap_controls


@pytest.fixture
def agent() -> ActorCritic:
    torch.manual_seed(0)
    return ActorCritic(ActorCriticConfig())


def test_a_zero_head_is_uniform_over_the_six_tools(agent):
    with torch.no_grad():
        agent.policy_head.weight.zero_()
        agent.policy_head.bias.zero_()
    problems = trap.stage2_problems("cpu", 64)
    entropy = trap_controls.mean_entropy(agent, problems)
    assert entropy == pytest.approx(math.log(6), abs=1e-6)


def test_restoring_entropy_meets_the_target_and_keeps_the_order(agent):
    problems = trap.stage2_problems("cpu", 256)
    with torch.no_grad():  # a sharp head, as after training
        agent.policy_head.weight.mul_(20)
    before = agent.policy_head.weight.clone()
    sharp = trap_controls.mean_entropy(agent, problems)
    target = 1.7
    assert sharp < target
    scale = trap_controls.restore_entropy(agent, problems, target)
    assert 0 < scale < 1
    assert trap_controls.mean_entropy(agent, problems) == pytest.approx(
        target, abs=0.01)
    assert torch.allclose(agent.policy_head.weight, before * scale)


def test_a_head_reset_draws_fresh_weights_and_clears_its_moments(agent):
    optimizer = torch.optim.Adam(agent.parameters())
    agent.policy_head.weight.sum().backward()
    agent.gru.weight_hh.sum().backward()
    optimizer.step()
    head = agent.policy_head.weight.detach().clone()
    trap_controls.reset_head(agent, optimizer, seed=1)
    assert not torch.equal(agent.policy_head.weight, head)
    assert agent.policy_head.weight not in optimizer.state
    assert agent.gru.weight_hh in optimizer.state  # the rest keeps its
    again = agent.policy_head.weight.detach().clone()
    trap_controls.reset_head(agent, optimizer, seed=1)
    assert torch.equal(agent.policy_head.weight, again)  # seeded
