"""Tests for article.audit: the evidence behind chapter 1."""

import random

import pytest
import torch

from agentlib.article import audit, original
from agentlib.article.original import ADD, ANS, MUL, RCL, STO, SUB, ToolEnv
from agentlib.errors import AgentlibError

ABC = (3, 4, 5, 2, 6)


def test_stated_targets_by_hand():
    assert [audit.stated_target(ABC, s) for s in (0, 1, 2)] == [17, 15, 5]


def test_answer_is_none_without_ans():
    assert audit.answer(ToolEnv(), [MUL, ADD], ABC, 0) is None
    assert audit.answer(ToolEnv(), [MUL, ADD, ANS], ABC, 0) == 17


def test_all_operands_counts():
    assert [len(audit.all_operands(s)) for s in (0, 1, 2)] == [
        1_000, 10_000, 100_000,
    ]


def test_best_programs_enumerates_every_program():
    ranked = audit.best_programs(2, max_tools=5, num_operands=20)
    assert len(ranked) == sum(5**k for k in range(6))
    assert all(prog[-1] == ANS for _, prog in ranked)


def test_stage_0_and_1_targets_are_reachable_but_stage_2_is_not():
    assert audit.exact_hit_rate((MUL, ADD, ANS), 0) == 1.0
    assert audit.exact_hit_rate((MUL, ADD, SUB, ANS), 1) == 1.0
    assert audit.exact_hit_rate((MUL, ADD, STO, MUL, RCL, ANS), 2) < 0.2
    best = (MUL, STO, SUB, MUL, ADD, ANS)
    assert audit.exact_hit_rate(best, 2) == pytest.approx(0.271, abs=5e-4)


def test_token_fractions_by_hand():
    actions = torch.tensor([[MUL, ANS, 5, 5], [ANS, MUL, ADD, 10]])
    assert audit.post_answer_fraction(actions) == pytest.approx(5 / 8)
    assert audit.non_tool_fraction(actions) == pytest.approx(3 / 8)


def test_exact_match_and_reward_of_a_fixed_program_by_hand(monkeypatch):
    # the agent's greedy program is MUL ADD ANS on every problem
    monkeypatch.setattr(audit, "greedy_actions", lambda art, ctxs, stage:
                        torch.tensor([[MUL, ADD, ANS, ANS, ANS, ANS]]
                                     * len(ctxs)))
    for stage in (0, 1):
        # the same problems as the functions draw: seed 1
        env = ToolEnv(rng=random.Random(1))
        operands = [env.sample(stage)[2] for _ in range(200)]
        reward, exact = audit.mean_reward_vs_exact(None, stage, 200)
        assert exact == audit.exact_match(None, stage, 200)
        if stage == 0:  # a*b+c is stage 0's stated target
            assert exact == 1.0
            # the article's reward checks a*b, which a*b+c equals when
            # c = 0; its credit: 0.5 for a*b+c, 0.25 more when c = 0
            by_hand = [0.2 * 0.5 + 1.05 * (c == 0)
                       for _, _, c, _, _ in operands]
        else:  # a*b+c-d, right when d = 0; the article checks a*b+c
            assert exact == sum(d == 0 for *_, d, _ in operands) / 200
            by_hand = [1 + 0.2 * (0.5 + 0.25 * (c == 0) + 0.75 * (d == 0))
                       for _, _, c, d, _ in operands]
        assert reward == pytest.approx(sum(by_hand) / 200)


def test_more_operands_than_a_stage_has_is_a_clear_error():
    with pytest.raises(AgentlibError, match="from 1 to 1000 .* got 2000"):
        audit.best_programs(0)
    assert len(audit.best_programs(0, max_tools=1, num_operands=1000)) == 6


@pytest.mark.parametrize("stage", [-1, 3, 1.5, True])
def test_bad_stages_are_a_clear_error(stage):
    with pytest.raises(AgentlibError, match="stage must be 0, 1 or 2"):
        audit.stated_target(ABC, stage)
    with pytest.raises(AgentlibError, match="stage must be 0, 1 or 2"):
        audit.answer(ToolEnv(), [MUL, ANS], ABC, stage)
    with pytest.raises(AgentlibError, match="stage must be 0, 1 or 2"):
        audit.greedy_actions(original.make_article(0), [[3, 4, 5]], stage)


F64 = torch.float64


def uniform_toy(second_value=(0.5, 0.0)) -> audit.TwoStepToy:
    """All logits zero, reward 1 for MUL ADD: every p(tau) is 1/4."""
    return audit.TwoStepToy(
        first_logits=torch.zeros(2, dtype=F64),
        second_logits=torch.zeros(2, 2, dtype=F64),
        first_value=0.25,
        second_value=torch.tensor(second_value, dtype=F64),
        reward=torch.tensor([[0.0, 1.0], [0.0, 0.0]], dtype=F64),
    )


def test_exact_policy_gradient_by_hand_and_by_autograd():
    # J = p1(MUL) p2(ADD | MUL); d p / d logit = p (1[a] - p) = +-1/4
    by_hand = torch.tensor([1, -1, -1, 1, 0, 0], dtype=F64) / 8
    toy = uniform_toy()
    assert torch.allclose(audit.exact_policy_gradient(toy), by_hand)
    assert torch.allclose(audit.expected_return_gradient(toy), by_hand)
    chapter = audit.toy_problem()
    assert torch.allclose(
        audit.exact_policy_gradient(chapter),
        audit.expected_return_gradient(chapter), atol=1e-14,
    )


def test_article_bias_by_hand():
    # bias = -d/d logit1 E[V(s_2)] = -p1 (V2 - E V2) = -(+-1/8)
    grads = audit.baseline_gradients(uniform_toy((0.5, 0.0)))
    by_hand = torch.tensor([0, 0, -1, 1, 0, 0], dtype=F64) / 8
    assert torch.allclose(grads["article"], by_hand, atol=1e-15)
    assert torch.allclose(grads["per-step"], grads["exact"], atol=1e-15)


def test_a_value_that_no_action_changes_leaves_no_bias():
    grads = audit.baseline_gradients(uniform_toy((0.4, 0.4)))
    assert torch.allclose(grads["article"], grads["exact"], atol=1e-15)


def test_per_step_baseline_is_unbiased_and_the_article_is_not():
    toy = audit.toy_problem()
    for critic in (toy, audit.exact_critic(toy)):
        grads = audit.baseline_gradients(critic)
        diff = grads["per-step"] - grads["exact"]
        assert diff.abs().max() < 1e-12
        # step 2's summed values depend on s_2 alone: no bias there
        assert torch.allclose(grads["article"][2:], grads["exact"][2:])
    grads = audit.baseline_gradients(toy)
    assert (grads["article"] - grads["exact"]).norm() > 0.1
    assert audit.cosine(grads["article"], grads["exact"]) < 0.9


def test_exact_critic_values_and_its_vanishing_first_step():
    critic = audit.exact_critic(uniform_toy((0.0, 0.0)))
    assert critic.first_value == pytest.approx(0.25)
    by_hand = torch.tensor([0.5, 0.0], dtype=F64)  # E[R | a_1]
    assert torch.allclose(critic.second_value, by_hand)
    grads = audit.baseline_gradients(audit.exact_critic(audit.toy_problem()))
    assert grads["article"][:2].abs().max() < 1e-12


def test_toy_parameter_names_follow_the_gradient_order():
    names = audit.toy_parameter_names(audit.toy_problem())
    assert names[0] == "step 1: MUL"
    assert names[3] == "step 2 after MUL: ADD"
    assert len(names) == len(audit.exact_policy_gradient(audit.toy_problem()))
