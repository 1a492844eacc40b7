"""Issue 17 item 1: dates and figures that cannot be poisoned.

Every date a client sends is checked against a sane range for its meaning; a statistics request
never fails because of one stored document (it is named in `warnings`, the rest counted); a
region can withdraw (DELETE) or replace (PUT) an enrolment it stored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from chalicelib.storage.ports import StoredDecision
from tests.api.conftest import Api, request_body

ENROLMENT = {"schools": [{"brin": "00YY", "students": 200}, {"brin": "01AB", "students": 80}]}
BASE = "/v1/regions/VO2001"
STORED_AT = "2017-01-01T00:00:00+00:00"


def poison(api: Api) -> None:
    """What a region could store before dates were checked (issue 17): an enrolment for
    0001-10-01, and a decision document whose dates are broken."""
    storage = api.services.storage
    bad = {"region_id": "VO2001", "teldatum": "0001-10-01", "stored_at": STORED_AT,
           "schools": [{"brin": "00YY", "students": 1}], "students": 1}  # fmt: skip
    storage.put_region_document("VO2001", "enrolment", f"0001-10-01#{STORED_AT}#1", bad)


@pytest.mark.parametrize("teldatum", ["0001-10-01", "2015-10-01", "2019-10-01", "9999-10-01"])
def test_a_count_date_runs_from_2016_to_next_year(api: Api, teldatum: str) -> None:
    api.region()  # the clock says 2017-03-01: count dates 2016-10-01 to 2018-10-01
    status, body, _ = api.call("PUT", f"{BASE}/enrolments/{teldatum}", ENROLMENT)
    assert status == 400, body
    detail = {"path": "{teldatum}", "code": "date_range", "message": "Use 2016 to next year."}
    assert body["error"]["details"][0] == detail
    status, body, _ = api.call("GET", f"{BASE}/statistics?teldatum={teldatum}")
    assert status == 400 and body["error"]["details"][0]["path"] == "?teldatum"
    status, body, _ = api.call("GET", f"/v1/statistics?teldatum={teldatum}")
    assert status == 400 and body["error"]["details"][0]["code"] == "date_range"
    assert api.call("PUT", f"{BASE}/enrolments/2018-10-01", ENROLMENT)[0] == 201


def test_one_poisoned_enrolment_is_a_warning_not_a_500(api: Api) -> None:
    api.region()
    assert api.call("PUT", f"{BASE}/enrolments/2016-10-01", ENROLMENT)[0] == 201
    assert api.call("POST", f"{BASE}/decisions", request_body())[0] == 201
    poison(api)
    for path in (f"{BASE}/statistics?teldatum=2017-10-01", "/v1/statistics?teldatum=2017-10-01"):
        status, body, _ = api.call("GET", path)
        assert status == 200, body
        assert [w["code"] for w in body["warnings"]] == ["enrolment_ignored"]
        assert body["warnings"][0]["region_id"] == "VO2001"
        assert "0001-10-01" in body["warnings"][0]["message"]
    _, region, _ = api.call("GET", f"{BASE}/statistics?teldatum=2017-10-01")
    assert region["figures"]["allocations"]["total"] == 1  # the rest is counted
    assert [t["teldatum"] for t in region["trend"]] == ["2016-10-01", "2017-10-01"]
    for path in (f"{BASE}/report?teldatum=2017-10-01", "/v1/report?teldatum=2017-10-01"):
        response = api.client.http.get(path, headers={"Authorization": "Bearer test-admin-token"})
        assert response.status_code == 200, path


def test_a_broken_stored_decision_is_a_warning_and_the_rest_is_counted(api: Api) -> None:
    api.region()
    assert api.call("POST", f"{BASE}/decisions", request_body())[0] == 201
    stored = api.services.storage.list_region_decisions("VO2001")[0]
    broken: dict[str, Any] = {**stored, "decision_id": "f" * 32, "decided_on": "0000-01-01"}
    today = api.services.today()
    record = StoredDecision("VO2001", "f" * 32, "ll-x", today, broken, None, today)
    api.services.storage.put_decision(record, 0)
    status, body, _ = api.call("GET", "/v1/statistics?teldatum=2017-10-01")
    assert status == 200, body
    assert [w["code"] for w in body["warnings"]] == ["decision_ignored"]
    assert body["national"]["allocations"]["total"] == 1


def test_a_region_withdraws_and_replaces_its_enrolment(api: Api) -> None:
    api.region()
    api.region("VO2002")
    own, other = api.token("VO2001"), api.token("VO2002")
    path = f"{BASE}/enrolments/2017-10-01"
    assert api.call("PUT", path, ENROLMENT, token=own)[0] == 201
    assert api.call("DELETE", path, token=other)[0] == 403
    api.clock[0] += dt.timedelta(seconds=1)  # versions are ordered by the time they are stored
    status, body, _ = api.call("DELETE", path, token=own)
    assert status == 204 and body is None
    assert api.call("GET", path, token=own)[0] == 404
    assert api.call("DELETE", path, token=own)[0] == 404
    _, stats, _ = api.call("GET", f"{BASE}/statistics?teldatum=2017-10-01", token=own)
    assert stats["figures"]["enrolment_known"] is False
    replaced = {"schools": [{"brin": "00YY", "students": 300}]}
    api.clock[0] += dt.timedelta(seconds=1)
    assert api.call("PUT", path, replaced, token=own)[0] == 201  # new again after withdrawal
    assert api.call("GET", path, token=own)[1]["students"] == 300
    # the poisoned one of issue 17 can be withdrawn, and its warning goes with it
    poison(api)
    assert api.call("DELETE", f"{BASE}/enrolments/0001-10-01", token=own)[0] == 204
    _, stats, _ = api.call("GET", f"{BASE}/statistics?teldatum=2017-10-01", token=own)
    assert stats["warnings"] == []


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"application__date": "9999-12-31"}, "/application/date"),
        ({"application__date": "0001-01-01"}, "/application/date"),
        ({"student__iq__test_date": "0001-01-01"}, "/student/iq/test_date"),
        ({"student__iq__test_date": "2100-01-01"}, "/student/iq/test_date"),
    ],
)
def test_a_date_outside_the_calendar_is_a_400_naming_the_field(
    api: Api, change: dict[str, str], path: str
) -> None:
    api.region()
    status, body, _ = api.call("POST", f"{BASE}/decisions", request_body(**change))
    assert status == 400, body
    assert body["error"]["details"][0]["path"] == path
    assert "1900-01-01 to 2099-12-31" in body["error"]["details"][0]["message"]


def test_an_application_date_more_than_ten_years_ahead_is_a_400(api: Api) -> None:
    api.region()  # the clock says 2017-03-01
    status, body, _ = api.call(
        "POST", f"{BASE}/decisions", request_body(application__date="2027-03-02")
    )
    assert status == 400, body
    assert body["error"]["details"][0] == {
        "path": "/application/date", "code": "date_range",
        "message": "Use a date up to 1 March 2027."}  # fmt: skip


@pytest.mark.parametrize(
    "path",
    [
        "/v1/framework?date=0001-01-01",
        "/v1/framework/national-criteria?date=9999-12-31",
        "/v1/regions/VO2001/opt-out?date=0001-01-01",
        "/v1/regions/VO2001/criteria/in-force?date=2100-01-01",
    ],
)
def test_a_query_date_outside_the_calendar_is_a_400(api: Api, path: str) -> None:
    api.region()
    status, body, _ = api.call("GET", path)
    assert status == 400, body
    assert body["error"]["details"][0]["code"] == "date_range"
    assert body["error"]["details"][0]["path"] == "?date"
