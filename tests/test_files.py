"""Tests for agentlib.files: checked places, atomic writes."""

import json
import multiprocessing
import os

import pytest

from agentlib.errors import AgentlibError
from agentlib.experiments import measured
from agentlib.files import check_writable, write_atomically


def test_a_read_only_file_is_refused_before_any_run(tmp_path):
    target = tmp_path / "figures.json"
    target.write_text("{}")
    target.chmod(0o444)
    if os.access(target, os.W_OK):  # root writes anyway
        pytest.skip("this user can write read-only files")
    with pytest.raises(AgentlibError, match="the file is not writable"):
        check_writable(target)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "figures.json"
    target.write_text("old")

    def fail(path):
        path.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        write_atomically(target, fail)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["figures.json"]


def keep_writing(path: str, rounds: int) -> None:
    """Save growing figures to ``path`` again and again."""
    for index in range(rounds):
        measured.save({"runs": list(range(index * 500))}, path)


def test_a_reader_never_sees_a_torn_file(tmp_path):
    target = tmp_path / "figures.json"
    measured.save({"runs": []}, target)
    writer = multiprocessing.get_context("spawn").Process(
        target=keep_writing, args=(str(target), 200))
    writer.start()
    reads = 0
    while writer.is_alive() or reads == 0:
        json.loads(target.read_text())  # raises on a torn file
        reads += 1
    writer.join()
    assert writer.exitcode == 0 and reads > 0
