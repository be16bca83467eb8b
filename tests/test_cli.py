"""Tests for agentlib.cli: wiring, help, and clear errors."""

import gc
import runpy
import subprocess
import sys

import pytest

from agentlib import cli


def run_cli(*args: str) -> subprocess.CompletedProcess:
    """Run ``python -m agentlib ARGS`` and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "agentlib", *args],
        capture_output=True, text=True, timeout=300,
    )


def test_help_lists_every_command():
    result = run_cli("--help")
    assert result.returncode == 0
    for name in cli.COMMANDS:
        assert name in result.stdout


@pytest.mark.parametrize(
    "args",
    [["fly"], ["reproduce", "--device", "tpu"], ["reproduce", "--seed", "x"]],
)
def test_bad_arguments_exit_2_with_a_message(args):
    result = run_cli(*args)
    assert result.returncode == 2
    assert "error:" in result.stderr and "Traceback" not in result.stderr


def test_agentlib_error_becomes_one_line(capsys):
    status = cli.main(["notebooks", "no/such/chapter.ipynb"])
    assert status == 2
    assert "no such notebook" in capsys.readouterr().err


def test_ctrl_c_ends_a_command_with_one_line(monkeypatch, capsys):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr("agentlib.book.notebooks.command", interrupted)
    assert cli.main(["notebooks"]) == 130
    assert capsys.readouterr().err.count("\n") == 1


def test_running_out_of_memory_is_one_line(monkeypatch, capsys):
    def too_big(args):
        raise RuntimeError("DefaultCPUAllocator: can't allocate memory")

    monkeypatch.setattr("agentlib.book.notebooks.command", too_big)
    assert cli.main(["notebooks"]) == 2
    assert "out of memory" in capsys.readouterr().err


def test_other_runtime_errors_are_not_hidden(monkeypatch):
    def broken(args):
        raise RuntimeError("a bug")

    monkeypatch.setattr("agentlib.book.notebooks.command", broken)
    with pytest.raises(RuntimeError, match="a bug"):
        cli.main(["notebooks"])


def test_the_named_command_is_its_first_word():
    assert cli.named_command(["train", "--task", "expressions"]) == "train"
    assert cli.named_command(["-h", "ladder"]) == "ladder"
    assert cli.named_command(["--help"]) is None
    assert cli.named_command(["fly"]) is None


def test_a_command_imports_no_other_commands_module():
    code = ("import sys; from agentlib import cli; "
            "cli.build_parser(cli.named_command(['train', '--seed', '1']))"
            "; print(sorted(m for m in sys.modules "
            "if m.startswith(('agentlib.experiments', 'agentlib.book'))))")
    result = subprocess.run([sys.executable, "-c", code],
                            capture_output=True, text=True, timeout=300)
    assert result.stdout.strip() == "[]", result.stderr


def test_the_program_keeps_torch_out_of_garbage_collection(monkeypatch):
    frozen = []
    monkeypatch.setattr(cli, "main", lambda: frozen.append(
        gc.get_freeze_count()) or 0)
    try:
        with pytest.raises(SystemExit):
            runpy.run_module("agentlib", run_name="__main__")
    finally:
        gc.unfreeze()
    assert frozen[0] > 10_000  # torch's modules, classes and functions
