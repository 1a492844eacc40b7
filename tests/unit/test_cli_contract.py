"""Every failure of the command line is the contract's error JSON on stderr with exit 2, a
missing or wrong option included; a closed output pipe ends quietly (issue 14, item 6)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib import cli

ROOT = Path(__file__).resolve().parents[2]
CRITERIA = ROOT / "criteria_schemas/examples/support-plan/criteria.json"
REGION = ROOT / "criteria_schemas/examples/support-plan/region.json"


def error_of(stderr: str) -> dict[str, str]:
    body = json.loads(stderr)
    assert set(body) == {"error"}
    assert set(body["error"]) >= {"code", "message"}
    return dict(body["error"])


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        ([], "command"),
        (["criteria"], "action"),
        (["criteria", "validate", str(CRITERIA)], "--region-file"),
        (["criteria", "validate", str(CRITERIA), "--region-file", "r", "--date", "x"], "--date"),
        (["decide", "f", "--framework", "nope"], "--framework"),
        (["no-such-command"], "no-such-command"),
    ],
)
def test_a_usage_error_is_the_error_json_on_stderr_with_exit_2(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    error = error_of(captured.err)
    assert error["code"] == "usage_error"
    assert says in error["message"]


def test_an_unexpected_failure_is_the_error_json_too(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object) -> object:
        raise KeyError("boom")

    monkeypatch.setattr("chalicelib.cli.criteria.region_state", broken)
    argv = ["criteria", "validate", str(CRITERIA), "--region-file", str(REGION)]
    assert cli.main(argv) == 2
    error = error_of(capsys.readouterr().err)
    assert error["code"] == "internal_error" and "Traceback" not in error["message"]


def test_a_closed_pipe_ends_quietly() -> None:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written (as `| head -1` after 1 line)
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "chalicelib.cli",
                "criteria",
                "validate",
                str(CRITERIA),
                "--region-file",
                str(REGION),
            ],
            cwd=ROOT,
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write)
    assert done.stderr == ""
    assert done.returncode == 0
