"""book/method.md, the whole method on one page: every code block it
includes names a symbol that exists, and together they stay short."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent.parent
PAGE = ROOT / "book" / "method.md"
MAX_LINES = 200
DIRECTIVE = re.compile(r"^```\{literalinclude\}\s+(\S+)\n((?::[\w-]+:.*\n)*)",
                       re.MULTILINE)
SHOWN_WHOLE = {"pyobject", "caption", "language", "linenos",
               "emphasize-lines"}
"""Options that leave the symbol's lines as they are."""


def includes(text: str) -> list[tuple[str, dict[str, str]]]:
    """(path, options) of each ``literalinclude`` in MyST ``text``."""
    out = []
    for path, block in DIRECTIVE.findall(text):
        options = dict(re.findall(r"^:([\w-]+):\s*(.*)$", block,
                                  re.MULTILINE))
        out.append((path, options))
    return out


def symbol_lines(source: str, symbol: str) -> int | None:
    """Lines of ``symbol`` (``name`` or ``Class.method``) in Python
    ``source``, decorators included, as ``:pyobject:`` shows it; None
    when there is no such symbol."""
    body, node = ast.parse(source).body, None
    for name in symbol.split("."):
        node = next((item for item in body if isinstance(
            item, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            and item.name == name), None)
        if node is None:
            return None
        body = node.body
    start = min([node.lineno] + [d.lineno for d in node.decorator_list])
    return node.end_lineno - start + 1


def test_symbol_lines_by_hand():
    source = ("def f():\n    return 1\n\n\nclass A:\n    @staticmethod\n"
              "    def g():\n        x = 1\n        return x\n")
    assert symbol_lines(source, "f") == 2
    assert symbol_lines(source, "A.g") == 4
    assert symbol_lines(source, "A") == 5
    assert symbol_lines(source, "A.h") is None
    assert symbol_lines(source, "g") is None


def test_the_directive_finder_by_hand():
    text = ("Prose.\n\n```{literalinclude} ../a/b.py\n:pyobject: C.d\n"
            ":caption: x\n```\n\n```{literalinclude} ../e.py\n```\n")
    assert includes(text) == [("../a/b.py", {"pyobject": "C.d",
                                             "caption": "x"}),
                              ("../e.py", {})]


INCLUDES = includes(PAGE.read_text(encoding="utf-8"))


def test_the_page_includes_the_core_of_training():
    shown = {options.get("pyobject") for _, options in INCLUDES}
    assert {"rollout", "a2c_loss", "update", "train_step",
            "train"} <= shown


@pytest.mark.parametrize("path, options", INCLUDES,
                         ids=[o.get("pyobject", p) for p, o in INCLUDES])
def test_each_include_shows_a_symbol_that_exists(path, options):
    assert "pyobject" in options, f"{path} is included without :pyobject:"
    assert set(options) <= SHOWN_WHOLE, set(options) - SHOWN_WHOLE
    source = (PAGE.parent / path).resolve()
    assert source.is_file(), f"{path} does not exist"
    lines = symbol_lines(source.read_text(encoding="utf-8"),
                         options["pyobject"])
    assert lines is not None, f"{path} has no {options['pyobject']}"


def test_the_included_code_fits_on_one_page():
    total = sum(symbol_lines((PAGE.parent / path).read_text(
        encoding="utf-8"), options["pyobject"]) or 0
        for path, options in INCLUDES)
    assert 0 < total <= MAX_LINES, f"{total} lines of code included"


def test_every_link_names_a_page_of_the_book():
    links = re.findall(r"\{doc\}`([^`]+)`", PAGE.read_text())
    assert links
    for link in links:
        assert any((PAGE.parent / f"{link}{suffix}").is_file()
                   for suffix in (".ipynb", ".md")), link
