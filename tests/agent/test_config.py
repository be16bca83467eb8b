"""Tests for agent.config: a config is checked once, when made."""

import dataclasses

import pytest

from agentlib.agent.config import TrainConfig, check_config
from agentlib.errors import AgentlibError


@pytest.mark.parametrize(
    "changes, message",
    [({"shaping": "dense"}, "unknown shaping"),
     ({"curriculum": "random"}, "unknown curriculum"),
     ({"baseline": "mean"}, "unknown baseline"),
     ({"seed": -1}, "seed"),
     ({"max_episodes": 10}, "one update"),
     ({"baseline": "loo", "group_size": 5}, "group_size")],
)
def test_bad_configs_are_refused_when_made(changes, message):
    with pytest.raises(AgentlibError, match=message):
        TrainConfig(**changes)


@pytest.mark.parametrize(
    "changes, message",
    [({"promote_threshold": 98}, r"promote_threshold must be .* \[0, 1\]"),
     ({"replay": 25}, "replay must be"),
     ({"stop_threshold": 0.0}, "stop_threshold must be a finite number > 0"),
     ({"sampled_threshold": 0.0}, "sampled_threshold must be"),
     ({"check_sampled": False}, "reads the sampled policy's checks"),
     ({"check_sampled": 1}, "check_sampled must be"),
     ({"value_coef": -0.5}, "value_coef must be a finite number >= 0"),
     ({"progress_scale": -1.5}, "progress_scale must be"),
     ({"wrong_cost": -1.0}, "wrong_cost must be"),
     ({"gamma": -1.0}, "gamma must be"),
     ({"entropy_coef": -0.15}, "entropy_coef must be a finite number >= 0"),
     ({"max_grad_norm": 0.0}, "max_grad_norm must be a finite number > 0"),
     ({"lr": -1e-3}, "lr must be a finite number > 0"),
     ({"d_model": 0}, "d_model must be an integer >= 1, got 0"),
     ({"eval_size": -1}, "eval_size must be"),
     ({"final_eval_size": -1}, "final_eval_size must be"),
     ({"n_step": -1}, "n_step must be an integer >= 0"),
     ({"n_step": 2, "gae_lambda": 0.9}, "both bootstrap"),
     ({"gae_lambda": 1.5}, r"gae_lambda must be a number in \[0, 1\]"),
     ({"policy": "table"}, "unknown policy"),
     ({"policy": "open-loop", "task": "expressions",
       "use_stage": False}, "open-loop policy needs"),
     ({"batch_size": 256.0}, "batch_size must be an integer"),
     ({"eval_every": True}, "eval_every must be an integer"),
     ({"max_episodes": 2_000}, "7 updates .* one evaluation"),
     ({"seed": 2**64}, "seed must be an integer >= 0 and < 2"),
     ({"seed": 2**64 - 10_000}, "seed must be"),
     ({"lr": float("inf")}, "lr must be a finite number > 0, got inf"),
     ({"lr": float("nan")}, "lr must be a finite number"),
     ({"entropy_coef": float("inf")}, "entropy_coef must be a finite"),
     ({"entropy_final": -0.01}, "entropy_final must be a finite number"),
     ({"entropy_final": 0.0, "cuda_graph": True}, "a CUDA graph cannot"),
     ({"gamma": float("nan")}, r"gamma must be a number in \[0, 1\]"),
     ({"use_stage": "no"}, "use_stage must be True or False, got 'no'"),
     ({"allow_digit_actions": 2}, "allow_digit_actions must be True or"),
     ({"cuda_graph": 1}, "cuda_graph must be True or False")],
)
def test_out_of_range_configs_are_refused_when_made(changes, message):
    with pytest.raises(AgentlibError, match=message):
        TrainConfig(**changes)


def test_the_largest_seed_and_the_edges_of_ranges_pass():
    edges = TrainConfig(seed=2**64 - 10_001, gamma=0.0, replay=1.0,
                        entropy_coef=0.0, max_episodes=2_560,
                        stop_threshold=1.01)  # never stops early
    assert check_config(edges) == edges


def test_check_config_accepts_the_defaults():
    assert check_config(TrainConfig()) == TrainConfig()


def test_a_changed_config_is_checked_again():
    with pytest.raises(AgentlibError, match="unknown shaping 'terms'"):
        dataclasses.replace(TrainConfig(), shaping="terms")
    assert TrainConfig.for_task("expressions").shaping == "terms"


def test_a_stage_embedding_cannot_serve_held_out_lengths():
    with pytest.raises(AgentlibError, match="use_stage=False"):
        TrainConfig(task="expressions", use_stage=True)


def test_the_model_config_is_the_network_s_part():
    config = TrainConfig(d_model=32, policy="digit-blind").model_config()
    assert (config.d_model, config.use_stage, config.reads_digits,
            config.task) == (32, True, False, "arithmetic")




def test_the_entropy_weight_falls_in_a_line_to_entropy_final():
    config = TrainConfig(entropy_coef=0.05, entropy_final=0.01,
                         max_episodes=100_000)
    # by hand: 0.05 + (0.01 - 0.05) * done, done capped at 1
    assert config.entropy_weight(0) == 0.05
    assert config.entropy_weight(50_000) == pytest.approx(0.03)
    assert config.entropy_weight(75_000) == pytest.approx(0.02)
    assert config.entropy_weight(100_000) == pytest.approx(0.01)
    assert config.entropy_weight(150_000) == pytest.approx(0.01)


def test_without_entropy_final_the_weight_stays_put():
    config = TrainConfig(entropy_coef=0.05)
    assert {config.entropy_weight(n) for n in (0, 10**5, 10**7)} == {0.05}


def test_the_step_agent_anneals_its_entropy_and_the_reader_does_not():
    step = TrainConfig.for_task("expressions")
    reader = TrainConfig.for_task("expressions", policy="reader")
    assert (step.entropy_coef, step.entropy_final) == (0.05, 0.0)
    assert (reader.entropy_coef, reader.entropy_final) == (0.05, None)
    assert TrainConfig.for_task("arithmetic").entropy_final is None


def test_the_step_agent_takes_batches_of_512_and_the_reader_256():
    step = TrainConfig.for_task("expressions")
    reader = TrainConfig.for_task("expressions", policy="reader")
    assert (step.batch_size, step.max_episodes, step.num_updates) == (
        512, 110_000, 214)
    assert (reader.batch_size, reader.max_episodes,
            reader.num_updates) == (256, 100_000, 390)
    assert TrainConfig.for_task("arithmetic").batch_size == 256


def test_a_change_overrides_the_policy_s_defaults():
    config = TrainConfig.for_task("expressions", policy="reader",
                                  entropy_final=0.0)
    assert config.entropy_final == 0.0
