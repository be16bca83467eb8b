"""Tests for agentlib.bench: the speed-up arithmetic and the command."""

import json

import pytest
import torch

from agentlib import bench, cli

CPU = torch.device("cpu")


def row(impl: str, batch: int, rate: float) -> dict:
    """A fake measurement with the same rate for all three figures."""
    return {"impl": impl, "batch": batch, "machine_eps": rate,
            "rollout_eps": rate, "train_eps": rate / 2}


def test_speedups_compare_best_against_best_and_same_batch():
    rows = [row("article", 192, 100.0), row("article", 1024, 50.0),
            row("engine", 192, 300.0), row("engine", 4096, 2000.0)]
    result = bench.summarise(rows, CPU, repeats=3)
    assert result["rollout_speedup"] == pytest.approx(20.0)
    assert result["train_speedup"] == pytest.approx(20.0)
    assert result["machine_speedup"] == pytest.approx(20.0)
    assert result["rollout_speedup_same_batch"] == pytest.approx(3.0)
    assert result["engine_rollout_eps"] == 2000.0


def test_rate_is_the_median_of_the_repeats(monkeypatch):
    times = iter([0.0, 1.0, 1.0, 2.0, 2.0, 6.0])
    monkeypatch.setattr(bench.time, "perf_counter", lambda: next(times))
    # durations 1, 1, 4 (after the warm-up call): median 1 s for 10 eps
    assert bench.episodes_per_second(lambda: None, 10, CPU, 3) == 10.0


def test_machines_of_both_implementations_run_random_programs():
    art = bench.original.make_article(seed=0)
    bench.article_machine(art, 8)
    bench.engine_machine(8, torch.Generator().manual_seed(0), CPU)


def test_bench_command_ends_with_one_json_line(monkeypatch, capsys):
    monkeypatch.setattr(bench, "default_batches",
                        lambda device: ([bench.ARTICLE_BATCH],
                                        [bench.ARTICLE_BATCH, 256]))
    assert cli.main(["bench", "--device", "cpu", "--repeats", "1",
                     "--json"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    result = json.loads(last)
    for key in ("rollout_speedup", "train_speedup", "device",
                "article_rollout_eps", "engine_rollout_eps"):
        assert key in result
    assert result["device"] == "cpu" and len(result["rows"]) == 3


def test_bench_rejects_zero_repeats(capsys):
    assert cli.main(["bench", "--repeats", "0"]) == 2
    assert "--repeats" in capsys.readouterr().err


def test_compiled_rollout_reports_a_rate_or_its_error():
    rate, seconds = bench.compiled_rollout_rate(64, CPU, repeats=1)
    assert seconds > 0
    assert (isinstance(rate, float) and rate > 0) or isinstance(rate, str)


def test_format_table_shows_syncs_and_compile_lines():
    rows = [row("article", 192, 100.0), row("engine", 192, 300.0)]
    result = bench.summarise(rows, torch.device("cpu"), repeats=1)
    result.update(device="cuda", step_loop_syncs=None,
                  compiled_rollout_eps={"192": 900.0, "4096": "Err: x"},
                  compile_seconds={"192": 2.5})
    table = bench.format_table(result)
    assert "host-device syncs in a rollout and an update: none" in table
    assert "batch 192: 900 ep/s (compiled in 2.5 s)" in table
    assert "batch 4,096: Err: x" in table


def test_gru_matmul_rate_is_a_positive_figure():
    assert bench.gru_matmul_gflops(CPU, d_model=8, batch=64, repeats=1) > 0
