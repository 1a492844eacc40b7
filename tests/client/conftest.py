"""A Python client generated from the document (openapi-python-client, pinned in
requirements-dev.txt) into the session's tmp directory, never into the repository; and the
local stack it drives (dynalite + `chalice local`, as `make run`)."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from chalicelib.web.openapi import openapi_document
from tests.support.local_server import LocalServer

PACKAGE = "toewijzing_client"
# The generator knows no text/csv, application/xml or application/zip: to it these batch bodies
# are bytes. Its ruff post-hooks are left out: nobody reads the generated code.
CONFIG = """\
post_hooks: []
content_type_overrides:
  text/csv: application/octet-stream
  application/xml: application/octet-stream
  application/zip: application/octet-stream
"""


def generate(directory: Path) -> str:
    """Generate the client package in `directory`; returns what the generator printed."""
    document, config = directory / "openapi.json", directory / "config.yaml"
    document.write_text(json.dumps(openapi_document()), encoding="utf-8")
    config.write_text(CONFIG, encoding="utf-8")
    generator = Path(sys.executable).with_name("openapi-python-client")
    done = subprocess.run(
        [str(generator), "generate", "--path", str(document), "--output-path",
         str(directory / PACKAGE), "--meta", "none", "--config", str(config)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    printed = done.stdout + done.stderr
    assert done.returncode == 0, printed
    return printed


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ModuleType, str]]:
    """The generated package, imported, and what the generator printed."""
    directory = tmp_path_factory.mktemp("client")
    printed = generate(directory)
    sys.path.insert(0, str(directory))
    try:
        yield importlib.import_module(PACKAGE), printed
    finally:
        sys.path.remove(str(directory))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    with LocalServer(tmp_path_factory.mktemp("client-stack") / "dynalite") as server:
        yield server
