"""Modules and functions a reader can take in: outside the decision core (`domain/`), no module
under chalicelib/ is over 350 lines and no function over 60. Checked with `ast`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import chalicelib

ROOT = Path(chalicelib.__file__).resolve().parent
MAX_MODULE_LINES = 350
MAX_FUNCTION_LINES = 60
CHECKED = sorted(p for p in ROOT.rglob("*.py") if p.relative_to(ROOT).parts[0] != "domain")


def long_functions(source: str, limit: int = MAX_FUNCTION_LINES) -> list[str]:
    return [
        f"line {node.lineno}: {node.name} has {node.end_lineno - node.lineno + 1} lines"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > limit
    ]


@pytest.mark.parametrize("path", CHECKED, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_a_module_is_short(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert len(source.splitlines()) <= MAX_MODULE_LINES
    assert long_functions(source) == []


def test_the_checker_can_fail() -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    assert long_functions(f"def f():\n{body}\n") == [
        f"line 1: f has {MAX_FUNCTION_LINES + 1} lines"
    ]
    assert long_functions(f"def f():\n{body}\n", limit=MAX_FUNCTION_LINES + 1) == []
