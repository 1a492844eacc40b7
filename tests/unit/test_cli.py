"""The `toewijzing decide` command, run as a subprocess the way people and scripts run it."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from dossiers import build_request

SCRIPT = Path(sys.executable).parent / "toewijzing"
COMMAND = [str(SCRIPT)] if SCRIPT.exists() else [shutil.which("toewijzing") or "toewijzing"]

# legal-rules.md 4.3, row 1 and row 3
ROW_1 = build_request(
    {
        "arrangement": "lwoo",
        "iq": 85,
        "delays": {
            "begrijpend_lezen": [56, 40],
            "spellen": [60, 42],
            "technisch_lezen": [60, 54],
            "inzichtelijk_rekenen": [60, 48],
        },
    },
    dt.date(2017, 3, 1),
)
ROW_3 = build_request(
    {
        "arrangement": "pro",
        "iq": 70,
        "delays": {"inzichtelijk_rekenen": [60, 30], "begrijpend_lezen": [60, 27]},
    },
    dt.date(2023, 3, 1),
)


def run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*COMMAND, *args], input=stdin, capture_output=True, timeout=60, check=False
    )


def write(tmp_path: Path, name: str, content: Any) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def error_of(result: subprocess.CompletedProcess[bytes]) -> dict[str, Any]:
    assert result.returncode == 2, result.stderr.decode()
    assert result.stdout == b""
    body = json.loads(result.stderr)
    assert set(body) == {"error"}
    assert body["error"]["message"]
    return body["error"]  # type: ignore[no-any-return]


def test_entry_point_is_installed() -> None:
    assert SCRIPT.exists() or shutil.which("toewijzing"), "run `make install`"


def test_decide_a_file_lwoo_a(tmp_path: Path) -> None:
    result = run("decide", str(write(tmp_path, "row1.json", ROW_1)))
    assert result.returncode == 0, result.stderr.decode()
    decision = json.loads(result.stdout)
    assert decision["outcome"] == "granted"
    assert decision["eligible_for"] == ["lwoo"]
    assert decision["phase"] == {"id": "integratie-2016"}
    assert decision["criteria"] == {"source": "national", "version_id": "national-2016"}
    assert decision["valid_until"] is None
    lwoo_a = next(r for r in decision["explanation"] if r["route"] == "lwoo-a")
    assert lwoo_a["met"] is True
    assert lwoo_a["conditions"][1]["actual"]["delays"]["begrijpend_lezen"] == "16/56"


def test_decide_from_stdin_pro(tmp_path: Path) -> None:
    result = run("decide", "-", stdin=json.dumps(ROW_3).encode())
    assert result.returncode == 0, result.stderr.decode()
    decision = json.loads(result.stdout)
    assert (decision["outcome"], decision["eligible_for"]) == ("granted", ["pro"])
    assert decision["criteria"]["version_id"] == "national-2022"


def test_framework_option(tmp_path: Path) -> None:
    request = build_request(
        {
            "arrangement": "lwoo",
            "iq": 85,
            "delays": {"begrijpend_lezen": [60, 42], "spellen": [60, 42]},
        },
        dt.date(2019, 3, 1),
    )
    path = write(tmp_path, "2019.json", request)
    enacted = run("decide", str(path))
    assert enacted.returncode == 0
    assert json.loads(enacted.stdout)["outcome"] == "granted"
    # the 2014 plan: no national criteria from 2018-08-01
    error = error_of(run("decide", "--framework", "kamerbrief-2014", str(path)))
    assert error["code"] == "no_criteria_in_force"


def test_malformed_json(tmp_path: Path) -> None:
    error = error_of(run("decide", str(write(tmp_path, "bad.json", '{"application": {'))))
    assert error["code"] == "validation_error"


def test_duplicate_keys_are_malformed(tmp_path: Path) -> None:
    text = '{"application": {"arrangement": "lwoo", "arrangement": "pro", "date": "2017-03-01"}}'
    error = error_of(run("decide", str(write(tmp_path, "dup.json", text))))
    assert error["code"] == "validation_error"


def test_schema_invalid_file_points_at_the_fields(tmp_path: Path) -> None:
    request = json.loads(json.dumps(ROW_1))
    request["student"]["iq"]["score"] = 250
    request["student"]["name"] = "Jan Jansen"
    del request["application"]["date"]
    error = error_of(run("decide", str(write(tmp_path, "invalid.json", request))))
    assert error["code"] == "validation_error"
    paths = {d["path"]: d["code"] for d in error["details"]}
    assert paths == {
        "/student/iq/score": "less_than_equal",
        "/student/name": "extra_forbidden",
        "/application/date": "missing",
    }
    assert all(d["message"] for d in error["details"])


def test_bsn_as_reference_is_refused(tmp_path: Path) -> None:
    request = {**ROW_1, "student": {**ROW_1["student"], "ref": "123456782"}}
    error = error_of(run("decide", str(write(tmp_path, "bsn.json", request))))
    assert error["code"] == "validation_error"
    assert [d["path"] for d in error["details"]] == ["/student/ref"]
    assert "123456782" not in json.dumps(error), "the BSN must not be echoed back"


def test_missing_file(tmp_path: Path) -> None:
    error = error_of(run("decide", str(tmp_path / "does-not-exist.json")))
    assert error["code"] == "file_unreadable"


@pytest.mark.parametrize("date", ["2015-12-31", "2014-03-01"])
def test_date_before_2016(tmp_path: Path, date: str) -> None:
    request = build_request(
        {
            "arrangement": "pro",
            "iq": 70,
            "delays": {"inzichtelijk_rekenen": [60, 24], "begrijpend_lezen": [60, 24]},
        },
        dt.date.fromisoformat(date),
    )
    error = error_of(run("decide", str(write(tmp_path, "old.json", request))))
    assert error["code"] == "no_legal_phase"
