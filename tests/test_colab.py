"""Each chapter runs as Colab runs it: alone, without agentlib installed.

A fresh virtual environment sees torch, matplotlib, ipywidgets and
Jupyter (through a ``.pth`` file naming this environment's
site-packages) but not agentlib, whose editable install is not followed.
The notebook is copied alone into a folder outside the repository, and
``AGENTLIB_SOURCE`` points at this checkout: the chapter's set-up cell
must install agentlib by itself, then every cell must run.
"""

import json
import shutil
import site
import subprocess
import venv
from pathlib import Path

import pytest

from agentlib import notebooks

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


@pytest.mark.parametrize(
    "chapter", notebooks.chapter_paths(), ids=lambda p: p.name
)
def test_chapter_runs_alone_like_in_colab(chapter, tmp_path, monkeypatch):
    python = make_colab_like_env(tmp_path)
    check = [python, "-c", "import agentlib"]
    no_agentlib = subprocess.run(check, cwd=tmp_path, capture_output=True)
    assert no_agentlib.returncode != 0, "agentlib leaked into the kernel"
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("AGENTLIB_SOURCE", str(notebooks.REPO_DIR))
    monkeypatch.delenv("PYTHONPATH", raising=False)
    kernel = register_kernel(python, tmp_path / "jupyter")
    folder = tmp_path / "content"
    folder.mkdir()
    shutil.copy(chapter, folder)
    notebook = nbformat.read(folder / chapter.name, as_version=4)
    nbclient.NotebookClient(
        notebook, timeout=900, kernel_name=kernel,
        resources={"metadata": {"path": str(folder)}},
    ).execute()
    installed = subprocess.run(check, cwd=tmp_path, capture_output=True)
    assert installed.returncode == 0, "the set-up cell did not install it"
