"""Tests for experiments.probes: linear probes of the agent's state."""

import torch

from agentlib.agent.model import ActorCritic, ActorCriticConfig
from agentlib.experiments import probes
from agentlib.tasks import expressions as ex


def test_a_probe_reads_a_linear_feature_and_not_noise():
    generator = torch.Generator().manual_seed(0)
    labels = torch.randint(0, 2, (400,), generator=generator)
    features = 0.1 * torch.randn(400, 5, generator=generator)
    features[:, 2] += 4 * labels - 2  # one direction carries the label
    assert probes.probe_accuracy(features, labels) == 1.0
    noise = torch.randint(0, 2, (400,), generator=generator)
    assert probes.probe_accuracy(features, noise) < 0.65


def test_pending_sign_rows_line_up():
    torch.manual_seed(0)
    model = ActorCritic(ActorCriticConfig(d_model=8, use_stage=False,
                                          task="expressions"))
    problems = ex.sample_problems(torch.full((64,), 3), 64,
                                  torch.Generator().manual_seed(1),
                                  horizon=ex.budget(5))
    data = probes.pending_sign_data(model, problems)
    rows = len(data["sign"])
    assert data["h"].shape == (rows, 8) and data["obs"].shape == (rows, 4)
    assert set(data["sign"].tolist()) <= {0, 1}
    assert probes.one_hot_obs(data["obs"]).sum(1).tolist() == [4.0] * rows


def test_collinear_one_hot_features_give_one_fit():
    # two one-hot groups: each group's columns sum to the bias column,
    # so plain least squares has many solutions; the ridge picks one
    generator = torch.Generator().manual_seed(0)
    first = torch.randint(0, 3, (300,), generator=generator)
    second = torch.randint(0, 3, (300,), generator=generator)
    features = torch.cat([torch.nn.functional.one_hot(first, 3),
                          torch.nn.functional.one_hot(second, 3)], 1)
    labels = (first == 1).long()
    assert probes.probe_accuracy(features.float(), labels) == 1.0
    doubled = torch.cat([features, features], 1).float()  # exact copies
    assert probes.probe_accuracy(doubled, labels) == 1.0
