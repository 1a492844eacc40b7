"""Issue 17 items 6 and 7 (decisions): outputs that cannot bite, and an idempotency key whose
fingerprint covers every input that changes the decision.

- CSV cells a spreadsheet reads as a formula get a leading `'` (the results CSV of the service,
  and the file the command line writes);
- the support plan's `lwoo-pro.md` (for publication) escapes HTML and drops `javascript:` links;
- NUL and bidirectional control characters are refused (400, naming the field) in any text;
- `X-Content-Type-Options: nosniff` on every response, `Cache-Control: no-store` on decisions,
  tokens and statistics, `frame-ancestors 'none'` in the report pages' CSP.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from chalicelib.cli.api_client import Response
from chalicelib.cli.batch import write_results
from chalicelib.web.routes.batches import RESULT_COLUMNS, csv_response
from tests.api.conftest import ADMIN, Api, request_body
from tests.api.test_support_plans import BASE as PLANS
from tests.api.test_support_plans import create, example, markdown, with_examples

HOSTILE = ['=HYPERLINK("http://x","klik")', "+1+2", "-2+3", "@SUM(A1:A9)", "\tcmd", "\rcmd"]


def result_row(ref: str) -> dict[str, Any]:
    return {"row": 1, "student_ref": ref, "status": "rejected",
            "errors": [{"path": "", "message": ref}]}  # fmt: skip


@pytest.mark.parametrize("cell", HOSTILE)
def test_the_results_csv_neutralises_formulas(cell: str) -> None:
    response = csv_response({"items": [result_row(cell)], "next": None}, "nl")
    [row] = list(csv.DictReader(io.StringIO(response.body)))
    assert row["student_ref"] == "'" + cell
    assert row["errors"] == ("'" + cell if cell.strip() == cell else cell.strip())
    assert row["row"] == "1" and row["status"] == "rejected"


@pytest.mark.parametrize("cell", HOSTILE)
def test_the_command_line_writes_no_formula_even_from_an_older_service(
    tmp_path: Path, cell: str
) -> None:
    class OldService:
        def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
            table = io.StringIO()
            csv.writer(table).writerows([RESULT_COLUMNS, [1, cell, "rejected"]])
            return Response(200, {}, table.getvalue().encode())

    out = tmp_path / "results.csv"
    assert write_results(OldService(), "/results", out) == 1  # type: ignore[arg-type]
    [row] = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert row["student_ref"] == "'" + cell
    assert row["row"] == "1"


def test_the_plan_for_publication_escapes_html_and_drops_javascript_links(api: Api) -> None:
    with_examples(api)
    plan = example("plan")
    plan["lwoo_pro"]["procedure"] = (
        "Aanvragen <script>alert(1)</script> via [het loket](javascript:alert(1)) of "
        "[de site](https://swv.example/lwoo) of [x](JaVa\tScRiPt:alert(2)).\n\n"
        "[ref]: javascript:alert(3)\n"
        '<img src=x onerror="alert(4)">'
    )
    plan_id = create(api, plan)
    status, text, _ = markdown(api, f"{PLANS}/{plan_id}/lwoo-pro.md")
    assert status == 200
    assert "<script>" not in text and "<img" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "javascript:" not in text.lower().replace("\t", "")
    assert "[het loket] of [de site](https://swv.example/lwoo) of [x]." in text
    assert "[ref]: #" in text


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\u200f", "\u061c", "\x00"])
def test_nul_and_bidi_controls_are_refused_in_free_text(api: Api, char: str) -> None:
    status, body, _ = api.call("PUT", "/v1/regions/VO2001", {"name": f"SWV {char}Noord"})
    assert status == 400, body
    assert body["error"]["details"][0]["path"] == "/name"
    assert "bidirectional" in body["error"]["details"][0]["message"]
    api.region()
    request = request_body()
    request["student"]["iq"]["instrument"] = f"WISC{char}"
    status, body, _ = api.call("POST", "/v1/regions/VO2001/decisions", request)
    assert status == 400 and body["error"]["details"][0]["path"] == "/student/iq/instrument"
    status, body, _ = api.call("POST", "/v1/tokens", {"role": "ministry", "label": char})
    assert status == 400 and body["error"]["details"][0]["path"] == "/label"


def test_security_headers(api: Api) -> None:
    api.region()
    response = api.client.http.get("/v1/health")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    for method, path, body in [
        ("POST", "/v1/regions/VO2001/decisions", request_body()),
        ("POST", "/v1/regions/VO2001/tokens", {}),
        ("GET", "/v1/regions/VO2001/statistics?teldatum=2016-10-01", None),
        ("GET", "/v1/statistics?teldatum=2016-10-01", None),
        ("GET", "/v1/regions/VO2001/decisions/" + "0" * 32, None),  # an error too
    ]:
        _, _, headers = api.call(method, path, body)
        assert headers["Cache-Control"] == "no-store", path
        assert headers["X-Content-Type-Options"] == "nosniff", path
    report = api.client.http.get("/v1/report", headers={"Authorization": f"Bearer {ADMIN}"})
    assert "frame-ancestors 'none'" in report.headers["Content-Security-Policy"]
    assert report.headers["X-Content-Type-Options"] == "nosniff"


def test_an_idempotency_key_replayed_with_another_framework_is_a_conflict(api: Api) -> None:
    api.region()
    key = {"Idempotency-Key": "row-17"}
    path = "/v1/regions/VO2001/decisions"
    status, first, _ = api.call("POST", path, request_body(), headers=key)
    assert status == 201 and first["framework"] == "enacted"
    status, body, _ = api.call("POST", f"{path}?framework=kamerbrief-2014", request_body(),
                               headers=key)  # fmt: skip
    assert status == 409, body
    assert body["error"]["code"] == "conflict"
    status, again, headers = api.call("POST", f"{path}?framework=enacted", request_body(),
                                      headers=key)  # fmt: skip
    assert status == 201 and again["decision_id"] == first["decision_id"]
    assert headers["Idempotent-Replayed"] == "true"
