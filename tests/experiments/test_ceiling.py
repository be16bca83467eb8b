"""Tests for experiments.ceiling: the rollout's arithmetic bound."""

import pytest
import torch

from agentlib.errors import AgentlibError
from agentlib.experiments import ceiling
from tests.agent.test_a2c import SOLUTIONS, Oracle

CPU = torch.device("cpu")


def test_recurrent_product_of_a_64_wide_gru_by_hand():
    # (64) @ (64, 192): 12,288 multiplies and as many adds
    assert ceiling.recurrent_flops(64) == 24_576


def test_ceiling_divides_speed_by_unavoidable_work():
    # 24.576 GFLOP/s / (2 steps * 24,576 FLOPs) = 500,000 episodes/s
    assert ceiling.ceiling_eps(24.576, 2.0, 64) == pytest.approx(5e5)
    assert ceiling.ceiling_eps(24.576, 4.0, 64) == pytest.approx(2.5e5)


@pytest.mark.parametrize("programs, stage, steps", [
    (("MUL ADD ANS",) * 3, 2, 3.0),  # ANS ends the episode
    (("MUL ANS",) * 3, 0, 2.0),
    (SOLUTIONS, 2, 6.0), (SOLUTIONS, 1, 4.0)])
def test_mean_steps_counts_the_steps_to_the_end_by_hand(
        monkeypatch, programs, stage, steps):
    monkeypatch.setattr(ceiling, "make_agent",
                        lambda config, device: (Oracle(programs), None))
    assert ceiling.mean_steps(CPU, stage=stage, batch=64) == steps


def test_mean_steps_of_the_untrained_agent_is_seeded():
    steps = ceiling.mean_steps(CPU, stage=2, batch=256)
    assert ceiling.mean_steps(CPU, stage=2, batch=256) == steps


def test_dtypes_go_by_name_or_value_and_nothing_else():
    assert ceiling.check_dtype("bfloat16") is torch.bfloat16
    assert ceiling.check_dtype(torch.float32) is torch.float32
    with pytest.raises(AgentlibError, match="float32, bfloat16"):
        ceiling.check_dtype(torch.float16)


def test_bad_devices_sizes_and_stages_are_clear_errors():
    with pytest.raises(AgentlibError, match="unknown device"):
        ceiling.mean_steps("gpu")
    with pytest.raises(AgentlibError, match="stage"):
        ceiling.mean_steps(CPU, stage=3)
    with pytest.raises(AgentlibError, match="batch"):
        ceiling.mean_steps(CPU, batch=0)
