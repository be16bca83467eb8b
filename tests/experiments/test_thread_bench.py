"""Tests for experiments.thread_bench: the thread measurement's logic."""

import json

import pytest
import torch

from agentlib import cli
from agentlib.experiments import thread_bench
from agentlib.threads import cpu_threads


def fake_seconds(threads: int, seed: int) -> float:
    """What the real one returns, made up: 1 thread 3 s, 2 threads 5 s."""
    assert torch.get_num_threads() >= 1
    return {1: 3.0, 2: 5.0}[threads]


def test_measure_times_each_setting_in_turn_beside_spinners(monkeypatch):
    calls = []

    def recording(threads: int, seed: int) -> float:
        calls.append(threads)
        return fake_seconds(threads, seed)

    monkeypatch.setattr(thread_bench, "train_seconds", recording)
    assert thread_bench.measure(runs=3, busy=1, seed=0) == {"1": 3.0,
                                                             "2": 5.0}
    assert calls == [1, 2, 1, 2, 1, 2]  # in turn, so drift hits both


def test_train_seconds_runs_on_the_asked_threads(monkeypatch):
    seen = []

    class Result:
        seconds = 1.5

    def fake_train(config):  # train() runs inside cpu_threads(), so
        with cpu_threads():  # this is what its updates would run on
            seen.append(torch.get_num_threads())
        return Result()

    monkeypatch.setattr(thread_bench, "train", fake_train)
    before = torch.get_num_threads()
    assert thread_bench.train_seconds(2, seed=0) == 1.5
    assert seen == [2] and torch.get_num_threads() == before


def test_the_command_prints_medians_and_one_json_line(monkeypatch,
                                                       capsys):
    monkeypatch.setattr(thread_bench, "train_seconds", fake_seconds)
    assert cli.main(["threads", "--runs", "1", "--busy", "0",
                     "--json"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[1] == "    idle:    3.0 s |    5.0 s"
    assert json.loads(lines[-1]) == {"idle": {"1": 3.0, "2": 5.0},
                                     "0 busy": {"1": 3.0, "2": 5.0}}


@pytest.mark.parametrize("args, message", [
    (["--runs", "0"], "--runs must be an integer >= 1"),
    (["--busy", "-1"], "--busy must be an integer >= 0"),
    (["--seed", "-1"], "seed must be an integer >= 0"),
])
def test_bad_flags_are_refused_before_any_run(monkeypatch, capsys, args,
                                              message):
    monkeypatch.setattr(thread_bench, "train_seconds", fake_seconds)
    assert cli.main(["threads", *args]) == 2
    assert message in capsys.readouterr().err
