"""Decisions through the HTTP surface: create, read, list, idempotency, privacy, retention."""

from __future__ import annotations

import datetime as dt

from tests.api.conftest import Api, request_body


def test_a_decision_is_numbered_stored_and_read_back(api: Api) -> None:
    api.region()
    status, created, headers = api.call("POST", "/v1/regions/VO2001/decisions", request_body())
    assert status == 201, created
    assert created["outcome"] == "granted"
    assert created["eligible_for"] == ["lwoo"]  # IQ 82 is above pro's 55-80: no mixed profile
    assert created["volgnummer"] == "VO2001-2017-000001"
    assert created["criteria"] == {"source": "national", "version_id": "national-2016"}
    assert created["phase"] == {"id": "integratie-2016"}
    assert created["legal_basis"]
    assert headers["Idempotent-Replayed"] == "false"
    status, read, _ = api.call("GET", f"/v1/regions/VO2001/decisions/{created['decision_id']}")
    assert status == 200
    assert read == created


def test_volgnummers_follow_each_other_within_a_region_and_year(api: Api) -> None:
    api.region()
    numbers = [
        api.call("POST", "/v1/regions/VO2001/decisions", request_body())[1]["volgnummer"]
        for _ in range(3)
    ]
    assert numbers == [f"VO2001-2017-00000{i}" for i in (1, 2, 3)]


def test_same_idempotency_key_and_body_returns_the_first_decision(api: Api) -> None:
    api.region()
    key = {"Idempotency-Key": "batch-7:row-1"}
    _, first, _ = api.call("POST", "/v1/regions/VO2001/decisions", request_body(), headers=key)
    status, again, headers = api.call(
        "POST", "/v1/regions/VO2001/decisions", request_body(), headers=key
    )
    assert status == 201
    assert again["decision_id"] == first["decision_id"]
    assert again["volgnummer"] == first["volgnummer"]
    assert headers["Idempotent-Replayed"] == "true"


def test_same_idempotency_key_with_another_body_is_a_conflict(api: Api) -> None:
    api.region()
    key = {"Idempotency-Key": "k-1"}
    api.call("POST", "/v1/regions/VO2001/decisions", request_body(), headers=key)
    other = request_body(student__ref="ll-2017-0043")
    status, body, _ = api.call("POST", "/v1/regions/VO2001/decisions", other, headers=key)
    assert status == 409
    assert body["error"]["code"] == "conflict"


def test_list_by_student_ref_pages_with_a_cursor(api: Api) -> None:
    api.region()
    ids = {
        api.call("POST", "/v1/regions/VO2001/decisions", request_body())[1]["decision_id"]
        for _ in range(3)
    }
    api.call("POST", "/v1/regions/VO2001/decisions", request_body(student__ref="someone-else"))
    seen: set[str] = set()
    path = "/v1/regions/VO2001/decisions?student_ref=ll-2017-0042&limit=2"
    status, page, _ = api.call("GET", path)
    assert status == 200 and len(page["items"]) == 2 and page["next"]
    seen |= {d["decision_id"] for d in page["items"]}
    status, page, _ = api.call("GET", f"{path}&cursor={page['next']}")
    assert status == 200 and page["next"] is None
    seen |= {d["decision_id"] for d in page["items"]}
    assert seen == ids


def test_list_needs_a_student_ref_and_a_valid_cursor(api: Api) -> None:
    api.region()
    status, body, _ = api.call("GET", "/v1/regions/VO2001/decisions")
    assert status == 400 and body["error"]["details"][0]["path"] == "?student_ref"
    status, body, _ = api.call("GET", "/v1/regions/VO2001/decisions?student_ref=x&cursor=zz!")
    assert status == 400 and body["error"]["details"][0]["path"] == "?cursor"


def test_a_bsn_as_student_ref_is_refused(api: Api) -> None:
    api.region()
    status, body, _ = api.call(
        "POST", "/v1/regions/VO2001/decisions", request_body(student__ref="111222333")
    )
    assert status == 400
    assert body["error"]["details"][0]["path"] == "/student/ref"
    assert "BSN" in body["error"]["details"][0]["message"]


def test_a_name_is_never_accepted_nor_stored(api: Api) -> None:
    api.region()
    body = request_body()
    body["student"]["name"] = "Jan Jansen"
    status, error, _ = api.call("POST", "/v1/regions/VO2001/decisions", body)
    assert status == 400
    assert error["error"]["details"][0] == {
        "path": "/student/name",
        "code": "extra_forbidden",
        "message": "Extra inputs are not permitted",
    }
    api.call("POST", "/v1/regions/VO2001/decisions", request_body())
    stored = repr(api.services.storage.__dict__)
    assert "Jan Jansen" not in stored
    assert "ll-2017-0042" in stored  # the scan does see the stored decisions


def test_measured_values_go_after_three_years_and_the_decision_stays(api: Api) -> None:
    api.region()
    _, created, _ = api.call("POST", "/v1/regions/VO2001/decisions", request_body())
    assert created["health_data_until"] == "2020-03-01"
    iq = created["explanation"][0]["conditions"][0]
    assert iq["kind"] == "iq" and iq["actual"] == 82
    api.clock[0] = dt.datetime(2020, 3, 1, tzinfo=dt.UTC)
    _, later, _ = api.call("GET", f"/v1/regions/VO2001/decisions/{created['decision_id']}")
    assert later["outcome"] == created["outcome"]
    assert later["volgnummer"] == created["volgnummer"]
    conditions = [c for route in later["explanation"] for c in route["conditions"]]
    assert all(c["actual"] is None for c in conditions)
    assert [c["met"] for c in conditions] == [
        c["met"] for route in created["explanation"] for c in route["conditions"]
    ]


def test_a_date_before_2016_has_no_legal_phase(api: Api) -> None:
    api.region()
    status, body, _ = api.call(
        "POST", "/v1/regions/VO2001/decisions", request_body(application__date="2015-12-31")
    )
    assert status == 422 and body["error"]["code"] == "no_legal_phase"


def test_unknown_region_and_unknown_decision_are_404(api: Api) -> None:
    status, body, _ = api.call("POST", "/v1/regions/VO2009/decisions", request_body())
    assert status == 404 and body["error"]["code"] == "not_found"
    api.region()
    status, _, _ = api.call("GET", "/v1/regions/VO2001/decisions/" + "0" * 32)
    assert status == 404


def test_the_framework_can_be_chosen_per_decision(api: Api) -> None:
    api.region()
    body = request_body(application__date="2019-03-01")
    body["student"]["iq"]["test_date"] = "2018-11-10"
    status, created, _ = api.call(
        "POST", "/v1/regions/VO2001/decisions?framework=kamerbrief-2014", body
    )
    assert status == 422 and created["error"]["code"] == "no_criteria_in_force"
    status, created, _ = api.call("POST", "/v1/regions/VO2001/decisions", body)
    assert status == 201 and created["framework"] == "enacted"
