"""Tests for book.notebooks and for the committed chapters themselves."""

import json
from pathlib import Path

import pytest

from agentlib import cli
from agentlib.book import notebooks

CHAPTERS = notebooks.chapter_paths()


def load(path: Path) -> dict:
    """The notebook at ``path`` as plain JSON."""
    return json.loads(path.read_text(encoding="utf-8"))


def test_fingerprint_changes_with_the_source(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    before = notebooks.source_fingerprint(tmp_path)
    assert before == notebooks.source_fingerprint(tmp_path)
    (tmp_path / "a.py").write_text("x = 2\n")
    assert notebooks.source_fingerprint(tmp_path) != before


def test_the_book_has_chapters():
    assert CHAPTERS and CHAPTERS[0].name == "01_original.ipynb"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_outputs_come_from_the_committed_agentlib(path):
    stamp = load(path)["metadata"].get(notebooks.METADATA_KEY, {})
    assert stamp.get("source_sha256") == notebooks.source_fingerprint(), (
        f"{path.name} was executed with other code than the code in "
        f"agentlib/; {notebooks.REEXECUTE_HINT}"
    )


def test_fingerprint_ignores_comments_and_docstrings(tmp_path):
    (tmp_path / "a.py").write_text('"""Doc."""\n\nx = 1  # one\n')
    before = notebooks.source_fingerprint(tmp_path)
    (tmp_path / "a.py").write_text('"""Other doc."""\n# note\nx = 1\n')
    assert notebooks.source_fingerprint(tmp_path) == before
    (tmp_path / "a.py").write_text('"""Doc."""\nx = 2\n')
    assert notebooks.source_fingerprint(tmp_path) != before


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_is_executed_in_order_without_errors(path):
    cells = [c for c in load(path)["cells"] if c["cell_type"] == "code"]
    counts = [c["execution_count"] for c in cells]
    assert None not in counts and counts == sorted(counts), (
        f"{path.name} is not executed top to bottom; "
        f"{notebooks.REEXECUTE_HINT}"
    )
    for cell in cells:
        assert all(o["output_type"] != "error" for o in cell["outputs"])


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_has_one_title_a_summary_and_exercises(path):
    markdown = "\n".join(
        "".join(c["source"]) for c in load(path)["cells"]
        if c["cell_type"] == "markdown"
    )
    lines = markdown.splitlines()
    assert sum(line.startswith("# ") for line in lines) == 1
    assert "## Summary" in lines and "## Exercises" in lines
    assert lines.index("## Summary") < lines.index("## Exercises")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_chapter_has_its_colab_badge_under_the_title(path):
    title = "".join(load(path)["cells"][0]["source"]).splitlines()
    assert title[0].startswith("# ")
    assert title[2] == notebooks.colab_badge(path.name)


def test_badge_sync_replaces_an_old_badge():
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_markdown_cell("# T\n\nText"))
    notebook.cells.append(nbformat.v4.new_code_cell("x = 1"))
    for _ in range(2):
        notebook_sync = notebooks.sync_colab_badge(notebook, "09_x.ipynb")
    lines = notebook.cells[0].source.splitlines()
    assert notebook_sync is None
    assert lines == ["# T", "", notebooks.colab_badge("09_x.ipynb"), "",
                     "Text"]
    assert "agentlib-book/model-native-agent/blob/main/book/09_x" in lines[2]


def test_the_command_refuses_what_is_not_a_notebook(tmp_path, capsys):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    for path, message in ((text, "not a notebook (.ipynb)"),
                          (broken, "cannot read notebook")):
        assert cli.main(["notebooks", str(path)]) == 2
        assert message in capsys.readouterr().err


def test_the_command_leaves_notebooks_outside_the_book_alone(
    tmp_path, capsys
):
    import nbformat

    path = tmp_path / "mine.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), path)
    before = path.read_text()
    assert cli.main(["notebooks", str(path)]) == 2
    assert "is not one of the book's chapters" in capsys.readouterr().err
    assert path.read_text() == before  # no badge, no set-up cell


def test_code_only_by_hand():
    source = ('"""Module doc."""\n\n'
              'def f(x):  # a comment\n'
              '    """Function doc,\n    two lines."""\n'
              '    return x + 1\n')
    assert notebooks.code_only(source) == "def f(x):\n    return x + 1"
