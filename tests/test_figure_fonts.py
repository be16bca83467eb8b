"""No figure in the book sets text below tests/pages.SMALLEST_FONT_PT,
so that the rendered-book check can tell from a figure's displayed size
whether its smallest text is readable."""

import re
from pathlib import Path

import nbformat
import pytest

from tests import pages

ROOT = Path(__file__).parent.parent
NAMED = {"xx-small": 0.579, "x-small": 0.694, "small": 0.833,
         "medium": 1.0, "large": 1.2, "x-large": 1.44, "xx-large": 1.728}
"""matplotlib's named font sizes, as multiples of ``font.size`` (10)."""
SIZE = re.compile(r"\b(fontsize|labelsize|size)\s*=\s*"
                  r"""(?:([0-9.]+)|["']([a-z-]+)["'])""")


def plotting_code() -> list[tuple[str, str]]:
    """(where, source) of agentlib's modules and the chapters' cells."""
    code = [(str(path.relative_to(ROOT)), path.read_text())
            for path in (ROOT / "agentlib").rglob("*.py")]
    for path in sorted(ROOT.glob("book/*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        code += [(f"{path.name} cell {index}", cell.source)
                 for index, cell in enumerate(notebook.cells)
                 if cell.cell_type == "code"]
    return code


def font_sizes(source: str) -> list[float]:
    """The font sizes in points that ``source`` sets."""
    return [float(number) if number else 10.0 * NAMED[name]
            for _, number, name in SIZE.findall(source)
            if number or name in NAMED]


def test_the_size_finder_by_hand():
    assert font_sizes('ax.text(0, 0, "a", fontsize=7, size="small")'
                      ) == [7.0, pytest.approx(8.33)]


def test_no_figure_text_is_smaller_than_the_check_assumes():
    small = [(where, size) for where, source in plotting_code()
             for size in font_sizes(source)
             if size < pages.SMALLEST_FONT_PT]
    assert not small, small
    rc = [where for where, source in plotting_code()
          if re.search(r"rcParams|plt\.rc\(|font\.size", source)]
    assert not rc, f"font sizes set globally in {rc}"
