"""Tests for experiments.bench: the speed-up arithmetic and the command."""

import json

import pytest
import torch

from agentlib import cli
from agentlib.errors import AgentlibError
from agentlib.experiments import bench, bench_report

CPU = torch.device("cpu")


def row(impl: str, batch: int, rate: float) -> dict:
    """A fake measurement with the same rate for all three figures."""
    return {"impl": impl, "batch": batch, "machine_eps": rate,
            "rollout_eps": rate, "train_eps": rate / 2}


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
                     "--runs", "1", "--json"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    result = json.loads(last)
    for key in ("rollout_speedup", "train_speedup", "device",
                "article_rollout_eps", "engine_rollout_eps"):
        assert key in result
    assert result["device"] == "cpu" and len(result["rows"]) == 3
    assert 1 <= result["mean_steps"] <= bench.arithmetic.MAX_STEPS
    assert [target["met"] for target in result["targets"]] == [
        result["rollout_speedup"] >= 100]


def test_the_json_summary_is_printed_before_saving(
    monkeypatch, capsys, tmp_path
):
    monkeypatch.setattr(bench, "default_batches",
                        lambda device: ([bench.ARTICLE_BATCH],
                                        [bench.ARTICLE_BATCH]))

    def full_disk(result, path):
        raise AgentlibError(f"cannot write figures to {path}: disk full")

    monkeypatch.setattr(bench.measured, "save", full_disk)
    assert cli.main(["bench", "--device", "cpu", "--repeats", "1",
                     "--runs", "1", "--json",
                     "--out", str(tmp_path / "b.json")]) == 2
    captured = capsys.readouterr()
    assert "disk full" in captured.err
    summary = json.loads(captured.out.strip().splitlines()[-1])
    assert summary["device"] == "cpu"  # the run is not lost


def test_bench_rejects_zero_repeats(capsys):
    assert cli.main(["bench", "--repeats", "0"]) == 2
    assert "--repeats" in capsys.readouterr().err


def test_compiled_rollout_reports_a_rate_or_its_error():
    rate, seconds = bench.compiled_rollout_rate(64, CPU, repeats=1,
                                                cold=False)
    assert seconds > 0
    assert (isinstance(rate, float) and rate > 0) or isinstance(rate, str)


def test_bench_refuses_an_out_path_before_measuring(tmp_path, capsys):
    assert cli.main(["bench", "--device", "cpu", "--out",
                     str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err


def run_figures(rate: float, syncs: str | None = None) -> dict:
    """One fake run of measure_once, every rate and figure ``rate``."""
    return {"rows": [row("article", 192, rate), row("engine", 192, rate)],
            "step_loop_syncs": syncs, "gru_matmul_gflops": rate,
            "gru_matmul_gflops_bf16": rate, "mean_steps": 4.0,
            "compiled_rollout_eps": {"192": rate},
            "compile_seconds": {"192": rate}}


def test_runs_combine_into_the_median_of_each_figure():
    runs = [run_figures(1.0), run_figures(50.0, "sync!"),
            run_figures(3.0)]
    runs[2]["compiled_rollout_eps"]["192"] = "Err: x"
    combined = bench.combine(runs)
    assert [r["rollout_eps"] for r in combined["rows"]] == [3.0, 3.0]
    assert combined["gru_matmul_gflops"] == 3.0
    assert combined["compile_seconds"] == {"192": 1.0}  # the cold run
    assert combined["compiled_rollout_eps"] == {"192": "Err: x"}
    assert combined["step_loop_syncs"] == "sync!"  # any sync is kept


def test_measure_reports_the_number_of_runs(monkeypatch):
    monkeypatch.setattr(bench, "measure_once",
                        lambda device, repeats, compile_too, cold:
                        run_figures(2.0))
    result = bench.measure(CPU, repeats=1, runs=2)
    assert result["runs"] == 2 and result["rollout_speedup"] == 1.0
    assert "median of 1 timings, then of 2 runs" in (
        bench_report.format_table(result))


def test_cold_compiles_start_from_an_empty_cache_folder():
    with bench.empty_compiler_caches():
        folder = bench.os.environ["TORCHINDUCTOR_CACHE_DIR"]
        assert bench.os.listdir(folder) == []
    assert not bench.os.path.exists(folder)


@pytest.mark.parametrize("dtype", ["float32", torch.bfloat16])
def test_gru_matmul_speed_is_a_positive_figure(dtype):
    assert bench.gru_matmul_gflops(CPU, dtype, d_model=8, batch=64,
                                   repeats=2) > 0


def test_gru_matmul_rejects_bad_dtypes_devices_and_sizes():
    with pytest.raises(bench.AgentlibError, match="dtype"):
        bench.gru_matmul_gflops("cpu", "half")
    with pytest.raises(bench.AgentlibError, match="unknown device"):
        bench.gru_matmul_gflops("gpu")
    with pytest.raises(bench.AgentlibError, match="positive"):
        bench.gru_matmul_gflops(CPU, repeats=0)
