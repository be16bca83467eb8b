"""Tests for experiments.stopping: every rule read from one run."""

from agentlib import cli
from agentlib.agent.config import TrainConfig
from agentlib.experiments import stopping


class FakeRun:
    """What the watch reads of a run: its stage, task and model."""

    class Task:
        stages = (0, 1, 2)

    class Model:
        def state_dict(self) -> dict:
            return {"w": 1}

    def __init__(self, stage: int):
        self.stage, self.task, self.model = stage, self.Task, self.Model()
        self.config = TrainConfig(stop_rule="budget")


def test_each_rule_fires_once_at_its_first_check():
    watch = stopping.RuleWatch()
    sampled = iter([[0.9, 0.9, 0.5], [1.0, 1.0, 0.9], [1.0, 1.0, 0.95],
                    [1.0, 1.0, 0.98], [1.0, 1.0, 0.99]])
    checks = [(1, 10_000, [1.0, 1.0, 1.0]),  # stage 1: no rule yet
              (2, 20_000, [1.0, 1.0, 1.0]),  # greedy fires
              (2, 50_000, [1.0, 1.0, 0.99]),
              (2, 70_000, [1.0, 1.0, 1.0]),  # margin and sampled fire
              (2, 90_000, [1.0, 1.0, 1.0])]
    for stage, episodes, accuracy in checks:
        assert not watch(FakeRun(stage), {"episodes": episodes,
                                          "accuracy": accuracy,
                                          "sampled": next(sampled)})
    assert watch.fired == {"greedy": 20_000, "greedy+margin": 70_000,
                           "sampled": 70_000}
    assert set(watch.weights) == set(watch.fired)
    assert watch.curve[1] == [20_000, 1.0, 1.0, 1.0, 1.0, 1.0, 0.9]


def rules(episodes: int, greedy: float, sampled: float) -> dict:
    return {"episodes": episodes, "accuracy": [1.0, 1.0, greedy],
            "sampled": [0.99, 0.98, sampled]}


def test_a_rule_that_never_fired_scores_as_the_whole_budget():
    runs = [{"variant": "default", "seed": 0, "rules": {
        "budget": rules(300_000, 1.0, 0.97),
        "greedy": rules(50_000, 0.999, 0.45)}},
        {"variant": "default", "seed": 1, "rules": {
            "budget": rules(300_000, 1.0, 0.96)}}]
    rows = {row["rule"]: row for row in stopping.summarise(runs)}
    assert rows["greedy"]["fired"] == 1
    assert rows["greedy"]["episodes"] == (50_000 + 300_000) / 2
    assert rows["greedy"]["worst_sampled"] == [0.99, 0.98, 0.45]
    assert rows["budget"]["worst_greedy"] == [1.0, 1.0, 1.0]
    assert rows["sampled"]["fired"] == 0
    lines = stopping.format_table(stopping.summarise(runs)).splitlines()
    assert len(lines) == 2 + len(stopping.RULES)
    assert max(map(len, lines)) <= 79


def test_bad_flags_are_refused_before_training(capsys):
    assert cli.main(["stopping", "--variants", "nope"]) == 2
    assert cli.main(["stopping", "--seeds", "1", "1"]) == 2
    assert cli.main(["stopping", "--budget", "0"]) == 2
    err = capsys.readouterr().err
    assert "nope" in err and "more than once" in err
