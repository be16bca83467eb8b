"""House style: ruff keeps the code within 79 columns and tidy."""

import ast
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff not installed")
def test_ruff_is_clean():
    result = subprocess.run(
        ["ruff", "check", "agentlib", "tests"], cwd=ROOT,
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout


PACKAGE = ROOT / "agentlib"
QUOTED = PACKAGE / "article" / "original.py"  # the article as published
FOLDERS = ("tasks", "agent", "experiments", "book")
"""Folders in import order: each may import those before it only."""
SHARED_TASK_MODULES = {"agentlib.tasks", "agentlib.tasks.interface",
                       "agentlib.tasks.machine", "agentlib.tasks.sampling"}


def modules() -> list[Path]:
    """Every module of the package but the article's quoted code."""
    return [path for path in sorted(PACKAGE.rglob("*.py"))
            if path != QUOTED]


def imported(path: Path) -> set[str]:
    """The agentlib modules that ``path`` imports."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name.startswith("agentlib")}


def folder_of(name: str) -> str | None:
    """The package folder a dotted module name lives in, if any."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in FOLDERS else None


def body_lines(function: ast.FunctionDef) -> int:
    """Lines of a function's body, its docstring left out."""
    body = function.body
    if isinstance(body[0], ast.Expr) and isinstance(
            body[0].value, ast.Constant) and isinstance(
            body[0].value.value, str):
        body = body[1:]
    return body[-1].end_lineno - body[0].lineno + 1 if body else 0


def test_modules_stay_under_400_lines():
    long = {path.relative_to(ROOT).as_posix(): count for path in modules()
            if (count := len(path.read_text().splitlines())) > 400}
    assert long == {}


def test_function_bodies_stay_within_30_lines():
    long = [f"{path.relative_to(ROOT)}:{node.name} ({body_lines(node)})"
            for path in modules()
            for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.FunctionDef) and body_lines(node) > 30]
    assert long == []


@pytest.mark.parametrize("folder", FOLDERS)
def test_imports_between_folders_run_one_way(folder):
    allowed = FOLDERS[:FOLDERS.index(folder) + 1]
    upward = sorted(
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (PACKAGE / folder).glob("*.py")
        for name in imported(path)
        if folder_of(name) not in (None, *allowed))
    assert upward == []


def test_the_engine_names_no_task():
    named = sorted(
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (PACKAGE / "agent").glob("*.py")
        for name in imported(path)
        if folder_of(name) == "tasks" and name not in SHARED_TASK_MODULES
        and not name.startswith(("agentlib.tasks.interface.",
                                 "agentlib.tasks.machine."))
        and name.removeprefix("agentlib.tasks.") not in (
            "TASKS", "Problems", "Task", "TaskName", "get_task"))
    assert named == []


def test_neither_task_imports_the_other():
    for first, second in (("arithmetic", "expression"),
                          ("expression", "arithmetic")):
        crossing = sorted(
            f"{path.name} imports {name}"
            for path in (PACKAGE / "tasks").glob(f"{first}*.py")
            for name in imported(path)
            if name.startswith(f"agentlib.tasks.{second}"))
        assert crossing == []
