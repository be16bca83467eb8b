"""Checking built book pages in headless Chromium, as a reader sees them.

:func:`check_page` opens one page at one width and returns its
problems, each naming the element, as lines. Requests to the CDNs that
pages load scripts from are answered from local copies of the npm
packages (``.ci/cdn-assets`` fetches them, at the versions the built
pages ask for); any other request that leaves this machine is a
problem. The checks are JavaScript run in the page (:data:`CHECKS`).
"""

import mimetypes
import re
import struct
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).parent.parent
CDN_DIR = ROOT / ".ci" / "cdn"
CDN_COPIES = {  # URL prefix a page asks for -> local copy of the package
    "https://cdn.jsdelivr.net/npm/mathjax@3/": "mathjax@3.2.2",
    "https://cdn.jsdelivr.net/npm/@jupyter-widgets/html-manager@1.0.6/":
        "html-manager@1.0.6",
}
# require.js, which pages with embedded widgets load from cdnjs, is not
# served: npm has it unminified only, which fails the page's integrity
# hash; the book embeds no widgets, and the check fails a page that does
COLAB_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
STAND_IN_BADGE = (  # Colab's badge is not on npm: a stand-in, same size
    '<svg xmlns="http://www.w3.org/2000/svg" width="117" height="20">'
    '<rect width="117" height="20" rx="3" fill="#555"/>'
    '<text x="8" y="14" fill="#fff" font-size="11" '
    'font-family="sans-serif">Open in Colab</text></svg>'
)
SMALLEST_FONT_PT = 8.0
"""No figure text is set below this (tests/test_figure_fonts.py)."""
READABLE_PX = 10.0
"""The smallest figure text must be at least this tall on screen."""
LAUNCH_BROWSER = ["--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def local_copy(url: str) -> Path | None:
    """The file that answers a CDN ``url`` here, or None."""
    for prefix, package in CDN_COPIES.items():
        if url.startswith(prefix):
            return CDN_DIR / package / url[len(prefix):].split("?")[0]
    return None


def png_dpi(path: Path) -> float:
    """The dots per inch a PNG records (matplotlib writes pHYs); 72
    when it records none."""
    data = path.read_bytes()
    at = data.find(b"pHYs")
    if at < 0:
        return 72.0
    per_metre, _, unit = struct.unpack(">IIB", data[at + 4: at + 13])
    return per_metre * 0.0254 if unit == 1 else 72.0


CHECKS = r"""
(minReadableScale) => {
  const problems = [];
  const name = (el) => {
    const id = el.closest('[id]');
    const cell = el.closest('.cell');
    const where = cell ? 'cell ' + [...document.querySelectorAll('.cell')]
      .indexOf(cell) : (id ? '#' + id.id : el.tagName.toLowerCase());
    return `${where} <${el.tagName.toLowerCase()} class="${el.className}">`;
  };
  // math: no TeX delimiters left in the text outside code
  const walker = document.createTreeWalker(document.body,
                                           NodeFilter.SHOW_TEXT);
  for (let node; (node = walker.nextNode()); ) {
    if (node.parentElement.closest('pre, code, script, style, mjx-container,'
                                   + ' .MathJax, textarea')) continue;
    const match = node.textContent.match(/\\\(|\\\[|\$\$/);
    if (match) problems.push(`math not typeset near "${node.textContent
      .trim().slice(0, 60)}" in ${name(node.parentElement)}`);
  }
  // images: every one loaded
  for (const img of document.images) {
    if (!img.complete || img.naturalWidth === 0)
      problems.push(`image not loaded: ${img.currentSrc || img.src}`);
  }
  // outputs: nothing wider than its column
  const wide = document.documentElement.clientWidth >= 1000;
  for (const el of document.querySelectorAll(
      '.cell_output pre, .cell_output table, .cell_output .output')) {
    if (wide && el.scrollWidth > el.clientWidth + 1)
      problems.push(`output wider than its column (${el.scrollWidth} px `
        + `in ${el.clientWidth} px): ${name(el)} "${el.textContent
        .trim().slice(0, 50)}"`);
  }
  // figures: the smallest text at least READABLE_PX tall on screen
  const figures = [];
  for (const img of document.querySelectorAll('.cell_output img')) {
    if (img.naturalWidth === 0) continue;
    const scale = img.getBoundingClientRect().width / img.naturalWidth;
    figures.push({src: img.currentSrc, scale: scale, where: name(img)});
  }
  // widgets: none embedded (a page without a kernel cannot run them)
  for (const el of document.querySelectorAll('.jupyter-widgets, '
      + 'script[type="application/vnd.jupyter.widget-view+json"]'))
    problems.push(`embedded widget: ${name(el)}`);
  const links = [...document.querySelectorAll('a[href*="colab.research"]')]
    .map((a) => a.href);
  // the theme's download menu: the page's source, for a chapter its .ipynb
  const downloads = [...document.querySelectorAll(
      '.dropdown-download-buttons a[href]')].map((a) => a.href);
  // citations: {cite} roles link to the References page
  const citations = document.querySelectorAll(
      'a[href*="references.html#"]').length;
  const headings = [...document.querySelectorAll('h2')]
    .map((h) => h.textContent.replace(/#$/, '').trim());
  return {problems, figures, links, downloads, citations, headings,
          statics: document.querySelectorAll('.agentlib-static').length};
}
"""


def chapter_of(page: Path) -> str | None:
    """``NN_name`` for a chapter's page, else None."""
    match = re.fullmatch(r"(\d\d_\w+)\.html", page.name)
    return match.group(1) if match else None


def check_page(browser, page_path: Path, width: int, expect: dict,
               shots: Path) -> list[str]:
    """Problems of ``page_path`` opened ``width`` px wide, as lines; a
    screenshot of the page is saved in ``shots`` when there are any."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    problems, outside = [], []
    page.on("console", lambda message: problems.append(
        f"console error: {message.text}") if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(
        f"JavaScript error: {error}"))

    def answer(route):
        url = route.request.url
        if url.startswith("file://"):
            return route.continue_()
        if url == COLAB_BADGE:
            return route.fulfill(body=STAND_IN_BADGE,
                                 content_type="image/svg+xml")
        copy = local_copy(url)
        if copy is not None and copy.is_file():
            kind = mimetypes.guess_type(copy.name)[0] or "text/plain"
            return route.fulfill(path=str(copy), content_type=kind)
        outside.append(url)
        return route.abort()

    page.route("**/*", answer)
    page.goto(page_path.as_uri(), wait_until="load")
    page.evaluate("() => window.MathJax && MathJax.startup "
                  "&& MathJax.startup.promise")
    found = page.evaluate(CHECKS, 0)
    problems += found["problems"]
    problems += [f"requested from outside with no local copy: {url}"
                 for url in outside]
    if width >= 1000:
        problems += unreadable_figures(found["figures"], page_path)
    problems += wrong_links(found["links"], page_path, expect)
    problems += wrong_downloads(found["downloads"], page_path,
                                expect.get("notebook"))
    problems += missing_sources(found["citations"], found["headings"],
                                page_path)
    if expect.get("statics", 0) > found["statics"]:
        problems.append(f"{expect['statics']} static explorer views "
                        f"expected, {found['statics']} found")
    if problems:
        shots.mkdir(parents=True, exist_ok=True)
        shot = shots / f"{page_path.stem}-{width}.png"
        page.screenshot(path=str(shot), full_page=True)
        problems.append(f"screenshot: {shot}")
    context.close()
    return problems


def unreadable_figures(figures: list[dict], page_path: Path) -> list[str]:
    """Figures scaled so far down that their smallest text is below
    :data:`READABLE_PX` on screen."""
    problems = []
    for figure in figures:
        image = Path(figure["src"].removeprefix("file://"))
        if image.suffix != ".png" or not image.is_file():
            continue
        smallest = SMALLEST_FONT_PT / 72 * png_dpi(image) * figure["scale"]
        if smallest < READABLE_PX:
            problems.append(
                f"figure text {smallest:.1f} px tall on screen (below "
                f"{READABLE_PX:.0f}): {figure['where']} {image.name}, "
                f"shown at {figure['scale']:.0%} of its size")
    return problems


def wrong_links(links: list[str], page_path: Path, expect: dict
                ) -> list[str]:
    """Colab links that do not open this chapter's notebook."""
    chapter = chapter_of(page_path)
    if chapter is None:
        return []
    want = (f"https://colab.research.google.com/github/{expect['repo']}"
            f"/blob/main/book/{chapter}.ipynb")
    problems = [f"Colab link to {link}, not {want}" for link in links
                if link != want]
    if len(links) < 2:  # the launch button and the badge
        problems.append(f"{len(links)} Colab links, expected the launch "
                        f"button and the badge")
    return problems


def wrong_downloads(hrefs: list[str], page_path: Path,
                    notebook: Path | None) -> list[str]:
    """A chapter page's download menu must offer its notebook: a link
    ending in ``NN_name.ipynb`` that opens, in the built book, a file
    byte for byte the same as ``notebook`` (the chapter in ``book/``)."""
    chapter = chapter_of(page_path)
    if chapter is None or notebook is None:
        return []
    found = [href for href in hrefs
             if href.startswith("file://")
             and href.split("?")[0].endswith(f"/{chapter}.ipynb")]
    if not found:
        return [f"no download link to {chapter}.ipynb among {hrefs}"]
    problems = []
    for href in found:
        target = Path(unquote(urlsplit(href).path))
        if not target.is_file():
            problems.append(f"download link {href} opens no file")
        elif target.read_bytes() != notebook.read_bytes():
            problems.append(f"download link {href} is not {notebook.name}")
    return problems


def missing_sources(citations: int, headings: list[str],
                    page_path: Path) -> list[str]:
    """A chapter page cites its sources and ends with further reading."""
    if chapter_of(page_path) is None:
        return []
    problems = []
    if citations == 0:
        problems.append("no citation links to the References page")
    if not headings or headings[-1] != "Further reading":
        problems.append(f"last section is {headings[-1:]}, not Further "
                        f"reading")
    return problems
