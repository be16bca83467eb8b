"""Tests for agent.train: a seeded run learns, its records, the CLI."""

import inspect
import json
import subprocess
import sys

import pytest
import torch

from agentlib import cli
from agentlib.agent.train import TrainConfig, train, train_live
from agentlib.errors import AgentlibError

SHORT = dict(device="cpu", final_eval_size=1_000, eval_size=200)


def test_a_short_seeded_run_learns_stage_0():
    result = train(TrainConfig(seed=0, max_episodes=5_120, **SHORT))
    assert result.accuracy[0] >= 0.99
    assert result.history[-1]["stage"] >= 1  # promoted on mastery
    assert result.episodes == 5_120 and result.updates == 20


def test_the_same_seed_gives_the_same_numbers():
    runs = [train(TrainConfig(seed=3, max_episodes=2_560, **SHORT))
            for _ in range(2)]
    assert runs[0].history == runs[1].history
    assert runs[0].accuracy == runs[1].accuracy


def test_history_has_one_record_per_update_and_calls_back():
    seen = []
    result = train(TrainConfig(max_episodes=1_280, eval_every=2, **SHORT),
                   callback=seen.append)
    assert [r["update"] for r in result.history] == [1, 2, 3, 4, 5]
    assert [r["episodes"] for r in result.history][-1] == 1_280
    assert seen == [result.history[1], result.history[3]]
    record = seen[-1]
    assert len(record["accuracy"]) == 3 and len(record["stage_mix"]) == 3
    for key in ("reward", "exact", "pg_loss", "v_loss", "entropy",
                "loss", "grad_norm"):
        assert isinstance(record[key], float)
    json.dumps(result.history)


def test_the_fixed_curriculum_follows_the_articles_schedule():
    config = TrainConfig(curriculum="fixed", max_episodes=6 * 64,
                         batch_size=64, eval_every=6, **SHORT)
    stages = [r["stage"] for r in train(config).history]
    assert stages == [0, 0, 0, 1, 1, 2]
    assert all(r["stage_mix"][r["stage"]] == 1.0
               for r in train(config).history)


@pytest.mark.parametrize("shaping", ["none", "answer", "progress"])
def test_each_shaping_and_the_group_baseline_run(shaping):
    config = TrainConfig(shaping=shaping, baseline="loo", max_episodes=512,
                         eval_every=2, **SHORT)
    assert len(train(config).accuracy) == 3


def test_a_device_that_is_not_there_is_a_clear_error():
    with pytest.raises(AgentlibError, match="unknown device"):
        train(TrainConfig(device="tpu"))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU")
def test_a_short_run_on_cuda():
    result = train(TrainConfig(seed=0, max_episodes=5_120, device="cuda",
                               final_eval_size=1_000, eval_size=200))
    assert result.device.startswith("cuda") and result.accuracy[0] >= 0.99


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU")
def test_a_short_run_replayed_from_cuda_graphs_learns():
    result = train(TrainConfig(seed=0, max_episodes=10_240, device="cuda",
                               cuda_graph=True, final_eval_size=1_000,
                               eval_size=200))
    assert result.accuracy[0] >= 0.99 and result.updates > 3
    assert set(result.history[-1]) >= {"loss", "grad_norm", "reward"}


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_cuda_graphs_on_the_cpu_are_a_clear_error():
    with pytest.raises(AgentlibError, match="cuda_graph needs a CUDA"):
        train(TrainConfig(cuda_graph=True, **SHORT))


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """Run ``python -m agentlib train ARGS`` and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "agentlib", "train", *args],
        capture_output=True, text=True, timeout=300,
    )


def test_cli_trains_and_ends_with_one_json_line():
    result = run_cli("--seed", "0", "--device", "cpu", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"accuracy", "episodes", "updates", "seconds", "device",
            "seed"} <= set(summary)
    assert summary["seed"] == 0 and summary["device"] == "cpu"
    assert len(summary["accuracy"]) == 3
    assert min(summary["accuracy"]) >= 0.995
    assert summary["episodes"] <= 300_000


@pytest.mark.parametrize(
    "args", [["--seed", "-1"], ["--seed", "x"], ["--device", "tpu"],
             ["--shaping", "dense"], ["--batch-size", "0"],
             ["--device", "cpu", "--cuda-graph"]],
)
def test_cli_bad_arguments_exit_2_with_a_message(args, capsys):
    # in this process (a subprocess per case cost 3 s of torch import);
    # tests/test_cli.py runs the real command line
    try:
        status = cli.main(["train", *args])
    except SystemExit as argparse_exit:  # argparse's own refusals
        status = argparse_exit.code
    assert status == 2
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err
    assert len(err.strip().splitlines()[-1]) > len("error:")


def test_train_is_a_command():
    assert "train" in cli.COMMANDS


def test_cli_batch_size_sets_episodes_per_update():
    result = run_cli("--device", "cpu", "--batch-size", "64",
                     "--max-episodes", "640", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["updates"] == 10 and summary["episodes"] == 640


def test_train_live_trains_the_defaults_with_changes(capsys):
    result = train_live("short", max_episodes=1_280, eval_every=5, **SHORT)
    assert result.config == TrainConfig(max_episodes=1_280, eval_every=5,
                                        **SHORT)
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("short: update 5 | 1,280 episodes")


FIRST_TASK_RUNS = {  # measured before the task interface existed
    1: ([1.0, 0.106, 0.202], [1.223633, 1.312988, 1.245117], -0.299056),
    2: ([1.0, 0.118, 0.192], [1.572266, 1.722656, 1.845703], -0.024204),
}


@pytest.mark.parametrize("seed", sorted(FIRST_TASK_RUNS))
def test_the_first_task_trains_exactly_as_before_the_interface(seed):
    accuracy, rewards, loss = FIRST_TASK_RUNS[seed]
    result = train(TrainConfig(seed=seed, device="cpu", max_episodes=5120,
                               eval_every=5, eval_size=200,
                               final_eval_size=500))
    assert result.accuracy == accuracy
    assert [round(h["reward"], 6) for h in result.history[-3:]] == rewards
    assert round(result.history[-1]["loss"], 6) == loss


def test_the_expression_task_trains_through_the_same_loop():
    config = TrainConfig.for_task("expressions", device="cpu",
                                  max_episodes=2560, final_eval_size=100)
    result = train(config)
    assert len(result.accuracy) == 4 and len(result.held_out_accuracy) == 5
    summary = result.summary()
    assert list(summary["accuracy"]) == ["2", "3", "4", "5"]
    assert list(summary["generalization"]) == list(
        summary["generalization_sampled"]) == ["6", "8", "16", "32", "64"]
    assert summary["task"] == "expressions"


def test_the_loop_fits_on_one_screen():
    assert len(inspect.getsource(train).splitlines()) <= 40


def test_a_stop_hook_sees_each_evaluation_after_promotion_and_ends_it():
    config = TrainConfig(device="cpu", max_episodes=25_600, eval_size=100,
                         final_eval_size=100)
    seen = []

    def stop(run, record):
        seen.append((record["update"], run.stage))
        return len(seen) == 2

    result = train(config, stop=stop)
    assert [update for update, _ in seen] == [10, 20]
    assert result.updates == 20 == len(result.history)
    assert [record["update"] for record in result.history
            if "accuracy" in record] == [10, 20]


def test_a_hook_that_never_stops_leaves_the_budget_to_the_config():
    config = TrainConfig(device="cpu", max_episodes=5_120, eval_size=100,
                         final_eval_size=100, stop_threshold=1.01)
    result = train(config, stop=lambda run, record: False)
    assert result.updates == config.num_updates == 20
