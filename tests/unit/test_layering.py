"""The layers, checked on the source with `ast`: no import runs upward, and the pure decision
core has no AWS, web framework, environment, clock or randomness.

From the bottom: `domain/` and `legal/` (the law and deciding under it) and `models/` (the
documents); `storage/` (the port and its adapters), `importers/` and `render/`; `services/`
(the use cases); on top `web/` with `app.py` (HTTP), `cli/` (the command line) and `wiring.py`,
the composition root. `errors.py`, `config.py`, `logs.py`, `documents.py` and `messages/` (every
text, in Dutch and English) serve every layer and import none. A failure names the module, the
line and the import.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import chalicelib

ROOT = Path(chalicelib.__file__).resolve().parent
APP = ROOT.parent / "app.py"
FILES = sorted(ROOT.rglob("*.py"))

UPPER = ("chalicelib.services", "chalicelib.web", "chalicelib.cli", "chalicelib.wiring", "app")
AWS = ("boto3", "botocore", "mypy_boto3_dynamodb")
# The storage adapters: only wiring.py (and the storage package itself) imports them.
ADAPTER_MODULES = ("chalicelib.storage.dynamodb", "chalicelib.storage.dynamodb_batches",
                   "chalicelib.storage.dynamodb_table", "chalicelib.storage.memory",
                   "chalicelib.storage.aws_errors", "chalicelib.storage.faults")  # fmt: skip
# Per layer (a package, or a module, of chalicelib), what its modules must never import.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "domain": (
        *UPPER,
        "chalicelib.storage",
        "chalicelib.importers",
        "chalicelib.render",
        *AWS,
        "chalice",
        "os",
        "time",
        "random",
    ),
    "legal": (
        *UPPER,
        "chalicelib.storage",
        "chalicelib.importers",
        "chalicelib.render",
        *AWS,
        "chalice",
        "os",
        "time",
        "random",
    ),
    "models": (
        *UPPER,
        "chalicelib.storage",
        "chalicelib.importers",
        "chalicelib.render",
        *AWS,
        "chalice",
    ),
    "storage": (*UPPER, "chalicelib.importers", "chalicelib.render", "chalice"),
    "importers": (*UPPER, "chalicelib.storage", "chalicelib.render", *AWS, "chalice"),
    "render": (*UPPER, "chalicelib.storage", "chalicelib.importers", *AWS, "chalice"),
    "services": (
        "chalicelib.web",
        "chalicelib.cli",
        "chalicelib.wiring",
        "app",
        *AWS,
        "chalice",
        *ADAPTER_MODULES,
    ),
    "web": ("chalicelib.cli", *AWS, *ADAPTER_MODULES),
    "cli": ("chalicelib.web", "app", *AWS, "chalice", *ADAPTER_MODULES),
    # the catalogs serve every layer: they import none, nor pydantic (`import app` loads them)
    "messages": (
        *UPPER,
        "chalicelib.storage",
        "chalicelib.importers",
        "chalicelib.render",
        "chalicelib.domain",
        "chalicelib.legal",
        "chalicelib.models",
        *AWS,
        "chalice",
        "pydantic",
        "os",
        "time",
        "random",
    ),
    "errors.py": (*UPPER, "chalicelib.storage", *AWS, "chalice", "pydantic"),
    "config.py": (*UPPER, "chalicelib.storage", *AWS, "chalice", "pydantic"),
    "logs.py": (*UPPER, "chalicelib.storage", *AWS, "chalice", "pydantic"),
    "documents.py": (*UPPER, "chalicelib.storage", *AWS, "chalice"),
}
PURE = ("domain", "legal", "messages")  # no clock either
CLOCK_ATTRIBUTES = {"today", "now", "utcnow"}
# The adapters: built only in chalicelib/wiring.py (and by tests).
ADAPTERS = {"DynamoStorage", "MemoryStorage", "S3BlobStore", "SqsQueue", "DirectoryBlobStore",
            "InProcessQueue"}  # fmt: skip


def layer(path: Path) -> str:
    relative = path.relative_to(ROOT)
    return relative.parts[0]


def imported(tree: ast.AST) -> list[tuple[int, str]]:
    """Every module an import statement names (at the top, in a function, under
    TYPE_CHECKING alike), with its line."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            # `from chalicelib import web` names the module chalicelib.web
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def names(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def violations(source: str, forbidden: tuple[str, ...], pure: bool = False) -> list[str]:
    """Every forbidden import (and, in the pure core, clock read) in a module's source."""
    tree = ast.parse(source)
    found = [
        f"line {line}: imports {module}"
        for line, module in imported(tree)
        if any(names(module, f) for f in forbidden)
    ]
    if pure:
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in {"datetime", "time"}:
                found += [
                    f"line {node.lineno}: imports the clock {alias.name}"
                    for alias in node.names
                    if alias.name in CLOCK_ATTRIBUTES
                ]
            # date.today(), dt.date.today(), datetime.now(), datetime.datetime.utcnow(), ...
            if isinstance(node, ast.Attribute) and node.attr in CLOCK_ATTRIBUTES:
                found.append(f"line {node.lineno}: reads the clock .{node.attr}")
    return sorted(set(found))


def adapters_built(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            owner = func.value if isinstance(func, ast.Attribute) else None
            if name in ADAPTERS or (
                name in {"client", "resource"}
                and isinstance(owner, ast.Name)
                and owner.id == "boto3"
            ):
                found.append(f"line {node.lineno}: builds {name}")
    return found


def test_every_layer_has_modules_to_check() -> None:
    assert {layer(p) for p in FILES} >= {k for k in FORBIDDEN if not k.endswith(".py")}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_import_runs_upward(path: Path) -> None:
    part = layer(path)
    forbidden = FORBIDDEN.get(part, ())
    assert violations(path.read_text(encoding="utf-8"), forbidden, part in PURE) == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_only_the_web_layer_imports_chalice(path: Path) -> None:
    allowed = layer(path) == "web"
    found = violations(path.read_text(encoding="utf-8"), ("chalice",))
    assert allowed or found == []


@pytest.mark.parametrize("path", [*FILES, APP], ids=lambda p: p.name if p == APP else
                         p.relative_to(ROOT).as_posix())  # fmt: skip
def test_only_wiring_builds_adapters(path: Path) -> None:
    if path == ROOT / "wiring.py":
        return
    assert adapters_built(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_a_module_says_what_it_is(path: Path) -> None:
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    assert docstring and docstring.splitlines()[0].strip(), "a docstring whose first line says it"


def test_the_batch_worker_loads_nothing_of_the_web_layer() -> None:
    """In a fresh interpreter: the worker's module, and everything it pulls in."""
    probe = (
        "import json, sys\nimport chalicelib.services.batches.worker\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    env = dict(os.environ, TOEWIJZING_STAGE="test", TOEWIJZING_STORAGE="memory")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT.parent, env=env,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    modules = json.loads(done.stdout.splitlines()[-1])
    assert [m for m in modules if names(m, "chalicelib.web") or names(m, "chalice")] == []


# The checkers must be able to fail: each snippet below is something they have to catch.
@pytest.mark.parametrize(
    ("part", "snippet"),
    [
        ("domain", "import boto3"),
        ("domain", "import botocore.exceptions"),
        ("domain", "from botocore.exceptions import ClientError"),
        ("domain", "import chalice"),
        ("domain", "from chalice import Chalice"),
        ("domain", "import os"),
        ("domain", "import os.path"),
        ("domain", "from os import environ"),
        ("domain", "import time"),
        ("domain", "from time import monotonic"),
        ("domain", "import random"),
        ("domain", "from random import choice"),
        ("domain", "import datetime\nx = datetime.date.today()"),
        ("domain", "import datetime as dt\nx = dt.datetime.now()"),
        ("domain", "from datetime import datetime\nx = datetime.utcnow()"),
        ("domain", "from datetime import date\nf = date.today"),
        ("domain", "from chalicelib.storage import memory"),
        ("domain", "import chalicelib.web.http"),
        ("legal", "from chalicelib.services.decisions import Decisions"),
        ("domain", "def f():\n    from chalicelib.services import Services"),
        ("domain", "from chalicelib import services"),
        ("models", "from chalicelib.storage.ports import Storage"),
        ("services", "from chalicelib.web import http"),
        ("services", "from chalicelib.web.routes.common import caller"),
        ("services", "import chalice"),
        ("services", "import boto3"),
        ("services", "from chalicelib.wiring import services"),
        ("services", "from chalicelib.storage.memory import MemoryStorage"),
        ("web", "from chalicelib.storage.dynamodb import DynamoStorage"),
        ("storage", "from chalicelib.services.regions import Regions"),
        ("storage", "from chalicelib.services import Services"),
        ("render", "from chalicelib.storage.ports import Storage"),
        ("importers", "from chalicelib.web.http import query"),
        ("cli", "from chalicelib.web import http"),
        ("errors.py", "from chalicelib.services import Services"),
        ("documents.py", "from chalicelib.web.http import json_response"),
    ],
)
def test_checker_catches(part: str, snippet: str) -> None:
    found = violations(snippet, FORBIDDEN[part], part in PURE)
    assert found, snippet
    assert all(f.startswith("line ") for f in found)


@pytest.mark.parametrize(
    ("part", "snippet"),
    [
        ("domain", "import datetime as dt\nx = dt.date(2016, 1, 1)"),
        ("domain", "from pathlib import Path"),
        ("domain", "from chalicelib.models.common import DOMAINS"),
        ("domain", "from decimal import Decimal"),
        ("domain", "osmosis = 1\ntimeline = 2"),
        ("domain", "from chalicelib.errors import NoLegalPhaseError"),
        ("services", "from chalicelib.storage.ports import Storage"),
        ("services", "from chalicelib.domain.in_force import resolve"),
        ("services", "from chalicelib.render.markdown import national_markdown"),
        ("web", "from chalice.app import Blueprint"),
        ("web", "from chalicelib.services import Services"),
        ("cli", "from chalicelib.services.decisions import decide_national"),
        ("storage", "from botocore.exceptions import ClientError"),
    ],
)
def test_checker_allows(part: str, snippet: str) -> None:
    assert violations(snippet, FORBIDDEN[part], part in PURE) == []


@pytest.mark.parametrize(
    "snippet",
    [
        "storage = DynamoStorage(client, 'table')",
        "from chalicelib.storage import memory\ns = memory.MemoryStorage()",
        "import boto3\nc = boto3.client('s3')",
        "q = SqsQueue(client, url)",
    ],
)
def test_adapter_checker_catches(snippet: str) -> None:
    assert adapters_built(snippet)


def test_a_violation_names_its_line() -> None:
    source = '"""A module."""\n\nimport json\n\n\ndef f():\n    from chalicelib.web import http\n'
    assert violations(source, FORBIDDEN["services"]) == [
        "line 7: imports chalicelib.web",
        "line 7: imports chalicelib.web.http",
    ]
