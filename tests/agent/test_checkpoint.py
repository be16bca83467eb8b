"""Tests for agent.checkpoint: round trip and files that are not ours."""

import pytest
import torch

from agentlib.agent import a2c, checkpoint
from agentlib.agent.model import ActorCritic, ActorCriticConfig
from agentlib.errors import AgentlibError
from agentlib.tasks import arithmetic


def greedy_actions(model: ActorCritic) -> torch.Tensor:
    """Greedy actions of ``model`` on a fixed batch of problems."""
    generator = torch.Generator().manual_seed(0)
    problems = arithmetic.sample_problems(2, 16, generator)
    with torch.no_grad():
        rollout = a2c.rollout(model, problems, arithmetic.score, greedy=True)
        return rollout.action


def test_round_trip_keeps_config_and_decisions(tmp_path):
    torch.manual_seed(0)
    model = ActorCritic(ActorCriticConfig(d_model=16, use_stage=False))
    path = checkpoint.save(model, tmp_path / "agent.pt")
    loaded = checkpoint.load(path, device="cpu")
    assert loaded.config == model.config
    assert not loaded.training
    assert torch.equal(greedy_actions(loaded), greedy_actions(model))


def test_missing_file_is_named(tmp_path):
    with pytest.raises(AgentlibError, match="no checkpoint"):
        checkpoint.load(tmp_path / "absent.pt")


def test_a_text_file_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "notes.pt"
    path.write_text("hello")
    with pytest.raises(AgentlibError, match="not a torch checkpoint"):
        checkpoint.load(path)


def test_another_programs_torch_file_is_refused(tmp_path):
    path = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(3)}, path)
    with pytest.raises(AgentlibError, match="not an agentlib"):
        checkpoint.load(path)


@pytest.mark.parametrize("version", [99, True])  # True == 1, not ours
def test_another_version_is_refused(tmp_path, version):
    path = checkpoint.save(ActorCritic(ActorCriticConfig(d_model=8)),
                           tmp_path / "a.pt")
    data = torch.load(path, weights_only=True)
    torch.save({**data, "version": version}, path)
    with pytest.raises(AgentlibError, match=f"version {version}"):
        checkpoint.load(path)


def test_weights_of_another_shape_are_refused_naming_a_mismatch(
    tmp_path,
):
    path = checkpoint.save(ActorCritic(ActorCriticConfig(d_model=8)),
                           tmp_path / "a.pt")
    data = torch.load(path, weights_only=True)
    data["config"]["d_model"] = 16
    torch.save(data, path)
    with pytest.raises(AgentlibError,
                       match="do not fit .*size mismatch for"):
        checkpoint.load(path)


def test_saving_to_a_directory_is_a_clear_error(tmp_path):
    model = ActorCritic(ActorCriticConfig(d_model=8))
    with pytest.raises(AgentlibError, match="it is a directory"):
        checkpoint.save(model, tmp_path)
    (tmp_path / "file").write_text("x")
    with pytest.raises(AgentlibError, match="cannot write a checkpoint"):
        checkpoint.save(model, tmp_path / "file" / "agent.pt")


@pytest.mark.parametrize("key, value", [("use_stage", "no"),
                                        ("allow_digit_actions", 2),
                                        ("d_model", "8")])
def test_a_config_of_the_wrong_types_is_refused(tmp_path, key, value):
    path = checkpoint.save(ActorCritic(ActorCriticConfig(d_model=8)),
                           tmp_path / "a.pt")
    data = torch.load(path, weights_only=True)
    data["config"][key] = value  # 2 digit actions once gave 26 actions
    torch.save(data, path)
    with pytest.raises(AgentlibError, match=f"not an agent's: {key} must"):
        checkpoint.load(path)
