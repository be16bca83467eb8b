"""Tests for progress."""

from agentlib.progress import (
    LiveProgress,
    describe_record,
    in_jupyter_kernel,
)


def test_describe_record_by_hand():
    record = {"update": 3, "episodes": 1536, "accuracy": [1.0, 0.5, 0.25]}
    assert describe_record(record) == (
        "update 3 | 1,536 episodes | greedy exact match "
        "100.0% / 50.0% / 25.0%"
    )


def test_prints_plain_lines_outside_a_kernel(capsys):
    assert not in_jupyter_kernel()
    progress = LiveProgress(every_seconds=3600)
    for update in range(1, 4):
        progress({"update": update})
    progress.close()
    # the first line at once, the rest held back, the last on close
    assert capsys.readouterr().out == "update 1\nupdate 3\n"
