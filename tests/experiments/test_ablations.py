"""Tests for experiments.ablations: variants, summaries, the command."""


import pytest
import torch

from agentlib import cli
from agentlib.errors import AgentlibError
from agentlib.experiments import (
    ablation_summary,
    ablation_tables,
    ablations,
    measured,
)

TINY = dict(max_episodes=512, eval_every=1, eval_size=50,
            final_eval_size=100)


def test_each_variant_changes_one_field_of_the_defaults():
    default = ablations.variant_config("default", 3, "cpu")
    assert default.seed == 3 and default.curriculum == "mastery"
    for name, (_, changes) in ablations.VARIANTS.items():
        config = ablations.variant_config(name, 3, "cpu")
        for field, value in changes.items():
            assert getattr(config, field) == value != getattr(default, field)


def test_unknown_variants_are_named_in_the_error():
    with pytest.raises(AgentlibError, match="unknown variant fast, slow"):
        ablations.check_variants(["default", "fast", "slow"])


def test_episodes_to_finds_the_first_record_at_the_level():
    history = [{"episodes": 10}, {"episodes": 20, "accuracy": [0.5] * 3},
               {"episodes": 30, "accuracy": [0.99, 0.2, 0.0]},
               {"episodes": 40, "accuracy": [1.0, 0.995, 0.0]}]
    assert ablations.episodes_to(history, 0) == 30
    assert ablations.episodes_to(history, 1) == 40
    assert ablations.episodes_to(history, 2) is None


def test_spread_skips_runs_that_never_got_there():
    assert ablation_summary.spread([30, None, 10, 20]) == {
        "median": 20, "min": 10, "max": 30, "count": 3}
    assert ablation_summary.spread([None])["count"] == 0


def test_summary_counts_solved_runs_per_variant():
    def run(variant, accuracy, to_99):
        return {"variant": variant, "accuracy": accuracy, "seconds": 1.0,
                "episodes_to_99": to_99,
                "solved": min(accuracy) >= ablations.SOLVED}

    runs = [run("default", [1.0, 1.0, 0.996], [1, 2, 3]),
            run("default", [1.0, 1.0, 0.5], [1, 2, None]),
            run("loo", [1.0, 0.9, 0.1], [4, None, None])]
    rows = ablations.summarise(runs)
    assert [r["variant"] for r in rows] == ["default", "loo"]
    assert rows[0]["solved"] == 1 and rows[0]["seeds"] == 2
    assert rows[0]["accuracy"][2]["median"] == pytest.approx(0.748)
    assert rows[0]["episodes_to_99"][2]["count"] == 1
    assert rows[1]["episodes_to_99"][0]["median"] == 4


def test_a_tiny_run_of_two_variants_is_tabulated(tmp_path):
    result = ablations.run_all(["default", "no-stage"], [0], "cpu", **TINY)
    assert [r["variant"] for r in result["runs"]] == ["default", "no-stage"]
    # two updates of 256 and no stage mastered: the whole budget, each
    # evaluated; none reaches 99% on stage 2
    assert [r["episodes"] for r in result["runs"]] == [512, 512]
    assert [r["episodes_to_99"][2] for r in result["runs"]] == [None] * 2
    assert [r["solved"] for r in result["runs"]] == [False, False]
    rows = {line.split()[0]: line
            for line in ablation_tables.format_table(result).splitlines()}
    assert {"default", "no-stage"} <= set(rows)
    path = measured.save(result, tmp_path / "out" / "ablations.json")
    assert measured.read(path, "ablations")["summary"] == result["summary"]


def test_loading_something_else_is_refused(tmp_path):
    path = tmp_path / "other.json"
    path.write_text("[1, 2]")
    with pytest.raises(AgentlibError, match="no ablations summary"):
        measured.read(path, "ablations")
    with pytest.raises(AgentlibError, match="cannot read"):
        measured.read(tmp_path / "missing.json", "ablations")


def test_the_command_rejects_an_unknown_variant(capsys):
    assert cli.main(["ablations", "--variants", "nope"]) == 2
    assert "unknown variant nope" in capsys.readouterr().err


def test_parallel_jobs_give_the_runs_of_one_process_on_as_many_threads():
    threads = torch.get_num_threads()
    try:
        serial = [ablations.run_one("default", seed, "cpu", **TINY)
                  for seed in (0, 1)]
    finally:
        torch.set_num_threads(threads)
    parallel = ablations.run_all(["default"], [0, 1], "cpu", jobs=2, **TINY)
    keep = ("variant", "seed", "accuracy", "episodes", "episodes_to_99")
    assert [{k: r[k] for k in keep} for r in parallel["runs"]] == [
        {k: r[k] for k in keep} for r in serial]


def test_the_command_rejects_zero_jobs(capsys):
    assert cli.main(["ablations", "--jobs", "0"]) == 2
    assert "--jobs" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args, message",
    [(["--variants", "default", "loo", "default"],
      "--variants lists default more than once"),
     (["--seeds", "0", "1", "0"], "--seeds lists 0 more than once"),
     (["--seeds", "-1"], "seed must be an integer >= 0")],
)
def test_the_command_rejects_repeated_or_negative_arguments(
    capsys, args, message
):
    assert cli.main(["ablations", *args]) == 2
    assert message in capsys.readouterr().err


def test_the_command_checks_out_before_training(capsys, tmp_path):
    assert cli.main(["ablations", "--out", str(tmp_path)]) == 2
    assert "it is a directory" in capsys.readouterr().err


def test_expression_variants_change_one_field_of_the_task_defaults():
    default = ablations.variant_config("default", 3, "cpu", "expressions")
    assert default.task == "expressions" and default.curriculum == "mixed"
    for name, (_, changes) in ablations.EXPRESSION_VARIANTS.items():
        config = ablations.variant_config(name, 3, "cpu", "expressions")
        for field, value in changes.items():
            assert getattr(config, field) == value != getattr(default, field)


def test_an_expression_table_shows_trained_and_held_out_lengths():
    result = ablations.run_all(["default"], [0], "cpu", task="expressions",
                               **TINY)
    run = result["runs"][0]
    assert len(run["accuracy"]) == 4 and len(run["held_out"]) == 5
    assert run["held_out_lengths"] == [6, 8, 16, 32, 64]
    lines = ablation_tables.format_table(result).splitlines()
    assert lines[2].split()[2:11] == ["2", "3", "4", "5", "6", "8", "16",
                                      "32", "64"]
    assert lines[3].startswith("default")
    assert max(map(len, lines)) <= 79
    assert result["summary"][0]["description"].startswith("the expression")


def test_a_budget_too_small_fails_before_any_run(capsys):
    assert cli.main(["ablations", "--max-episodes", "100"]) == 2
    assert "at least one update" in capsys.readouterr().err


def test_each_run_keeps_its_learning_curve():
    history = [{"episodes": 256, "reward": 0.1},
               {"episodes": 512, "accuracy": [1.0, 0.123456, 0.0]}]
    assert ablations.learning_curve(history) == [[512, 1.0, 0.1235, 0.0]]


def test_the_sampled_table_sets_sampled_beside_greedy():
    stats = [{"median": 1.0, "min": 1.0, "max": 1.0, "count": 5},
             {"median": 0.5, "min": 0.25, "max": 0.75, "count": 5}]
    row = {"variant": "default", "seeds": 5, "solved": 5,
           "accuracy": [stats[0]] * 3, "sampled": [stats[1]] * 3}
    lines = ablation_tables.format_sampled_table(
        {"summary": [row]}).splitlines()
    assert lines[-1].split() == ["default", "100", "100", "100",
                                 "50.0", "50.0", "50.0"]
    assert max(map(len, lines)) <= 79


def test_a_difference_prints_its_mean_and_interval_in_points():
    difference = {"mean": 0.0071, "low": 0.0032, "high": 0.0119,
                  "seeds": 10}
    assert ablation_tables.format_difference(difference) == (
        "+0.7 [+0.3, +1.2]")
    unpaired = {"mean": None, "low": None, "high": None, "seeds": 0}
    assert ablation_tables.format_difference(unpaired) == "-"


def paired_run(variant: str, seed: int, sampled: float) -> dict:
    return {"variant": variant, "seed": seed, "solved": True,
            "accuracy": [1.0, 1.0, 1.0], "sampled": [0.9, 0.9, sampled],
            "episodes_to_99": [1, 2, 3], "sampled_to_95": [1, 2, None],
            "seconds": 1.0, "episodes": 300, "mean_return": 2.4}


def test_the_paired_table_compares_each_variant_with_the_defaults():
    runs = [paired_run("default", s, v) for s, v in enumerate([0.9, 0.8])]
    runs += [paired_run("loo", s, v) for s, v in enumerate([0.95, 0.85])]
    rows = ablation_summary.summarise(runs, {"default": "d", "loo": "l"})
    assert rows[1]["paired"]["sampled"]["mean"] == pytest.approx(0.05)
    assert rows[1]["sampled_to_95"][2]["count"] == 0
    lines = ablation_tables.format_paired_table(
        {"summary": rows}).splitlines()
    assert lines[-2].split()[-1] == "-"  # the defaults themselves
    assert lines[-1].split() == ["loo", "2", "100", "90.0", "2.40", "+5.0",
                                 "[+5.0,", "+5.0]"]
    assert max(map(len, lines)) <= 72
