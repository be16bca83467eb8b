"""Figures measured by the commands, stored with the package.

The performance chapter shows figures from machines a reader may not
have: this book's 2-core CPU and an NVIDIA H200. The commands write
them as JSON (``bench --out``, ``ablations --out``); the files ship
inside the package, so a chapter finds them in Colab too.
"""

import json
from pathlib import Path

from agentlib.errors import AgentlibError

DATA_DIR = Path(__file__).parent / "data"
REQUIRED_KEYS = {"bench": "rows", "ablations": "summary", "train": "runs"}
"""The key every stored file of each kind (its name's prefix) has."""


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
    result = json.loads((DATA_DIR / f"{name}.json").read_text("utf-8"))
    if REQUIRED_KEYS[kind] not in result:
        raise AgentlibError(f"{name}.json is not a {kind} result")
    return result
