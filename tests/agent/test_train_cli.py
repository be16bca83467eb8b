"""``python -m agentlib train``: its flags become the task's config,
changed only where a flag is given."""

import pytest

from agentlib import cli
from agentlib.agent import train_cli


class Stopped(Exception):
    """Raised in place of training, once the config is seen."""


def config_of(argv: list[str], monkeypatch) -> object:
    """The config the train command would train with for ``argv``."""
    seen = []

    def record(config, callback=None):
        seen.append(config)
        raise Stopped

    monkeypatch.setattr(train_cli, "train", record)
    args = cli.build_parser(only="train").parse_args(["train", *argv])
    with pytest.raises(Stopped):
        train_cli.command(args)
    return seen[0]


def test_without_flags_each_task_keeps_its_batch_and_budget(monkeypatch):
    step = config_of(["--task", "expressions"], monkeypatch)
    reader = config_of(["--task", "expressions", "--agent", "reader"],
                       monkeypatch)
    first = config_of([], monkeypatch)
    assert (step.batch_size, step.max_episodes) == (512, 110_000)
    assert (reader.batch_size, reader.max_episodes) == (256, 100_000)
    assert (first.batch_size, first.max_episodes) == (256, 300_000)


def test_a_flag_overrides_the_task_s_batch_and_budget(monkeypatch):
    config = config_of(["--task", "expressions", "--batch-size", "256",
                        "--max-episodes", "100000"], monkeypatch)
    assert (config.batch_size, config.max_episodes) == (256, 100_000)
