"""Tests for agentlib.files: checked places, atomic writes."""

import json
import multiprocessing
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from agentlib.experiments import measured
from agentlib.files import write_atomically

REPOSITORY = Path(__file__).resolve().parents[1]
WITHOUT_OVERRIDE = [
    "setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
"""Run a command without the capabilities that let root write any file
(util-linux's setpriv; the exec'd command's capabilities are the bounding
set's, so it honours file modes as any user does)."""


def test_a_read_only_file_is_refused_before_any_run(tmp_path):
    target = tmp_path / "figures.json"
    target.write_text("{}")
    target.chmod(0o444)
    # as root (CI), check from a process that cannot override modes
    prefix = WITHOUT_OVERRIDE if os.geteuid() == 0 else []
    if prefix and shutil.which(prefix[0]) is None:
        pytest.fail("as root this test needs setpriv (util-linux) to drop "
                    "the capability to write read-only files")
    check = ("import sys; from agentlib.files import check_writable; "
             "check_writable(sys.argv[1])")
    result = subprocess.run([*prefix, sys.executable, "-c", check,
                             str(target)], capture_output=True, text=True,
                            cwd=REPOSITORY, timeout=60)
    assert result.returncode == 1
    assert "the file is not writable" in result.stderr


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
