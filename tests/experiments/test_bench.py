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


def test_each_machine_scores_a_batch_of_random_six_tool_programs(
        monkeypatch):
    art = bench.original.make_article(seed=0)
    played = []
    real = art.env.step_seq
    art.env.step_seq = lambda actions, abc, stage: (
        played.append((actions, stage)) or real(actions, abc, stage))
    bench.article_machine(art, 8)
    assert len(played) == 8  # one episode at a time
    for actions, stage in played:
        assert stage == 2 and len(actions) == 6
        assert set(actions) <= set(bench.ARTICLE_TOOLS)
    batches = []
    real_run = bench.arithmetic.run_programs
    monkeypatch.setattr(bench.arithmetic, "run_programs",
                        lambda problems, actions: batches.append(
                            (problems, actions)) or real_run(problems,
                                                             actions))
    bench.engine_machine(8, torch.Generator().manual_seed(0), CPU)
    [(problems, actions)] = batches  # one tensor batch
    assert problems.stage.tolist() == [2] * 8
    assert actions.shape == (8, 6)
    assert 0 <= actions.min() and actions.max() < len(bench.ARTICLE_TOOLS)


def test_bench_command_ends_with_one_json_line(monkeypatch, capsys):
    # made-up rates, so that every figure of the summary is known
    monkeypatch.setattr(bench, "default_batches",
                        lambda device: ([bench.ARTICLE_BATCH],
                                        [bench.ARTICLE_BATCH, 256]))
    monkeypatch.setattr(bench, "article_rates",
                        lambda batch, device, repeats: (100.0, 100.0, 50.0))
    monkeypatch.setattr(bench, "engine_rates",
                        lambda batch, device, repeats: (
                            10.0 * batch, 10.0 * batch, 5.0 * batch))
    monkeypatch.setattr(bench, "arithmetic_ceiling", lambda device: {
        "gru_matmul_gflops": 24.576, "gru_matmul_gflops_bf16": 49.152,
        "mean_steps": 2.0})
    assert cli.main(["bench", "--device", "cpu", "--repeats", "1",
                     "--runs", "1", "--json"]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    result = json.loads(last)
    assert result["device"] == "cpu" and len(result["rows"]) == 3
    # best against best: 2,560 / 100; at the article's batch 1,920 / 100
    assert result["rollout_speedup"] == pytest.approx(25.6)
    assert result["rollout_speedup_same_batch"] == pytest.approx(19.2)
    assert result["train_speedup"] == pytest.approx(25.6)
    assert result["step_loop_syncs"] is None  # not checked on a CPU
    assert result["mean_steps"] == 2.0
    assert result["targets"] == [{
        "target": "rollout at least 100x the article's loop on a CPU: 26x",
        "met": False}]


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


def test_a_compiler_failure_is_reported_as_the_figure(monkeypatch):
    def fail(function, **options):
        raise RuntimeError("no compiler here\nand a second line")

    monkeypatch.setattr(bench.torch, "compile", fail)
    rate, seconds = bench.compiled_rollout_rate(64, CPU, repeats=1,
                                                cold=False)
    assert rate == "RuntimeError: no compiler here" and seconds >= 0


def test_a_compiled_rollout_is_timed_like_an_eager_one(monkeypatch):
    timed = []
    monkeypatch.setattr(bench.torch, "compile",
                        lambda function, **options: function)
    monkeypatch.setattr(bench, "episodes_per_second",
                        lambda run, episodes, device, repeats:
                        timed.append((episodes, repeats)) or 123.0)
    rate, seconds = bench.compiled_rollout_rate(64, CPU, repeats=3,
                                                cold=False)
    assert rate == 123.0 and timed == [(64, 3)] and seconds > 0


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
def test_gru_matmul_speed_by_hand(monkeypatch, dtype):
    products = []

    def rate(run, episodes, device, repeats):
        products.append(run())
        return 1e6  # rows per second, made up

    monkeypatch.setattr(bench, "episodes_per_second", rate)
    # (64, 8) @ (8, 24): 2 * 8 * 24 = 384 FLOPs a row, a million rows/s
    assert bench.gru_matmul_gflops(CPU, dtype, d_model=8, batch=64,
                                   repeats=2) == pytest.approx(0.384)
    [product] = products
    assert product.shape == (64, 24)
    assert product.dtype == bench.ceiling.check_dtype(dtype)


def test_gru_matmul_speed_is_measured():
    assert bench.gru_matmul_gflops(CPU, d_model=8, batch=64, repeats=2) > 0


needs_cuda = pytest.mark.skipif(
    not torch.cuda.is_available(),
    reason="no CUDA GPU: host-device syncs are checked on CUDA only")


def test_on_a_cpu_no_sync_check_is_made_or_claimed():
    assert bench.step_loop_syncs(CPU) is None  # None: nothing checked
    result = bench_report.summarise([row("article", 192, 1.0),
                                     row("engine", 192, 1.0)], CPU, 1)
    result["step_loop_syncs"] = None
    assert not any("sync" in text for text, _ in
                   bench_report.targets(result))


@needs_cuda
def test_a_cuda_rollout_and_update_make_no_host_sync():
    assert bench.step_loop_syncs(torch.device("cuda")) is None


@needs_cuda
def test_a_host_sync_in_the_update_is_caught(monkeypatch):
    real = bench.train_step

    def syncing(*args):
        info = real(*args)
        info["reward"].item()  # reads a number back: a sync
        return info

    monkeypatch.setattr(bench, "train_step", syncing)
    message = bench.step_loop_syncs(torch.device("cuda"))
    assert message and "synchroniz" in message


def test_gru_matmul_rejects_bad_dtypes_devices_and_sizes():
    with pytest.raises(bench.AgentlibError, match="dtype"):
        bench.gru_matmul_gflops("cpu", "half")
    with pytest.raises(bench.AgentlibError, match="unknown device"):
        bench.gru_matmul_gflops("gpu")
    with pytest.raises(bench.AgentlibError, match="positive"):
        bench.gru_matmul_gflops(CPU, repeats=0)
