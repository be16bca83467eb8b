"""A Sphinx extension for the book's pages (``_config.yml`` loads it).

It mends what a reader's browser would otherwise report: sphinx-thebe
adds its configuration script twice under Jupyter Book 1.x, which is a
JavaScript error on every page; pydata-sphinx-theme reads an empty
colour mode on a first visit and logs an error; and long output lines
would make a reader scroll sideways (``static/book.css`` wraps them).
"""

from pathlib import Path

STATIC = Path(__file__).parent / "static"
FIRST_VISIT_MODE = (
    'if (!document.documentElement.dataset.mode) '
    '{ document.documentElement.dataset.mode = "auto"; }'
)


def drop_repeated_scripts(app, pagename, templatename, context, doctree
                          ) -> None:
    """Keep the first of identical script entries of a page."""
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for script in scripts:
        attributes = getattr(script, "attributes", {}) or {}
        # a body script's file name is None or "", as it was added
        key = (getattr(script, "filename", str(script)) or "",
               tuple(sorted((k, str(v)) for k, v in attributes.items())))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    context["script_files"] = kept


def add_static_path(app) -> None:
    """Serve ``static/`` with the book's own static files."""
    app.config.html_static_path.append(str(STATIC))


def setup(app) -> dict:
    """Register the mends with Sphinx."""
    app.connect("builder-inited", add_static_path)
    # last, after the theme and extensions have added their scripts
    app.connect("html-page-context", drop_repeated_scripts, priority=999)
    app.add_css_file("book.css")
    app.add_js_file(None, body=FIRST_VISIT_MODE, priority=100)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
