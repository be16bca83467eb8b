"""The rendered book, page by page, in headless Chromium at a desktop
and a phone width (see tests/pages.py for what is checked).

The book is the README build command's ``_build/html`` when it is newer
than every chapter, else it is built here. Chromium is Debian's
(``apt-get install chromium``); the CDN copies come from
``.ci/cdn-assets``. Screenshots of failing pages go to
``_build/page-check/``.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest

from tests import pages

sync_api = pytest.importorskip("playwright.sync_api")

ROOT = pages.ROOT
BUILD = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "page-check"
WIDTHS = (1280, 390)
CHROMIUM = next(filter(None, map(shutil.which, (
    os.environ.get("AGENTLIB_CHROMIUM", "chromium"), "chromium",
    "chromium-browser"))), None)
FIXTURE = Path(__file__).parent / "fixtures" / "cut_off_output.html"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or not (pages.CDN_DIR / "mathjax@3.2.2").is_dir(),
    reason="needs Chromium (apt-get install chromium) and the CDN "
           "copies (.ci/cdn-assets)",
)


def sources() -> list[Path]:
    """What the built pages are made from."""
    return [*ROOT.glob("book/*.ipynb"), *ROOT.glob("book/*.md"),
            ROOT / "_config.yml", ROOT / "_toc.yml"]


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    """The built book's html folder: the README's build, or a new one."""
    index = BUILD / "index.html"
    if index.is_file() and index.stat().st_mtime > max(
            path.stat().st_mtime for path in sources()):
        return BUILD
    out = tmp_path_factory.mktemp("book")
    subprocess.run(["jupyter-book", "build", "--path-output", str(out),
                    str(ROOT)], check=True, capture_output=True)
    return out / "_build" / "html"


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium, as the probe of this machine starts it."""
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=pages.LAUNCH_BROWSER)
        yield chromium
        chromium.close()


def repository() -> str:
    """``owner/name`` of the repository that _config.yml names."""
    text = (ROOT / "_config.yml").read_text()
    return re.search(r"url: https://github.com/([\w.-]+/[\w.-]+)",
                     text).group(1)


def explorers(chapter: str) -> int:
    """How many explorers (each with a static view) a chapter shows."""
    path = ROOT / "book" / f"{chapter}.ipynb"
    if not path.is_file():
        return 0
    code = "\n".join(cell.source for cell in nbformat.read(
        path, as_version=4).cells if cell.cell_type == "code")
    return len(re.findall(r"\bshow_\w+_(?:explorer|playground)\(", code))


def page_names() -> list[str]:
    """The book's pages: the intro, every chapter and the method page."""
    return ["intro", "method", *(path.stem for path in
                                 sorted(ROOT.glob("book/[0-9][0-9]_*.ipynb")))]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", page_names())
def test_a_page_reads_as_it_should(book, browser, name, width):
    expect = {"repo": repository(), "statics": explorers(name),
              "notebook": ROOT / "book" / f"{name}.ipynb"}
    problems = pages.check_page(browser, book / "book" / f"{name}.html",
                                width, expect, SHOTS)
    assert not problems, "\n".join(problems)


def test_the_references_page_lists_every_entry_once(book, browser):
    # the bibliography lists the works cited, so an entry of the .bib file
    # that no page cites is missing here, and one cited twice is not doubled
    keys = re.findall(r"^@\w+\{([^,\s]+),", (ROOT / "book" / "references.bib")
                      .read_text(), re.MULTILINE)
    context = browser.new_context()
    page = context.new_page()
    page.route("**/*", lambda route: route.continue_() if route.request.url
               .startswith("file://") else route.abort())
    page.goto((book / "book" / "references.html").as_uri())
    entries = page.locator('[role="doc-biblioentry"]').all_inner_texts()
    context.close()
    assert len(keys) == len(set(keys)) == len(entries), (keys, entries)
    for entry in entries:  # a year, and a DOI, arXiv id or URL (all but
        # three works of 1999-2000 have one)
        year = int(re.search(r"\b(19|20)\d\d\b", entry).group())
        assert year < 2005 or re.search(r"doi:|arXiv:|URL:", entry), entry


def test_the_check_catches_an_output_cut_at_the_column(browser, tmp_path):
    problems = pages.check_page(browser, FIXTURE, 1280, {"repo": "x/y"},
                                tmp_path)
    assert any("output wider than its column" in problem
               and "cell 0" in problem for problem in problems), problems
    assert (tmp_path / "cut_off_output-1280.png").is_file()
