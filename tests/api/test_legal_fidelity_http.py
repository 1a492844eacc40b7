"""Legal fidelity II through the HTTP surface: each reading once, as a regional system sees it."""

from __future__ import annotations

import copy
from typing import Any

from chalicelib.legal.timeline import national_criteria
from tests.api.conftest import Api, request_body
from tests.api.test_region_criteria import OPT_OUT, student

LWOO_DELAYS = {
    "begrijpend_lezen": (60, 42),
    "inzichtelijk_rekenen": (60, 39),
    "spellen": (60, 60),
    "technisch_lezen": (60, 60),
}


def national_copy(**lwoo_changes: Any) -> dict[str, Any]:
    document = national_criteria("national-2016").definition.model_dump(mode="json")
    document["effective_from"], document["effective_until"] = "2017-01-01", None
    document["arrangements"]["lwoo"].update(lwoo_changes)
    return document


def test_an_opt_out_on_duration_alone_gives_lwoo_the_regions_duration(api: Api) -> None:
    api.region()
    status, body, _ = api.call(
        "PUT", "/v1/regions/VO2001/opt-out", {**OPT_OUT, "scope": ["duration"]}
    )
    assert status == 200, body
    two_years = national_copy(duration={"kind": "school_years", "years": 2})
    status, version, _ = api.call("POST", "/v1/regions/VO2001/criteria", two_years)
    assert status == 201, version
    status, decision, _ = api.call("POST", "/v1/regions/VO2001/decisions", student(85, LWOO_DELAYS))
    assert status == 201, decision
    assert decision["outcome"] == "granted"
    assert decision["valid_until"] == "2019-08-01"
    assert decision["criteria"] == {"source": "region", "version_id": version["version_id"]}
    assert "WVO art. 17a1 lid 1 b" in [c["citation"] for c in decision["legal_basis"]]


def test_a_missing_sep_that_can_decide_makes_the_decision_incomplete(api: Api) -> None:
    api.region()
    body = student(100, LWOO_DELAYS)
    status, decision, _ = api.call("POST", "/v1/regions/VO2001/decisions", body)
    assert status == 201
    assert decision["outcome"] == "incomplete"
    finding = next(f for f in decision["findings"] if f["code"] == "sep_missing")
    assert finding["severity"] == "error" and finding["path"] == "/student/sep"


def test_an_early_opt_out_notice_is_accepted(api: Api) -> None:
    api.region()
    early = copy.deepcopy(OPT_OUT)
    early.update(effective_from="2018-01-01", notified_on="2016-11-01")
    for consent in early["consents"]:
        consent["signed_on"] = "2016-10-20"
    status, body, _ = api.call("PUT", "/v1/regions/VO2001/opt-out", early)
    assert status == 200, body


def test_open_ended_regional_lwoo_criteria_are_stored_and_decide_after_2022(api: Api) -> None:
    api.region()
    assert api.call("PUT", "/v1/regions/VO2001/opt-out", OPT_OUT)[0] == 200
    own = national_copy(
        legal_basis=[],
        routes=[
            {
                "id": "lwoo-achterstand",
                "conditions": [
                    {
                        "kind": "learning_delay",
                        "min_ratio": "0.25",
                        "max_ratio_exclusive": "0.5",
                        "min_domains": 2,
                        "required_one_of": ["begrijpend_lezen", "inzichtelijk_rekenen"],
                    }
                ],
            }
        ],
    )
    own["mixed_profile"] = "none"
    status, version, _ = api.call("POST", "/v1/regions/VO2001/criteria", own)
    assert status == 201, version  # open-ended across 2022-08-01, without an IQ condition
    body = request_body(application__date="2023-03-01")
    body["student"]["iq"].update(score=112, test_date="2022-11-10")
    for delay in body["student"]["learning_delays"]:
        delay["test_date"] = "2023-01-15"
    status, decision, _ = api.call("POST", "/v1/regions/VO2001/decisions", body)
    assert status == 201, decision
    assert decision["outcome"] == "granted" and decision["phase"]["id"] == "wvo2020"
    route = next(r for r in decision["explanation"] if r["route"] == "lwoo-achterstand")
    cited = {c["citation"] for cond in route["conditions"] for c in cond["legal_basis"]}
    assert cited == {"WVO 2020 art. 2.48 lid 1", "Uitvoeringsbesluit WVO 2020 art. 2.48"}
    assert [c["citation"] for c in decision["health_data_legal_basis"]] == [
        "WVO 2020 art. 2.47 lid 16"
    ]


def test_the_above_band_warning_reaches_the_reader(api: Api) -> None:
    api.region()
    delays = {**LWOO_DELAYS, "inzichtelijk_rekenen": (60, 24)}  # IR 0,60, BL 0,30
    body = student(95, delays)
    status, decision, _ = api.call("POST", "/v1/regions/VO2001/decisions", body)
    assert status == 201
    assert decision["outcome"] == "refused"
    warning = next(f for f in decision["findings"] if f["code"] == "delay_above_band_not_counted")
    assert warning["legal_basis"], warning
