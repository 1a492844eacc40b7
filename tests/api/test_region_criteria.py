"""A region's own criteria and opting out, through the HTTP surface (issue 'Region criteria')."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from chalicelib.legal.timeline import national_criteria
from tests.api.conftest import Api, request_body

OPT_OUT = {
    "effective_from": "2017-01-01",
    "scope": ["criteria"],
    "notified_on": "2016-12-10",
    "consents": [
        {"board_id": "41234", "signed_on": "2016-12-01"},
        {"board_id": "41235", "signed_on": "2016-12-02"},
    ],
}


def lowered_lwoo(iq_min: int = 70) -> dict[str, Any]:
    """The national 2016 lwoo criteria with route lwoo-a's IQ lower bound lowered."""
    national = national_criteria("national-2016").definition.model_dump(mode="json")
    lwoo = copy.deepcopy(national["arrangements"]["lwoo"])
    lwoo["routes"][0]["id"] = "swv-lwoo-a"
    lwoo["routes"][0]["conditions"][0]["min"] = iq_min
    return {
        "effective_from": "2017-01-01",
        "effective_until": "2018-07-31",
        "mixed_profile": "either",
        "arrangements": {"lwoo": lwoo},
    }


def student(
    iq: int, delays: dict[str, tuple[int, int]], arrangement: str = "lwoo"
) -> dict[str, Any]:
    body = request_body(application__arrangement=arrangement, application__date="2017-03-01")
    body["student"]["iq"]["score"] = iq
    body["student"]["learning_delays"] = [
        {"domain": d, "dl": dl, "dle": dle, "test_date": "2017-01-15"}
        for d, (dl, dle) in delays.items()
    ]
    return body


ONLY_REGIONAL_LWOO = {  # IQ 72 with two delays of 20-25%: no national route, lwoo at IQ >= 70
    "begrijpend_lezen": (60, 42),  # 0.30
    "inzichtelijk_rekenen": (60, 42),  # 0.30
    "spellen": (60, 60),
    "technisch_lezen": (60, 60),
}


def test_without_opt_out_a_lower_lwoo_iq_bound_is_not_permitted(api: Api) -> None:
    api.region()
    status, body, _ = api.call("POST", "/v1/regions/VO2001/criteria", lowered_lwoo())
    assert status == 422
    assert body["error"]["code"] == "criteria_not_permitted"
    finding = next(
        f for f in body["error"]["findings"] if f["code"] == "deviates_from_national_criteria"
    )
    assert finding["path"] == "/arrangements/lwoo/routes/0/conditions/0/min"
    assert "75" in finding["message"] and "70" in finding["message"]
    assert finding["legal_basis"][0]["url"].startswith("https://wetten.overheid.nl/")


def test_after_a_valid_opt_out_the_region_decides_lwoo_and_pro_stays_national(api: Api) -> None:
    api.region()
    status, state, _ = api.call("PUT", "/v1/regions/VO2001/opt-out", OPT_OUT)
    assert status == 200, state
    assert state["scope"] == ["criteria"]
    status, version, _ = api.call("POST", "/v1/regions/VO2001/criteria", lowered_lwoo())
    assert status == 201, version
    status, lwoo, _ = api.call(
        "POST", "/v1/regions/VO2001/decisions", student(72, ONLY_REGIONAL_LWOO)
    )
    assert status == 201
    assert lwoo["outcome"] == "granted"
    assert lwoo["criteria"] == {"source": "region", "version_id": version["version_id"]}
    assert any(r["route"] == "swv-lwoo-a" and r["met"] for r in lwoo["explanation"])
    status, pro, _ = api.call(
        "POST", "/v1/regions/VO2001/decisions", student(72, ONLY_REGIONAL_LWOO, "pro")
    )
    assert status == 201
    assert pro["criteria"] == {"source": "national", "version_id": "national-2016"}
    # Nationally IQ 72 with 30% delays meets pro on IQ and lwoo on the delay: the mixed
    # profile makes pro possible, on the national criteria alone.
    assert pro["outcome"] == "granted"
    assert all(r["route"] != "swv-lwoo-a" for r in pro["explanation"] if "pro" in r["grants"])


def test_the_regional_lwoo_criteria_never_widen_pro(api: Api) -> None:
    api.region()
    api.call("PUT", "/v1/regions/VO2001/opt-out", OPT_OUT)
    wide = lowered_lwoo()
    wide["arrangements"]["lwoo"]["routes"][0]["conditions"][1]["min_ratio"] = "0.15"
    assert api.call("POST", "/v1/regions/VO2001/criteria", wide)[0] == 201
    delays = {**ONLY_REGIONAL_LWOO, "begrijpend_lezen": (60, 48), "inzichtelijk_rekenen": (60, 48)}
    _, lwoo, _ = api.call("POST", "/v1/regions/VO2001/decisions", student(72, delays))
    _, pro, _ = api.call("POST", "/v1/regions/VO2001/decisions", student(72, delays, "pro"))
    assert lwoo["outcome"] == "granted"  # 20% delays count under the region's 15% band
    assert pro["outcome"] == "refused"  # but not for pro, not even via the mixed profile
    assert pro["eligible_for"] == ["lwoo"]


@pytest.mark.parametrize(
    ("change", "code", "path"),
    [
        (
            {"consents": [{"board_id": "41234", "signed_on": "2016-12-01"}]},
            "consent_missing",
            "/consents",
        ),
        ({"notified_on": "2016-12-16"}, "opt_out_notice_late", "/notified_on"),
        ({"effective_from": "2017-02-01"}, "opt_out_start", "/effective_from"),
        ({"scope": ["criteria", "pro"]}, "opt_out_scope", "/scope/1"),
        (
            {
                "consents": [
                    {"board_id": "41234", "signed_on": "2016-12-01"},
                    {"board_id": "41235", "signed_on": "2016-12-11"},
                ]
            },
            "consent_after_notice",
            "/consents/1/signed_on",
        ),
    ],
)
def test_an_opt_out_is_refused_with_findings(
    api: Api, change: dict[str, Any], code: str, path: str
) -> None:
    api.region()
    status, body, _ = api.call("PUT", "/v1/regions/VO2001/opt-out", {**OPT_OUT, **change})
    assert status == 422
    assert body["error"]["code"] == "opt_out_not_permitted"
    assert {(f["code"], f["path"]) for f in body["error"]["findings"]} >= {(code, path)}


def test_re_entry_ends_the_opt_out_from_its_date(api: Api) -> None:
    api.region()
    api.call("PUT", "/v1/regions/VO2001/opt-out", OPT_OUT)
    re_entry = {"effective_from": "2018-01-01", "scope": [], "notified_on": "2017-12-01"}
    assert api.call("PUT", "/v1/regions/VO2001/opt-out", re_entry)[0] == 200
    _, in_2017, _ = api.call("GET", "/v1/regions/VO2001/opt-out?date=2017-06-01")
    _, in_2018, _ = api.call("GET", "/v1/regions/VO2001/opt-out?date=2018-06-01")
    assert in_2017["scope"] == ["criteria"]
    assert in_2018["scope"] == []
    assert len(in_2018["history"]) == 2
    status, body, _ = api.call("PUT", "/v1/regions/VO2001/opt-out", re_entry)
    assert status == 409 and body["error"]["code"] == "conflict"


def test_validate_is_a_dry_run_reporting_every_finding(api: Api) -> None:
    api.region()
    bad = lowered_lwoo()
    bad["effective_until"] = None
    bad["arrangements"]["lwoo"]["routes"][1]["conditions"][0]["min"] = 130
    status, body, _ = api.call("POST", "/v1/regions/VO2001/criteria/validate", bad)
    assert status == 200
    assert body["valid"] is False
    codes = {(f["code"], f["path"]) for f in body["findings"]}
    # open-ended, the definition is checked in every phase it spans, and the finding says so
    deviation = next(f for f in body["findings"] if f["code"] == "deviates_from_national_criteria")
    assert "integratie-2016" in deviation["message"] and "wvo2020" in deviation["message"]
    assert ("min_above_max", "/arrangements/lwoo/routes/1/conditions/0/min") in codes
    assert ("route_never_met", "/arrangements/lwoo/routes/1") in codes
    assert api.call("GET", "/v1/regions/VO2001/criteria")[1]["items"] == []


def test_looser_criteria_are_named_in_words(api: Api) -> None:
    api.region()
    api.call("PUT", "/v1/regions/VO2001/opt-out", OPT_OUT)
    status, body, _ = api.call("POST", "/v1/regions/VO2001/criteria/validate", lowered_lwoo())
    assert status == 200 and body["valid"] is True
    messages = [f["message"] for f in body["findings"] if f["code"] == "looser_than_national"]
    assert any(m.startswith("IQ 70-74 with a delay of 50% or more") for m in messages), messages


def test_a_stored_decision_keeps_its_version_after_a_newer_one(api: Api) -> None:
    api.region()
    api.call("PUT", "/v1/regions/VO2001/opt-out", OPT_OUT)
    _, first, _ = api.call("POST", "/v1/regions/VO2001/criteria", lowered_lwoo(70))
    _, decided, _ = api.call(
        "POST", "/v1/regions/VO2001/decisions", student(72, ONLY_REGIONAL_LWOO)
    )
    newer = lowered_lwoo(71)
    newer["effective_from"] = "2017-02-01"
    _, second, _ = api.call("POST", "/v1/regions/VO2001/criteria", newer)
    assert second["version_id"] != first["version_id"]
    _, read, _ = api.call("GET", f"/v1/regions/VO2001/decisions/{decided['decision_id']}")
    assert read["criteria"]["version_id"] == first["version_id"]
    _, in_force, _ = api.call("GET", "/v1/regions/VO2001/criteria/in-force?date=2017-03-01")
    assert in_force["arrangements"]["lwoo"]["version_id"] == second["version_id"]
    assert in_force["arrangements"]["pro"]["source"] == "national"


def test_impact_counts_changes_and_names_who_is_affected(api: Api) -> None:
    api.region()
    api.call("PUT", "/v1/regions/VO2001/opt-out", OPT_OUT)
    delays_20 = {
        **ONLY_REGIONAL_LWOO,
        "begrijpend_lezen": (60, 48),
        "inzichtelijk_rekenen": (60, 48),
    }
    cohort = [student(85, delays_20), student(85, ONLY_REGIONAL_LWOO)]
    cohort[0]["student"]["ref"] = "ll-a"
    cohort[1]["student"]["ref"] = "ll-b"
    wide = lowered_lwoo()
    wide["arrangements"]["lwoo"]["routes"][0]["conditions"][1]["min_ratio"] = "0.15"
    status, report, _ = api.call(
        "POST", "/v1/regions/VO2001/criteria/impact", {"definition": wide, "dossiers": cohort}
    )
    assert status == 200, report
    assert report["dossiers"] == 2
    assert report["changes"] == {"none -> lwoo": 1}
    assert report["affected"] == [{"student_ref": "ll-a", "before": [], "after": ["lwoo"]}]
    assert report["per_arrangement"]["lwoo"] == {"gained": 1, "kept": 1}


@pytest.mark.parametrize("framework", ["null", "Enacted", "kamerbrief", ""])
def test_an_unknown_framework_is_refused_even_where_no_dossier_needs_it(
    api: Api, framework: str
) -> None:
    """The fuzzer's finding: an impact over no dossiers never read the framework and answered
    200 with `"framework": "null"`."""
    api.region()
    body = {"definition": lowered_lwoo(), "dossiers": []}
    status, error, _ = api.call(
        "POST", f"/v1/regions/VO2001/criteria/impact?framework={framework}", body
    )
    assert status == 400, error
    assert error["error"]["code"] == "unknown_framework"
    status, report, _ = api.call(
        "POST", "/v1/regions/VO2001/criteria/impact?framework=enacted", body
    )
    assert (status, report["framework"]) == (200, "enacted")
    # the public routes too; an empty `?framework=` is no framework, not the default one
    status, error, _ = api.call("GET", f"/v1/framework?date=2017-03-01&framework={framework}")
    assert (status, error["error"]["code"]) == (400, "unknown_framework")
