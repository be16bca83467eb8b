"""Writing result files whole or not at all, after checking the place.

A command checks where it will write before it runs for minutes, and
writes to a temporary file beside the target that then replaces it in
one step, so a reader never sees half a file and a kill leaves none.
"""

import os
from collections.abc import Callable
from pathlib import Path

from agentlib.errors import AgentlibError


def check_writable(path: str | Path, what: str = "figures") -> Path:
    """Return ``path`` if ``what`` can be written there, else raise."""
    path = Path(path)
    if path.is_dir():
        raise AgentlibError(f"cannot write {what} to {path}: it is a "
                            f"directory")
    if path.exists() and not os.access(path, os.W_OK):
        raise AgentlibError(f"cannot write {what} to {path}: the file is "
                            f"not writable")
    folder = path.parent
    while not folder.exists():  # the write creates the missing folders
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise AgentlibError(
            f"cannot write {what} to {path}: {folder} is not a writable "
            f"directory"
        )
    return path


def write_atomically(path: str | Path, write: Callable[[Path], None]
                     ) -> Path:
    """Call ``write`` on a temporary file beside ``path``, then move it
    onto ``path`` in one step; on any failure remove it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path
