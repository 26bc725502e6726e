"""The layout's rules, checked: the engine computes, the views tell, the pages draw."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENGINE = sorted((ROOT / "gradviz").glob("*.py"))
PAGE_VIEWS = {
    "app.py": "landing",
    "pages/1_Activations.py": "activations",
    "pages/2_Initialization.py": "initialization",
    "pages/3_Deep_chain.py": "deep_chain",
    "pages/4_RNN_LSTM.py": "recurrent",
    "pages/5_Remedies.py": "remedies",
    "pages/6_Your_network.py": "your_network",
    "pages/7_Tour.py": "tour",
}


def test_every_page_is_listed():
    pages = {"app.py", *(f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py"))}
    assert pages == set(PAGE_VIEWS)


def test_the_engine_loads_no_drawing_code():
    """Importing every engine module, in a fresh interpreter, loads neither Altair nor
    Streamlit, nor the view layer."""
    modules = [f"gradviz.{p.stem}" for p in ENGINE if p.stem != "__init__"]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "loaded = {m.split('.')[0] for m in sys.modules}\n"
        "print(sorted(loaded & {'altair', 'streamlit', 'views', 'ui'}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


@pytest.mark.parametrize("page", sorted(PAGE_VIEWS))
def test_a_page_imports_only_streamlit_ui_and_its_view(page):
    allowed = re.compile(rf"^(streamlit|ui\.\w+|views\.{PAGE_VIEWS[page]})$")
    assert {m for m in imported_modules(ROOT / page) if not allowed.match(m)} == set()


TEXT_NAMES = re.compile(r"(markdown|latex|_text$|_notes?$|^explain_|caption|sources)", re.I)
# Markdown emphasis, a LaTeX command, or a markdown list item: the marks of words for a page.
TEXT_MARKS = re.compile(r"\*\*|\\(frac|sigma|partial|mathrm|text|sum|prod)\b|^\s*- \w", re.M)


def definitions(tree: ast.Module):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield node.name
        elif isinstance(node, ast.Assign):
            yield from (t.id for t in node.targets if isinstance(t, ast.Name))


def docstrings(tree: ast.Module) -> set[int]:
    """Strings that stand alone as statements: docstrings, including those of attributes."""
    return {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }


@pytest.mark.parametrize("path", ENGINE, ids=lambda p: p.name)
def test_the_engine_defines_no_text(path):
    """No engine function or constant is named for text (markdown, LaTeX, notes, sources), and
    no string outside a docstring carries markdown emphasis or a LaTeX command."""
    tree = ast.parse(path.read_text())
    assert [n for n in definitions(tree) if TEXT_NAMES.search(n)] == []
    skip = docstrings(tree)
    marked = [
        node.value[:60]
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and TEXT_MARKS.search(node.value)
    ]
    assert marked == []
