"""The pure decision core stays pure: no AWS, no web framework, no environment, no clock, no
randomness under chalicelib/domain/ and chalicelib/legal/. Checked on the source with `ast`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import chalicelib

ROOT = Path(chalicelib.__file__).resolve().parent
PURE_PACKAGES = ("domain", "legal")
FORBIDDEN_MODULES = {"boto3", "botocore", "chalice", "os", "time", "random"}
# the layers above the core: the core must not reach up into them
FORBIDDEN_INTERNAL = ("chalicelib.storage", "chalicelib.http", "chalicelib.services", "app")
CLOCK_ATTRIBUTES = {"today", "now", "utcnow"}

PURE_FILES = sorted(p for pkg in PURE_PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def violations(source: str) -> list[str]:
    """Every forbidden import and clock read in a module's source, as readable strings."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            top = name.split(".")[0]
            if top in FORBIDDEN_MODULES:
                found.append(f"line {node.lineno}: imports {name}")
            if any(name == m or name.startswith(m + ".") for m in FORBIDDEN_INTERNAL):
                found.append(f"line {node.lineno}: imports {name}")
        if isinstance(node, ast.ImportFrom) and node.module in {"datetime", "time"}:
            for alias in node.names:
                if alias.name in CLOCK_ATTRIBUTES:
                    found.append(f"line {node.lineno}: imports the clock {alias.name}")
        # date.today(), dt.date.today(), datetime.now(), datetime.datetime.utcnow(), ...
        if isinstance(node, ast.Attribute) and node.attr in CLOCK_ATTRIBUTES:
            found.append(f"line {node.lineno}: reads the clock .{node.attr}")
    return found


def test_the_core_has_modules_to_check() -> None:
    names = {p.relative_to(ROOT).as_posix() for p in PURE_FILES}
    assert {"domain/eligibility.py", "legal/timeline.py"} <= names


@pytest.mark.parametrize("path", PURE_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_pure_module(path: Path) -> None:
    assert violations(path.read_text(encoding="utf-8")) == []


# The checker must be able to fail: each snippet below is something it has to catch.
@pytest.mark.parametrize(
    "snippet",
    [
        "import boto3",
        "import botocore.exceptions",
        "from botocore.exceptions import ClientError",
        "import chalice",
        "from chalice import Chalice",
        "import os",
        "import os.path",
        "from os import environ",
        "import time",
        "from time import monotonic",
        "import random",
        "from random import choice",
        "import datetime\nx = datetime.date.today()",
        "import datetime as dt\nx = dt.datetime.now()",
        "from datetime import datetime\nx = datetime.utcnow()",
        "from datetime import date\nf = date.today",
        "from chalicelib.storage import repo",
        "import chalicelib.http",
        "from chalicelib.services.decisions import x",
    ],
)
def test_checker_catches(snippet: str) -> None:
    assert violations(snippet), snippet


@pytest.mark.parametrize(
    "snippet",
    [
        "import datetime as dt\nx = dt.date(2016, 1, 1)",
        "from pathlib import Path",
        "from chalicelib.models.common import DOMAINS",
        "from decimal import Decimal",
        "osmosis = 1\ntimeline = 2",
    ],
)
def test_checker_allows(snippet: str) -> None:
    assert violations(snippet) == []
