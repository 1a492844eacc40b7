"""Batch results say why (issue 14, item 7): an `incomplete` row carries its error findings, a
rejected row keeps its student_ref whenever that cell was readable, and the results CSV has a
`reasons` column."""

from __future__ import annotations

import csv
import io
import json

from tests.api.conftest import Api
from tests.api.test_batches import as_csv, batch_api, cohort, results, submit

__all__ = ["batch_api"]  # the fixture


def test_an_incomplete_row_carries_its_error_findings(batch_api: Api) -> None:
    accepted = submit(batch_api, json.dumps({"items": cohort()}), "application/json")
    rows = results(batch_api, accepted["batch_id"])
    incomplete = [r for r in rows if r.get("outcome") == "incomplete"]
    assert len(incomplete) == 1
    findings = incomplete[0]["findings"]
    assert findings and all(set(f) == {"code", "path", "message"} for f in findings)
    _, decision, _ = batch_api.call(
        "GET", f"/v1/regions/VO2001/decisions/{incomplete[0]['decision_id']}"
    )
    errors = [f for f in decision["findings"] if f["severity"] == "error"]
    assert [(f["code"], f["path"], f["message"]) for f in errors] == [
        (f["code"], f["path"], f["message"]) for f in findings
    ]
    assert all("findings" not in r for r in rows if r.get("outcome") in ("granted", "refused"))


def test_a_rejected_csv_row_keeps_its_readable_student_ref(batch_api: Api) -> None:
    dossiers = cohort()
    text = as_csv(dossiers).replace(",ja,ja,", ",misschien,ja,", 1)  # row 1: a bad flag
    lines = text.splitlines()
    lines[2] += ",one-cell-too-many"  # row 2: the cells do not match the header
    accepted = submit(batch_api, "\n".join(lines) + "\n", "text/csv")
    rows = results(batch_api, accepted["batch_id"])
    assert [r["status"] for r in rows] == ["rejected", "rejected", "decided", "decided"]
    assert rows[0]["student_ref"] == dossiers[0]["student"]["ref"]
    assert rows[0]["errors"][0]["path"] == "/board_motivation"
    assert rows[1]["student_ref"] == dossiers[1]["student"]["ref"]
    assert rows[1]["errors"][0]["code"] == "csv_cells"


def test_the_results_csv_has_a_reasons_column(batch_api: Api) -> None:
    text = as_csv(cohort()).replace(",ja,ja,", ",misschien,ja,", 1)
    accepted = submit(batch_api, text, "text/csv")
    headers = {"Authorization": "Bearer test-admin-token", "Accept": "text/csv"}
    english = {**headers, "Accept-Language": "en"}  # the assertions below are on English text
    response = batch_api.client.http.get(accepted["results_url"], headers=english)
    table = list(csv.DictReader(io.StringIO(response.body.decode())))
    assert "reasons" in table[0]
    assert table[0]["status"] == "rejected"
    assert table[0]["reasons"].startswith("bool_parsing at /board_motivation: ")
    incomplete = next(r for r in table if r["outcome"] == "incomplete")
    assert incomplete["reasons"] and " at /student/sep" in incomplete["reasons"]
    granted = next(r for r in table if r["outcome"] == "granted")
    assert granted["reasons"] == ""
    dutch = batch_api.client.http.get(accepted["results_url"], headers=headers)  # the default
    rows = list(csv.DictReader(io.StringIO(dutch.body.decode())))
    assert rows[0]["reasons"].startswith("bool_parsing bij /board_motivation: board_motivation: ")
