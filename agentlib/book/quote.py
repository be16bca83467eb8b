"""Quoting measured figures in the book's prose (myst-nb's ``glue``).

A chapter calls :func:`quote` on a number it measured; the intro page
and the chapter's own prose paste it with ``{glue:text}``, so a figure
in the text is always the one the executed cell produced. Where myst-nb
is absent (Colab, a bare kernel) quoting does nothing: the figure is
still printed by the cell that measured it.
"""

import importlib.util


def can_quote() -> bool:
    """True when myst-nb, which stores quoted figures, is installed."""
    return importlib.util.find_spec("myst_nb") is not None


def quote(name: str, value: float | int | str) -> bool:
    """Store ``value`` under ``name`` for the book's pages, hidden in the
    cell's output; return whether it was stored."""
    if not isinstance(value, (float, int, str)) or isinstance(value, bool):
        raise TypeError(f"quote a number or a string, not {value!r}")
    if not can_quote():
        return False
    from myst_nb import glue

    glue(name, value, display=False)
    return True
