"""`toewijzing letter --decision FILE [--out FILE] [--pdf OUT.pdf]`: the letter offline.

The decision files are made by the service itself (offline, on the in-memory store), so they
are decisions exactly as the API returns them. The PDF is printed by the real Chromium; without
one the command says so in the contract's error JSON (exit 2).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from dossiers import request_for

from chalicelib import cli
from chalicelib.cli import letter
from chalicelib.models.region import RegionIn
from chalicelib.web.http import json_data  # the decision JSON as the API sends it
from chalicelib.wiring import offline_services

CHROMIUM = Path("/usr/bin/chromium")
LWOO = {"arrangement": "lwoo", "iq": 85,
        "delays": {"begrijpend_lezen": [60, 42], "inzichtelijk_rekenen": [60, 39]}}  # fmt: skip
A4_POINTS = (595, 842)


def decision_file(tmp_path: Path, compact: dict[str, Any], name: str = "decision.json") -> Path:
    services = offline_services(dt.date(2017, 3, 1))
    services.regions.put_region("VO2001", RegionIn.model_validate({"name": "SWV VO Testregio"}))
    decision, _ = services.decisions.create_decision("VO2001", request_for(compact), None)
    path = tmp_path / name
    path.write_text(json.dumps(json_data(decision)), encoding="utf-8")
    return path


def error_of(stderr: str) -> dict[str, Any]:
    body = json.loads(stderr)
    assert set(body) == {"error"}
    return dict(body["error"])


def test_the_letter_goes_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = decision_file(tmp_path, {"arrangement": "pro", "iq": 70, "delays": {
        "begrijpend_lezen": [60, 25], "inzichtelijk_rekenen": [60, 28]}})  # fmt: skip
    assert cli.main(["letter", "--decision", str(path)]) == 0
    page = capsys.readouterr().out
    assert page.startswith("<!DOCTYPE html>")
    assert "<h1>Toelaatbaarheidsverklaring praktijkonderwijs (pro)</h1>" in page
    assert json.loads(path.read_text())["volgnummer"] in page


def test_out_writes_the_page_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = decision_file(tmp_path, {"arrangement": "lwoo", "iq": None})
    out = tmp_path / "brief.html"
    assert cli.main(["letter", "--decision", str(path), "--out", str(out)]) == 0
    assert capsys.readouterr().out == ""
    assert "Verzoek om het dossier aan te vullen" in out.read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["brief.html", "decision.json"]


@pytest.mark.parametrize(
    ("content", "code", "pointer"),
    [
        ("{not json", "validation_error", None),
        ('{"outcome": "granted"}', "validation_error", "/arrangement"),
        ("[]", "validation_error", ""),
    ],
)
def test_a_file_that_is_no_decision_is_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str,
    code: str,
    pointer: str | None,
) -> None:
    path = tmp_path / "x.json"
    path.write_text(content, encoding="utf-8")
    assert cli.main(["letter", "--decision", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    error = error_of(captured.err)
    assert error["code"] == code
    if pointer is not None:
        assert pointer in [d["path"] for d in error["details"]]


def test_a_missing_file_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["letter", "--decision", str(tmp_path / "nope.json")]) == 2
    assert error_of(capsys.readouterr().err)["code"] == "file_unreadable"


def test_pdf_without_chromium_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(letter, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setenv("PATH", str(tmp_path))
    path = decision_file(tmp_path, {"arrangement": "lwoo", "iq": 85})
    pdf = tmp_path / "brief.pdf"
    assert cli.main(["letter", "--decision", str(path), "--pdf", str(pdf)]) == 2
    error = error_of(capsys.readouterr().err)
    assert error["code"] == "chromium_missing" and "chromium" in error["message"]
    assert not pdf.exists()


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (make install-browser)")
def test_pdf_is_printed_on_a4(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = decision_file(tmp_path, LWOO)
    pdf, html = tmp_path / "brief.pdf", tmp_path / "brief.html"
    argv = ["letter", "--decision", str(path), "--pdf", str(pdf), "--out", str(html)]
    assert cli.main(argv) == 0, capsys.readouterr().err
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]", data)
    assert boxes, "no page in the PDF"
    assert {(round(float(w)), round(float(h))) for w, h in boxes} == {A4_POINTS}
    assert "Aanwijzing leerwegondersteunend onderwijs" in html.read_text(encoding="utf-8")
