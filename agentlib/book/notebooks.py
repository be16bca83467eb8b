"""Re-executing the book's chapters, and proving where outputs came from.

Each executed chapter stores, in its metadata, a fingerprint of the
``agentlib`` code it ran with (the tracked files, without comments and
docstrings). A test compares it with the code in ``agentlib/``, so
stored outputs can never silently come from other code.
"""

import argparse
import ast
import hashlib
import io
import re
import subprocess
import time
import tokenize
from pathlib import Path

import agentlib
from agentlib.errors import AgentlibError

PACKAGE_DIR = Path(agentlib.__file__).parent
REPO_DIR = PACKAGE_DIR.parent
BOOK_DIR = REPO_DIR / "book"
METADATA_KEY = "agentlib"
REEXECUTE_HINT = "re-execute the chapters with: python -m agentlib notebooks"
SETUP_TAGS = ["hide-input"]
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
SETUP_CELL = """\
# Set-up: makes this chapter run anywhere, Colab included. When agentlib
# is not importable, install it from $AGENTLIB_SOURCE (any pip requirement:
# a path, a URL) or else from the book's repository. Then pick the GPU
# when there is one, and one CPU thread (agentlib.threads says why).
# Elsewhere this cell shows nothing.
import importlib.util
import os
import subprocess
import sys

REPOSITORY = "{repository}"
if importlib.util.find_spec("agentlib") is None:
    source = os.environ.get("AGENTLIB_SOURCE", f"git+{{REPOSITORY}}")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", source], check=True
    )
    importlib.invalidate_caches()

from agentlib.devices import resolve_device
from agentlib.threads import use_thread_policy

use_thread_policy()
device = resolve_device("auto")"""


def code_only(source: str) -> str:
    """``source`` without comments, docstrings and blank lines: what it
    does, as the same text on every Python this book supports.

    No chapter prints a docstring, so rewording one changes no output.
    (``ast.unparse`` would also drop layout, but its text differs
    between Python versions, and so would the fingerprint.)
    """
    lines = source.splitlines()
    for (row, col), (end_row, end_col) in ignored_spans(source):
        for number in range(row, end_row + 1):
            line = lines[number - 1]
            start = col if number == row else 0
            stop = end_col if number == end_row else len(line)
            lines[number - 1] = line[:start] + " " * (stop - start) \
                + line[stop:]
    return "\n".join(line.rstrip() for line in lines if line.strip())


def ignored_spans(source: str) -> list[tuple[tuple[int, int], ...]]:
    """(start, end) positions, rows from 1, of every comment and every
    string statement (docstrings) in ``source``."""
    spans = [(token.start, token.end) for token in tokenize.generate_tokens(
        io.StringIO(source).readline) if token.type == tokenize.COMMENT]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Expr) and isinstance(
                node.value, ast.Constant) and isinstance(node.value.value,
                                                         str):
            spans.append(((node.lineno, node.col_offset),
                          (node.end_lineno, node.end_col_offset)))
    return spans


def package_files(package_dir: Path = PACKAGE_DIR) -> list[Path]:
    """The package's ``.py`` files that git tracks (all of them where
    git or the repository is missing), so scratch files do not count."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--", "."], cwd=package_dir,
            capture_output=True, check=True).stdout.decode()
    except (OSError, subprocess.CalledProcessError):
        return sorted(package_dir.rglob("*.py"))
    paths = [package_dir / name for name in listed.split("\0")
             if name.endswith(".py")]
    return sorted(path for path in paths if path.is_file())


def source_fingerprint(package_dir: Path = PACKAGE_DIR) -> str:
    """SHA-256 over the code of the package's tracked ``.py`` files,
    path and code, without comments and docstrings."""
    digest = hashlib.sha256()
    for path in package_files(package_dir):
        digest.update(path.relative_to(package_dir).as_posix().encode())
        digest.update(b"\0")
        digest.update(code_only(path.read_text(encoding="utf-8")).encode())
        digest.update(b"\0")
    return digest.hexdigest()


def repository_url(config: Path = REPO_DIR / "_config.yml") -> str:
    """The book's repository URL: ``repository.url`` in ``_config.yml``."""
    text = config.read_text(encoding="utf-8")
    match = re.search(r"^repository:\n(?:  .*\n)*?  url: *(\S+)", text, re.M)
    if match is None:
        raise AgentlibError(f"{config} has no repository url")
    return match[1]


def colab_url(chapter: str, repository: str | None = None) -> str:
    """The Colab address of ``chapter`` (a file name in ``book/``)."""
    repository = repository or repository_url()
    path = repository.removeprefix("https://github.com/")
    return (f"https://colab.research.google.com/github/{path}/blob/main/"
            f"book/{chapter}")


def colab_badge(chapter: str) -> str:
    """The Markdown "Open in Colab" badge of ``chapter``."""
    return f"[![Open In Colab]({COLAB_BADGE})]({colab_url(chapter)})"


def sync_colab_badge(notebook, chapter: str) -> None:
    """Put the chapter's Colab badge on the line under its title."""
    title_cell = notebook.cells[0]
    lines = title_cell.source.split("\n")
    if len(lines) > 2 and lines[2].startswith("[![Open In Colab]"):
        del lines[1:3]  # the old badge and its blank line
    lines[1:1] = ["", colab_badge(chapter)]
    title_cell.source = "\n".join(lines)


def setup_cell_source() -> str:
    """The first code cell of every chapter, with the repository URL."""
    return SETUP_CELL.format(repository=repository_url())


def sync_setup_cell(notebook) -> None:
    """Make the notebook's first code cell the canonical set-up cell."""
    import nbformat

    code_cells = [c for c in notebook.cells if c.cell_type == "code"]
    if code_cells and code_cells[0].source.startswith("# Set-up:"):
        cell = code_cells[0]
    else:
        cell = nbformat.v4.new_code_cell()
        position = 1 if notebook.cells[0].cell_type == "markdown" else 0
        notebook.cells.insert(position, cell)
    cell.source = setup_cell_source()
    cell.metadata["tags"] = SETUP_TAGS


def chapter_paths(book_dir: Path = BOOK_DIR) -> list[Path]:
    """The book's notebooks, in reading order."""
    return sorted(book_dir.glob("[0-9][0-9]_*.ipynb"))


def execute_chapter(path: Path, timeout: int = 900) -> float:
    """Execute one notebook in place, stamp its fingerprint; seconds.

    The Colab badge under the title and the first code cell (the
    canonical set-up cell) are refreshed first.
    """
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    sync_colab_badge(notebook, path.name)
    sync_setup_cell(notebook)
    start = time.perf_counter()
    client = NotebookClient(  # no widget state: a page cannot run it
        notebook, timeout=timeout, kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=False,
    )
    client.execute()
    notebook.metadata[METADATA_KEY] = {"source_sha256": source_fingerprint()}
    nbformat.write(notebook, path)
    return time.perf_counter() - start


def check_notebook(path: Path) -> Path:
    """Return ``path`` if it names one of the book's chapters and reads
    as a notebook, else raise: executing rewrites the file in place."""
    import nbformat

    if path.suffix != ".ipynb":
        raise AgentlibError(f"not a notebook (.ipynb): {path}")
    try:
        nbformat.read(path, as_version=4)
    except Exception as error:  # nbformat raises many kinds for a bad file
        raise AgentlibError(
            f"cannot read notebook {path} ({type(error).__name__})"
        ) from None
    chapters = [chapter.resolve() for chapter in chapter_paths()]
    if path.resolve() not in chapters:
        raise AgentlibError(
            f"{path} is not one of the book's chapters "
            f"({BOOK_DIR}/NN_*.ipynb), which this command rewrites")
    return path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``python -m agentlib notebooks``."""
    parser.add_argument(
        "chapters", nargs="*",
        help="notebook paths (default: every chapter in book/)",
    )


def command(args: argparse.Namespace) -> int:
    """Execute the chosen chapters (all by default) in place."""
    paths = [Path(p) for p in args.chapters] or chapter_paths()
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise AgentlibError(f"no such notebook: {', '.join(missing)}")
    for path in paths:  # all, before the first runs for minutes
        check_notebook(path)
    for path in paths:
        seconds = execute_chapter(path)
        print(f"executed {path} in {seconds:.1f} s")
    return 0
