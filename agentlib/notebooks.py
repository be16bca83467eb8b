"""Re-executing the book's chapters, and proving where outputs came from.

Each executed chapter stores, in its metadata, a fingerprint of the
``agentlib`` source it ran with. A test compares it with the committed
code, so stored outputs can never silently come from other code.
"""

import argparse
import hashlib
import time
from pathlib import Path

import agentlib
from agentlib.errors import AgentlibError

PACKAGE_DIR = Path(agentlib.__file__).parent
REPO_DIR = PACKAGE_DIR.parent
BOOK_DIR = REPO_DIR / "book"
METADATA_KEY = "agentlib"
REEXECUTE_HINT = "re-execute the chapters with: python -m agentlib notebooks"


def source_fingerprint(package_dir: Path = PACKAGE_DIR) -> str:
    """SHA-256 over every ``.py`` file of the package, path and content."""
    digest = hashlib.sha256()
    for path in sorted(package_dir.rglob("*.py")):
        digest.update(path.relative_to(package_dir).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes().replace(b"\r\n", b"\n"))
        digest.update(b"\0")
    return digest.hexdigest()


def chapter_paths(book_dir: Path = BOOK_DIR) -> list[Path]:
    """The book's notebooks, in reading order."""
    return sorted(book_dir.glob("[0-9][0-9]_*.ipynb"))


def execute_chapter(path: Path, timeout: int = 900) -> float:
    """Execute one notebook in place, stamp its fingerprint; seconds."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    client = NotebookClient(
        notebook, timeout=timeout, kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    notebook.metadata[METADATA_KEY] = {"source_sha256": source_fingerprint()}
    nbformat.write(notebook, path)
    return time.perf_counter() - start


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
    for path in paths:
        seconds = execute_chapter(path)
        print(f"executed {path} in {seconds:.1f} s")
    return 0
