"""Tests for agent.model: shapes, per-episode state, sampling."""

import math

import pytest
import torch

from agentlib.agent import a2c
from agentlib.agent.model import (
    ActorCritic,
    ActorCriticConfig,
    sample,
)
from agentlib.errors import AgentlibError
from agentlib.tasks import arithmetic


def make_model(**overrides) -> ActorCritic:
    """A small seeded model."""
    torch.manual_seed(0)
    return ActorCritic(ActorCriticConfig(d_model=16, **overrides))


def some_problems(num: int = 6, seed: int = 0) -> arithmetic.Problems:
    """Seeded problems of mixed stages."""
    generator = torch.Generator().manual_seed(seed)
    stages = torch.arange(num) % 3
    return arithmetic.sample_problems(stages, num, generator)


def test_shapes():
    model, problems = make_model(), some_problems(5)
    h = model.initial_state(problems)
    assert h.shape == (5, 16)
    prev = model.start_action(5, h.device)
    assert prev.tolist() == [arithmetic.START] * 5 == [16] * 5
    action, log_prob, entropy, value, h = model.get_action_and_value(h, prev)
    assert action.shape == log_prob.shape == entropy.shape == (5,)
    assert value.shape == (5,) and h.shape == (5, 16)
    assert ((action >= 0) & (action < arithmetic.NUM_TOOLS)).all()
    assert (log_prob <= 0).all() and (entropy >= 0).all()


def test_action_head_covers_tools_or_all_tokens():
    assert make_model().policy_head.out_features == arithmetic.NUM_TOOLS
    digits = make_model(allow_digit_actions=True)
    # the six tools and the ten digits: every token but START
    assert digits.policy_head.out_features == digits.num_actions == 16
    assert make_model(use_stage=False).stage_emb is None


def test_initial_state_is_per_episode():
    model, problems = make_model(), some_problems(6)
    alone = model.initial_state(problems)
    for row in range(6):
        one = arithmetic.Problems(*(getattr(problems, f)[row:row + 1] for f in
                                    ("context", "length", "stage", "target")))
        assert torch.allclose(model.initial_state(one)[0], alone[row])


def test_greedy_actions_do_not_depend_on_the_rest_of_the_batch():
    model = make_model()
    first, second = some_problems(64, seed=1), some_problems(64, seed=2)
    mixed = arithmetic.Problems(*(
        torch.cat([getattr(first, f)[:8], getattr(second, f)[8:]])
        for f in ("context", "length", "stage", "target")
    ))
    with torch.no_grad():
        alone = a2c.rollout(model, first, greedy=True).action
        together = a2c.rollout(model, mixed, greedy=True).action
    assert torch.equal(alone[:8], together[:8])


def test_the_stage_embedding_changes_the_first_state():
    model = make_model()
    problems = arithmetic.problems_from_contexts([[1, 2, 3, 4, 5]] * 2)
    problems.stage = torch.tensor([2, 0])  # same digits, other stage
    h = model.initial_state(problems)
    assert not torch.allclose(h[0], h[1])


def test_without_a_stage_embedding_the_length_still_shows():
    model = make_model(use_stage=False)
    problems = arithmetic.problems_from_contexts([[1, 2, 3], [1, 2, 3, 0]])
    h = model.initial_state(problems)
    assert not torch.allclose(h[0], h[1])


def test_scoring_given_actions_matches_sampling():
    model, problems = make_model(), some_problems(8)
    h = model.initial_state(problems)
    prev = model.start_action(8, h.device)
    generator = torch.Generator().manual_seed(0)
    sampled = model.get_action_and_value(h, prev, generator=generator)
    scored = model.get_action_and_value(h, prev, action=sampled[0])
    for a, b in zip(sampled[:4], scored[:4], strict=True):
        assert torch.allclose(a, b)


def test_greedy_takes_the_most_likely_action_by_hand():
    model, problems = make_model(), some_problems(8)
    with torch.no_grad():  # logits = bias, whatever the state: 2 is best
        model.policy_head.weight.zero_()
        model.policy_head.bias.copy_(torch.tensor(
            [0.0, 1.0, 2.0, 0.0, -1.0, 0.0]))
    h = model.initial_state(problems)
    prev = model.start_action(8, h.device)
    action, log_prob, entropy, *_ = model.get_action_and_value(
        h, prev, greedy=True)
    assert action.tolist() == [2] * 8
    total = 3 + math.e + math.e ** 2 + math.e ** -1  # sum of exp(logits)
    assert log_prob.tolist() == pytest.approx([2 - math.log(total)] * 8)
    p = [math.exp(x) / total for x in (0, 1, 2, 0, -1, 0)]
    assert entropy.tolist() == pytest.approx(
        [-sum(q * math.log(q) for q in p)] * 8)


def test_sample_follows_the_softmax():
    logits = torch.log(torch.tensor([[0.1, 0.2, 0.7]])).repeat(20_000, 1)
    generator = torch.Generator().manual_seed(0)
    counts = torch.bincount(sample(logits, generator), minlength=3)
    assert counts.float().div(20_000).tolist() == pytest.approx(
        [0.1, 0.2, 0.7], abs=0.015
    )


@pytest.mark.parametrize(
    "changes, message",
    [({"d_model": 0}, "d_model must be an integer >= 1"),
     ({"d_model": -1}, "d_model must be an integer >= 1"),
     ({"d_model": 2.5}, "d_model must be an integer >= 1"),
     ({"d_model": "64"}, "d_model must be an integer >= 1"),
     ({"use_stage": "no"}, "use_stage must be True or"),
     ({"allow_digit_actions": 2}, "allow_digit_actions must"),
     ({"task": "chess"}, "unknown task")],
)
def test_a_config_that_shapes_no_network_is_refused_when_made(changes,
                                                               message):
    with pytest.raises(AgentlibError, match=message):
        ActorCriticConfig(**changes)


def test_a_network_needs_a_config():
    with pytest.raises(AgentlibError, match=(
            "config must be an ActorCriticConfig, got None")):
        ActorCritic(None)


def test_a_digit_blind_agent_sees_the_length_not_the_digits():
    model = make_model(reads_digits=False)
    problems = arithmetic.problems_from_contexts(
        [[1, 2, 3], [9, 8, 7], [1, 2, 3, 4]])
    h = model.initial_state(problems)
    assert torch.equal(h[0], h[1])
    assert not torch.equal(h[0], h[2])
    seeing = make_model().initial_state(problems)
    assert not torch.equal(seeing[0], seeing[1])
