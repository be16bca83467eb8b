"""Figures measured by the commands, stored with the package.

The performance chapter shows figures from machines a reader may not
have: this book's 2-core CPU and an NVIDIA H200. The commands write
them as JSON (``bench --out``, ``ablations --out``); the files ship
inside the package, so a chapter finds them in Colab too.
"""

import json
from pathlib import Path

from agentlib.errors import AgentlibError
from agentlib.files import check_writable, write_atomically

DATA_DIR = Path(__file__).parent.parent / "data"
REQUIRED_KEYS = {"bench": "rows", "ablations": "summary", "train": "runs",
                 "planning": "lengths", "ladder": "one_bit",
                 "stopping": "summary", "trap": "runs",
                 "sweep": "summary"}
"""The key every stored file of each kind (its name's prefix) has."""


def check_out_path(path: str | Path) -> Path:
    """Return ``path`` if figures can be written there, else raise.

    The commands call it before they start, so that a run of hours is
    not lost at the end for want of a place to write it.
    """
    return check_writable(path, "figures")


def save(result: dict, path: str | Path) -> Path:
    """Write a command's figures to ``path`` as JSON, atomically."""
    text = json.dumps(result, indent=1) + "\n"
    try:
        return write_atomically(
            path, lambda file: file.write_text(text, encoding="utf-8"))
    except OSError as error:
        raise AgentlibError(
            f"cannot write figures to {path}: {error}"
        ) from None


def read(path: str | Path, kind: str) -> dict:
    """The figures of ``kind`` (bench, ablations, train) in ``path``,
    checked to be such figures."""
    path = Path(path)
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise AgentlibError(
            f"cannot read {kind} figures from {path}: {error}"
        ) from None
    key = REQUIRED_KEYS[kind]
    if not isinstance(result, dict) or key not in result:
        raise AgentlibError(f"{path} holds no {kind} {key}")
    return result


def available() -> list[str]:
    """Names of the stored files, without ``.json``."""
    return sorted(path.stem for path in DATA_DIR.glob("*.json"))


def load_stored(name: str) -> dict:
    """The stored figures ``name`` (e.g. ``bench-cpu``), checked."""
    kind = name.split("-")[0]
    if name not in available() or kind not in REQUIRED_KEYS:
        raise AgentlibError(
            f"no stored figures {name!r}; there are: "
            f"{', '.join(available())}"
        )
    return read(DATA_DIR / f"{name}.json", kind)


def report(result: dict, table: str, json_line: bool,
           out: str | None) -> None:
    """End a command: print its table, then its JSON line if asked
    (before any file is saved, so a failed save loses nothing printed),
    then save the figures to ``out`` if given."""
    print(table)
    if json_line:
        print(json.dumps(result))
    if out:
        save(result, out)
