"""Each chapter starts as Colab starts it: alone, without agentlib.

A fresh virtual environment sees torch, matplotlib, ipywidgets and
Jupyter (through a ``.pth`` file naming this environment's
site-packages) but not agentlib, whose editable install is not followed.
The notebook is copied alone into a folder outside the repository, and
``AGENTLIB_SOURCE`` points at this checkout: the chapter's set-up cell
must install agentlib by itself (a regular install, package data
included), and every ``agentlib`` import of the chapter must then work.
``pytest --nbval`` runs every cell of every chapter; here the installed
package must also carry the stored figures that chapters 7-9 read.
Every chapter has the same set-up cell, so one install is tested.
"""

import ast
import json
import site
import subprocess
import venv
from pathlib import Path

import pytest

from agentlib.book import notebooks

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")


def make_colab_like_env(root: Path) -> Path:
    """A venv seeing this one's packages but not agentlib; its python."""
    venv.create(root / "env", with_pip=True)
    python = root / "env" / "bin" / "python"
    ask = "import sysconfig; print(sysconfig.get_path('purelib'))"
    purelib = subprocess.run(
        [python, "-c", ask], capture_output=True, text=True, check=True
    ).stdout.strip()
    (Path(purelib) / "colab_base.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n"
    )
    return python


def register_kernel(python: Path, jupyter_dir: Path) -> str:
    """Write a kernelspec that starts ``python``; return its name."""
    spec_dir = jupyter_dir / "kernels" / "colab"
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [str(python), "-m", "ipykernel_launcher", "-f",
                 "{connection_file}"],
        "display_name": "Colab-like", "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    return "colab"


STORED_FIGURES = """\
from agentlib.experiments import measured

names = measured.available()
assert "bench-cpu" in names and "ablations-expressions-cpu" in names
for name in names:  # the files chapters 7-9 read, from the install
    measured.load_stored(name)
"""


def setup_cell(notebook):
    """The chapter's set-up cell: its first code cell."""
    return next(cell for cell in notebook.cells if cell.cell_type == "code")


def imports_cell(notebook):
    """One code cell with every ``agentlib`` import of the chapter."""
    imports = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            names = ([node.module] if isinstance(node, ast.ImportFrom)
                     else [a.name for a in getattr(node, "names", [])]
                     if isinstance(node, ast.Import) else [])
            if any((name or "").startswith("agentlib") for name in names):
                imports.append(ast.unparse(node))
    assert imports, "the chapter imports nothing from agentlib"
    return nbformat.v4.new_code_cell("\n".join(imports))


@pytest.fixture(scope="module")
def colab(tmp_path_factory) -> dict:
    """One Colab-like environment and kernel for this module's tests."""
    root = tmp_path_factory.mktemp("colab")
    python = make_colab_like_env(root)
    return {"root": root, "python": python,
            "kernel": register_kernel(python, root / "jupyter")}


def agentlib_importable(colab: dict) -> bool:
    """Whether the Colab-like environment can import agentlib."""
    check = [colab["python"], "-c", "import agentlib"]
    return subprocess.run(check, cwd=colab["root"],
                          capture_output=True).returncode == 0


def run_alone(notebook, name: str, colab: dict, monkeypatch, folder: Path):
    """Execute ``notebook`` copied alone into ``folder``, in the
    Colab-like kernel, with ``AGENTLIB_SOURCE`` naming this checkout."""
    monkeypatch.setenv("JUPYTER_PATH", str(colab["root"] / "jupyter"))
    monkeypatch.setenv("AGENTLIB_SOURCE", str(notebooks.REPO_DIR))
    monkeypatch.delenv("PYTHONPATH", raising=False)
    nbformat.write(notebook, folder / name)
    nbclient.NotebookClient(
        notebook, timeout=900, kernel_name=colab["kernel"],
        resources={"metadata": {"path": str(folder)}},
    ).execute()


def test_the_setup_cell_installs_agentlib_with_its_stored_figures(
    colab, monkeypatch, tmp_path
):
    uninstall = [colab["python"], "-m", "pip", "uninstall", "-q", "-y",
                 "agentlib"]
    subprocess.run(uninstall, capture_output=True)
    assert not agentlib_importable(colab), "agentlib leaked into the kernel"
    chapter = notebooks.chapter_paths()[0]
    notebook = nbformat.read(chapter, as_version=4)
    notebook.cells = [setup_cell(notebook),
                      nbformat.v4.new_code_cell(STORED_FIGURES)]
    run_alone(notebook, chapter.name, colab, monkeypatch, tmp_path)
    assert agentlib_importable(colab), "the set-up cell did not install it"


def test_every_chapter_has_the_same_setup_cell():
    sources = {setup_cell(nbformat.read(path, as_version=4)).source
               for path in notebooks.chapter_paths()}
    assert sources == {notebooks.setup_cell_source()}


@pytest.mark.parametrize(
    "chapter", notebooks.chapter_paths(), ids=lambda p: p.name
)
def test_chapter_imports_work_alone_like_in_colab(
    chapter, colab, monkeypatch, tmp_path
):
    notebook = nbformat.read(chapter, as_version=4)
    notebook.cells = [setup_cell(notebook), imports_cell(notebook)]
    run_alone(notebook, chapter.name, colab, monkeypatch, tmp_path)
    assert agentlib_importable(colab)
