"""Tests for experiments.bench_report: speed-ups, targets, the table."""

import pytest
import torch

from agentlib.experiments import bench_report
from tests.experiments.test_bench import CPU, row


def test_speedups_compare_best_against_best_and_same_batch():
    rows = [row("article", 192, 100.0), row("article", 1024, 50.0),
            row("engine", 192, 300.0), row("engine", 4096, 2000.0)]
    result = bench_report.summarise(rows, CPU, repeats=3)
    assert result["rollout_speedup"] == pytest.approx(20.0)
    assert result["train_speedup"] == pytest.approx(20.0)
    assert result["machine_speedup"] == pytest.approx(20.0)
    assert result["rollout_speedup_same_batch"] == pytest.approx(3.0)
    assert result["engine_rollout_eps"] == 2000.0



def test_format_table_shows_targets_and_compile_lines():
    rows = [row("article", 192, 100.0), row("engine", 192, 300.0)]
    result = bench_report.summarise(rows, torch.device("cpu"), repeats=1)
    result.update(device="cuda", step_loop_syncs=None,
                  compiled_rollout_eps={"192": 900.0, "4096": "Err: x"},
                  compile_seconds={"192": 2.5})
    table = bench_report.format_table(result)
    assert ("target: no host-device sync in a rollout or an update: "
            "none, met") in table
    assert ("target: at least 1,000,000 rollout episodes/s on a GPU: "
            "300, not met") in table
    assert "batch 192: 900 ep/s (compiled in 2.5 s)" in table
    assert "batch 4,096: Err: x" in table



def test_cpu_target_is_a_hundredfold_rollout():
    slow = bench_report.summarise([row("article", 192, 100.0),
                            row("engine", 192, 9_000.0)], CPU, 1)
    fast = bench_report.summarise([row("article", 192, 100.0),
                            row("engine", 192, 10_000.0)], CPU, 1)
    assert bench_report.targets(slow) == [
        ("rollout at least 100x the article's loop on a CPU: 90x", False)]
    assert bench_report.targets(fast)[0][1] is True



def test_gpu_targets_say_what_was_not_checked():
    result = bench_report.summarise([row("article", 192, 100.0),
                              row("engine", 192, 2e6)], CPU, 1)
    result["device"] = "cuda"
    assert len(bench_report.targets(result)) == 1  # no sync check stored
    result["step_loop_syncs"] = "called .item()"
    assert bench_report.targets(result)[1] == (
        "no host-device sync in a rollout or an update: called .item()",
        False)



def test_ceiling_speedup_over_the_article_by_hand():
    result = bench_report.summarise([row("article", 192, 100.0),
                              row("engine", 192, 300.0)], CPU, 1)
    assert bench_report.ceiling_speedups(result) == {}  # stored before it
    # 24.576 GFLOP/s over 2 steps of 24,576 FLOPs: 500,000 episodes/s,
    # 5,000 times the article's 100; bfloat16 twice that
    result.update(gru_matmul_gflops=24.576, gru_matmul_gflops_bf16=49.152,
                  mean_steps=2.0)
    speedups = bench_report.ceiling_speedups(result)
    assert speedups == pytest.approx({"float32": 5e3, "bfloat16": 1e4})
    assert ("arithmetic ceiling of any rollout at 2.00 steps an episode: "
            "5,000x the article's loop in float32, 10,000x the article's "
            "loop in bfloat16") in bench_report.format_table(result)
