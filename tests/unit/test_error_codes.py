"""docs/api.md lists every `error.code` a client can meet: a code added to the service, the
gateway or the command line without a row there fails here."""

from __future__ import annotations

import re
from pathlib import Path

from chalicelib import errors
from chalicelib.web.http import CHALICE_CODES
from scripts.gen_resources import GATEWAY_RESPONSES

ROOT = Path(__file__).resolve().parents[2]


def subclasses(kind: type) -> list[type]:
    return [kind, *(c for s in kind.__subclasses__() for c in subclasses(s))]


def documented() -> set[str]:
    """The codes in the first two cells of the tables of docs/api.md's "Errors" section."""
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    part = text.split("## Errors", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1:3] for line in part.splitlines() if line.startswith("| ")]
    return {code for cells in rows for code in re.findall(r"`([a-z_]+)`", "|".join(cells))}


def test_every_code_of_the_service_the_gateway_and_the_command_line_is_documented() -> None:
    service = {c.code for c in subclasses(errors.ToewijzingError)} | {
        errors.MalformedJsonError.code
    }
    gateway = {code for _status, code, _message in GATEWAY_RESPONSES.values()}
    cli_source = "\n".join(p.read_text() for p in (ROOT / "chalicelib" / "cli").glob("*.py"))
    cli = set(re.findall(r'error_body\(\s*"([a-z_]+)"', cli_source))
    assert {"usage_error", "chromium_missing"} <= cli  # the scan finds the command line's codes
    missing = (service | set(CHALICE_CODES.values()) | gateway | cli) - documented()
    assert not missing, f"add these to docs/api.md, Errors: {sorted(missing)}"
