"""Tests for agent.open_loop: the table policy that reads nothing."""

import pytest
import torch

from agentlib.agent import a2c, evaluate
from agentlib.agent.open_loop import OpenLoopConfig, OpenLoopPolicy
from agentlib.agent.train import TrainConfig, train
from agentlib.errors import AgentlibError
from agentlib.tasks import arithmetic


def test_the_table_has_18_rows_of_6_logits_and_18_values():
    policy = OpenLoopPolicy(OpenLoopConfig())
    assert policy.logits.shape == (18, 6)
    assert policy.values.shape == (18,)
    assert sum(p.numel() for p in policy.parameters()) == 18 * 6 + 18


def test_each_step_reads_its_stage_and_step_row():
    policy = OpenLoopPolicy(OpenLoopConfig())
    with torch.no_grad():
        policy.logits.copy_(torch.arange(18 * 6.0).view(18, 6) % 6)
    problems = arithmetic.problems_from_contexts([[1, 2, 3], [1, 2, 3, 4, 5]])
    h = policy.initial_state(problems)
    assert h.tolist() == [0, 12]
    _, _, _, _, h = policy.get_action_and_value(h, None, greedy=True)
    assert h.tolist() == [1, 13]


def test_the_same_program_for_every_context_of_a_stage():
    torch.manual_seed(0)
    policy = OpenLoopPolicy(OpenLoopConfig())
    with torch.no_grad():
        policy.logits.normal_()
    problems = arithmetic.sample_problems(2, 50, torch.Generator())
    programs = evaluate.decode_programs(
        a2c.rollout(policy, problems, greedy=True), arithmetic.TOOLS)
    assert all(program == programs[0] for program in programs)


def test_a_task_without_a_fixed_horizon_is_refused():
    with pytest.raises(AgentlibError, match="open-loop policy needs"):
        OpenLoopPolicy(OpenLoopConfig("expressions"))


def test_the_table_learns_stage_0_with_the_book_loss():
    config = TrainConfig(policy="open-loop", lr=0.1, device="cpu",
                         max_episodes=30_720, eval_size=200,
                         final_eval_size=500)
    result = train(config)
    assert result.accuracy == [1.0, 1.0, 1.0]
