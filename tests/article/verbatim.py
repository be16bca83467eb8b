"""Load pieces of the article's verbatim code without running its script."""

import ast
from pathlib import Path

VERBATIM = Path(__file__).parent.parent / "fixtures" / "article_verbatim.py"


def load_article(*names: str) -> dict:
    """Exec the article's imports, constants and the named classes only."""
    tree = ast.parse(VERBATIM.read_text(encoding="utf-8"))
    keep = []
    for node in tree.body:
        is_import = isinstance(node, ast.Import | ast.ImportFrom)
        is_constant = isinstance(node, ast.Assign) and all(
            isinstance(t, ast.Name | ast.Tuple) and not _calls(node)
            for t in node.targets
        )
        is_named = isinstance(node, ast.ClassDef) and node.name in names
        if is_import or is_constant or is_named:
            keep.append(node)
    namespace: dict = {"device": "cpu"}
    exec(compile(ast.Module(keep, []), str(VERBATIM), "exec"), namespace)
    return namespace


def _calls(node: ast.AST) -> bool:
    """True when ``node`` calls anything (so it is not a constant)."""
    return any(isinstance(n, ast.Call) for n in ast.walk(node))
