"""Support plans through the HTTP surface (issue 'Support plan (ondersteuningsplan)').

The examples in criteria_schemas/examples/support-plan/ are used as a person would: the region,
its opt-out, its criteria, then the plan, which validates clean. Publishing is refused while a
plan has an error finding; a published plan is never changed and a new version supersedes it;
under the kamerbrief-2014 `loslaten` phase a region's criteria hold only through a published
plan that records them.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from chalicelib.models.support_plan import SupportPlan
from tests.api.conftest import ADMIN, Api, request_body

EXAMPLES = Path(__file__).resolve().parents[2] / "criteria_schemas" / "examples" / "support-plan"
BASE = "/v1/regions/VO2001/support-plans"
LWOO_A_70 = (
    "IQ 70 t/m 90 en een leerachterstand van 25% tot 50% op ten minste twee domeinen, "
    "waarvan een begrijpend lezen of inzichtelijk rekenen"
)


def example(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return document


def with_examples(api: Api, criteria: bool = True) -> None:
    assert api.call("PUT", "/v1/regions/VO2001", example("region"))[0] == 201
    status, body, _ = api.call("PUT", "/v1/regions/VO2001/opt-out", example("opt-out"))
    assert status == 200, body
    if criteria:
        status, body, _ = api.call("POST", "/v1/regions/VO2001/criteria", example("criteria"))
        assert status == 201, body


def codes(findings: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(f["code"], f["path"]) for f in findings]


def markdown(api: Api, path: str, token: str | None = ADMIN) -> tuple[int, str, dict[str, str]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = api.client.http.get(path, headers=headers)
    return response.status_code, response.body.decode("utf-8"), response.headers


def create(api: Api, plan: dict[str, Any], query: str = "") -> str:
    status, body, headers = api.call("POST", f"{BASE}{query}", plan)
    assert status == 201, body
    assert set(body) >= {"id", "content_hash", "status", "findings"}
    assert headers["Location"] == f"{BASE}/{body['id']}"
    return str(body["id"])


def test_the_example_plan_validates_clean_once_region_opt_out_and_criteria_are_in_place(
    api: Api,
) -> None:
    with_examples(api)
    status, body, _ = api.call("POST", f"{BASE}/validate", example("plan"))
    assert status == 200, body
    assert body == {
        "valid": True,
        "framework": "enacted",
        "phase": {"id": "wvo2020", "effective_from": "2022-08-01"},
        "findings": [],
    }


def test_the_region_id_appears_in_the_example_plan_only_as_region_id() -> None:
    plan = example("plan")
    assert plan["region_id"] == "VO2001"
    assert json.dumps({k: v for k, v in plan.items() if k != "region_id"}).count("VO2001") == 0
    for name in ("region", "opt-out", "criteria"):
        assert "VO2001" not in json.dumps(example(name))


def test_validation_reports_every_missing_and_late_item_with_pointer_and_basis(api: Api) -> None:
    with_examples(api)
    plan = example("plan")
    del plan["sections"]["c"]
    plan["period"]["end"] = "2029-07-31"
    plan["sent_to_inspectorate_on"] = "2024-05-02"
    plan["consultations"]["oogo"] = plan["consultations"]["oogo"][:1]
    plan["lwoo_pro"]["criteria"][0]["arrangements"]["lwoo"]["routes"][0]["conditions"][0]["min"] = (
        72
    )
    status, body, _ = api.call("POST", f"{BASE}/validate", plan)
    assert status == 200
    assert body["valid"] is False
    assert codes(body["findings"]) == [
        ("period_too_long", "/period/end"),
        ("section_missing", "/sections/c"),
        ("inspectorate_late", "/sent_to_inspectorate_on"),
        ("oogo_missing", "/consultations/oogo"),
        ("criteria_differ_from_stored", "/lwoo_pro/criteria/0"),
    ]
    by_code = {f["code"]: f for f in body["findings"]}
    assert by_code["section_missing"]["legal_basis"][0]["citation"] == "WVO 2020 art. 2.47 lid 9 c"
    assert by_code["inspectorate_late"]["legal_basis"][0]["citation"] == "WVO 2020 art. 2.47 lid 11"
    assert "Dorpsveen" in by_code["oogo_missing"]["message"]
    assert all(f["legal_basis"] for f in body["findings"])


def test_an_opted_out_region_whose_plan_lacks_its_criteria(api: Api) -> None:
    with_examples(api)
    plan = example("plan")
    plan["lwoo_pro"] = {"nominated_schools": ["00YY"]}
    _, body, _ = api.call("POST", f"{BASE}/validate", plan)
    assert codes(body["findings"]) == [
        ("criteria_not_recorded", "/lwoo_pro/criteria"),
        ("procedure_missing", "/lwoo_pro/procedure"),
    ]
    assert body["findings"][0]["legal_basis"][0]["citation"] == "WVO 2020 art. 2.48 lid 1"


def test_a_recorded_definition_the_phase_does_not_permit_gets_the_criteria_findings(
    api: Api,
) -> None:
    api.call("PUT", "/v1/regions/VO2001", example("region"))  # no opt-out
    plan = example("plan")
    plan["lwoo_pro"]["nominated_schools"] = []
    _, body, _ = api.call("POST", f"{BASE}/validate", plan)
    found = codes(body["findings"])
    at = "/lwoo_pro/criteria/0/arrangements/lwoo"
    assert ("deviates_from_national_criteria", f"{at}/routes/0/conditions/0/min") in found
    assert ("duration_not_permitted", f"{at}/duration") in found
    assert all(f["severity"] == "error" for f in body["findings"])
    assert not any(c == "criteria_not_recorded" for c, _ in found)  # no opt-out: not required


def test_a_draft_is_stored_read_and_published(api: Api) -> None:
    with_examples(api)
    plan_id = create(api, example("plan"))
    status, draft, _ = api.call("GET", f"{BASE}/{plan_id}")
    assert status == 200
    assert draft["status"] == "draft" and draft["published_on"] is None
    assert SupportPlan.model_validate(draft["plan"]) == SupportPlan.model_validate(example("plan"))
    status, published, _ = api.call("POST", f"{BASE}/{plan_id}/publish")
    assert status == 200, published
    assert published["status"] == "published"
    assert published["published_on"] == "2017-03-01"  # the test clock
    assert published["content_hash"] == draft["content_hash"]
    status, listing, _ = api.call("GET", BASE)
    assert [(i["id"], i["status"]) for i in listing["items"]] == [(plan_id, "published")]


def test_publishing_an_invalid_plan_is_refused_with_its_findings(api: Api) -> None:
    with_examples(api)
    plan = example("plan")
    del plan["sent_to_inspectorate_on"]
    plan_id = create(api, plan)
    status, body, _ = api.call("POST", f"{BASE}/{plan_id}/publish")
    assert status == 422
    assert body["error"]["code"] == "plan_not_publishable"
    assert codes(body["error"]["findings"]) == [
        ("not_sent_to_inspectorate", "/sent_to_inspectorate_on")
    ]
    assert api.call("GET", f"{BASE}/{plan_id}")[1]["status"] == "draft"


def test_a_published_plan_is_immutable_and_a_new_version_supersedes_it(api: Api) -> None:
    with_examples(api)
    first = create(api, example("plan"))
    assert api.call("POST", f"{BASE}/{first}/publish")[0] == 200
    status, body, _ = api.call("POST", f"{BASE}/{first}/publish")
    assert status == 409 and body["error"]["code"] == "conflict"
    for method in ("PUT", "PATCH", "DELETE"):
        assert api.call(method, f"{BASE}/{first}", example("plan"))[0] == 405
    second_plan = example("plan")
    second_plan["sections"]["e"]["text"] += " Aangevuld na de evaluatie van 2024."
    second = create(api, second_plan)
    assert second != first
    assert api.call("POST", f"{BASE}/{second}/publish")[0] == 200
    old = api.call("GET", f"{BASE}/{first}")[1]
    assert old["status"] == "superseded" and old["superseded_by"] == second
    assert SupportPlan.model_validate(old["plan"]) == SupportPlan.model_validate(example("plan"))
    assert api.call("GET", f"{BASE}/{second}")[1]["status"] == "published"


def test_the_lwoo_pro_section_renders_as_markdown(api: Api) -> None:
    with_examples(api)
    plan_id = create(api, example("plan"))
    api.call("POST", f"{BASE}/{plan_id}/publish")
    status, text, headers = markdown(api, f"{BASE}/{plan_id}/lwoo-pro.md")
    assert status == 200
    assert headers["Content-Type"].startswith("text/markdown")
    assert LWOO_A_70 in text
    assert "de aanwijzing op lwoo geldt 2 schooljaren" in text
    assert "Voor pro gelden de landelijke criteria" in text
    assert (
        "IQ 55 t/m 80 en een leerachterstand van ten minste 50% op ten minste twee domeinen, "
        "waarvan een begrijpend lezen of inzichtelijk rekenen"
    ) in text
    assert "00YY Vmbo De Brug" in text
    assert "[WVO 2020 art. 2.48 lid 1](https://wetten.overheid.nl/" in text
    assert "gepubliceerd op 1 maart 2017" in text


@pytest.mark.parametrize(
    ("query", "version", "basis"),
    [
        ("date=2017-03-01", "national-2016", "Inrichtingsbesluit WVO art. 15d lid 5 a"),
        ("date=2023-01-01", "national-2022", "Uitvoeringsbesluit WVO 2020 art. 2.46 lid 5 a"),
    ],
)
def test_the_national_criteria_read_as_the_law_does(
    api: Api, query: str, version: str, basis: str
) -> None:
    status, text, headers = markdown(api, f"/v1/framework/national-criteria.md?{query}", None)
    assert status == 200
    assert headers["X-Criteria-Version"] == version
    assert (
        "1. IQ 75 t/m 90 en een leerachterstand van 25% tot 50% op ten minste twee domeinen, "
        "waarvan een begrijpend lezen of inzichtelijk rekenen (route `lwoo-a`)."
    ) in text
    assert (
        "2. IQ 91 t/m 120 en een leerachterstand van 25% tot 50% op ten minste twee domeinen, "
        "waarvan een begrijpend lezen of inzichtelijk rekenen, en sociaal-emotionele "
        "problematiek"
    ) in text
    assert (
        "1. IQ 55 t/m 80 en een leerachterstand van ten minste 50% op ten minste twee domeinen, "
        "waarvan een begrijpend lezen of inzichtelijk rekenen (route `pro`)."
    ) in text
    assert "voor de hele schoolloopbaan" in text
    assert "kan toelaatbaar worden verklaard tot het praktijkonderwijs of aangewezen worden" in text
    assert basis in text


def test_no_national_criteria_in_loslaten_is_422(api: Api) -> None:
    path = "/v1/framework/national-criteria.md?date=2019-01-01&framework=kamerbrief-2014"
    status, text, _ = markdown(api, path, None)
    assert status == 422
    assert json.loads(text)["error"]["code"] == "no_criteria_in_force"


def test_the_region_in_the_body_must_be_the_region_of_the_path(api: Api) -> None:
    with_examples(api)
    plan = {**example("plan"), "region_id": "VO2002"}
    for path in (f"{BASE}/validate", BASE):
        status, body, _ = api.call("POST", path, plan)
        assert status == 400
        assert body["error"]["details"][0]["path"] == "/region_id"


def test_tenancy_and_malformed_ids(api: Api) -> None:
    with_examples(api)
    api.call("PUT", "/v1/regions/VO2002", example("region"))
    other = api.token("VO2002")
    plan_id = create(api, example("plan"))
    assert api.call("GET", f"{BASE}/{plan_id}", token=other)[0] == 403
    assert api.call("POST", f"{BASE}/validate", example("plan"), token=other)[0] == 403
    assert api.call("GET", f"{BASE}/{plan_id}", token=api.token("VO2001"))[0] == 200
    assert api.call("GET", f"{BASE}/not-an-id")[0] == 400
    assert api.call("GET", f"{BASE}/{'0' * 32}")[0] == 404
    status, body, _ = api.call("POST", BASE, {**example("plan"), "colour": "blue"})
    assert status == 400 and body["error"]["details"][0]["path"] == "/colour"


# kamerbrief-2014 `loslaten`: criteria only through a published plan

KB = "framework=kamerbrief-2014"


def loslaten_criteria() -> dict[str, Any]:
    criteria = example("criteria")
    national = copy.deepcopy(criteria["arrangements"]["lwoo"])
    national["routes"] = [copy.deepcopy(national["routes"][0])]
    national["routes"][0].update(id="swv-pro")
    national["routes"][0]["conditions"] = [
        {"kind": "iq", "min": 55, "max": 80},
        {
            "kind": "learning_delay",
            "min_ratio": "0.5",
            "min_domains": 2,
            "required_one_of": ["begrijpend_lezen", "inzichtelijk_rekenen"],
        },
    ]
    national["duration"] = {"kind": "school_career"}
    criteria["effective_from"] = "2018-08-01"
    criteria["arrangements"]["pro"] = national
    return criteria


def loslaten_plan(criteria: dict[str, Any]) -> dict[str, Any]:
    plan = example("plan")
    plan.update(
        period={"start": "2018-08-01", "end": "2022-07-31"},
        adopted_on="2018-03-20",
        sent_to_inspectorate_on="2018-04-10",
    )
    plan["sections"]["h"] = {"text": "Het aandeel van elke school volgt uit haar leerlingental."}
    plan["consultations"] = {
        "oogo": [
            {"municipality": "Voorbeeldstad", "held_on": "2018-02-15"},
            {"municipality": "Dorpsveen", "held_on": "2018-02-16"},
        ],
        "po_partnerships": [{"partnership": "PO2001", "held_on": "2018-02-20"}],
    }
    plan["lwoo_pro"] = {"criteria": [criteria], "procedure": "Zoals in het plan beschreven."}
    return plan


def in_force(api: Api, date: str) -> dict[str, Any]:
    status, body, _ = api.call("GET", f"/v1/regions/VO2001/criteria/in-force?date={date}&{KB}")
    assert status == 200, body
    return body


def test_under_loslaten_criteria_hold_only_through_a_published_plan(api: Api) -> None:
    api.call("PUT", "/v1/regions/VO2001", example("region"))
    criteria = loslaten_criteria()
    status, version, _ = api.call("POST", f"/v1/regions/VO2001/criteria?{KB}", criteria)
    assert status == 201, version
    assert in_force(api, "2019-01-01")["arrangements"] == {}  # stored, but no plan yet

    plan_id = create(api, loslaten_plan(criteria), f"?{KB}")
    assert in_force(api, "2019-01-01")["arrangements"] == {}  # a draft is not enough
    status, body, _ = api.call("POST", f"{BASE}/{plan_id}/publish")
    assert status == 200, body
    held = in_force(api, "2019-01-01")
    assert held["source"] == "region"
    assert {a: s["version_id"] for a, s in held["arrangements"].items()} == {
        "lwoo": version["version_id"],
        "pro": version["version_id"],
    }
    assert in_force(api, "2022-08-01")["arrangements"] == {}  # after the plan's period
    pro = request_body(application__arrangement="pro", application__date="2019-01-01")
    status, decided, _ = api.call("POST", f"/v1/regions/VO2001/decisions?{KB}", pro)
    assert status == 201, decided
    assert decided["criteria"] == {"source": "region", "version_id": version["version_id"]}
    assert any(r["route"] == "swv-pro" for r in decided["explanation"])


def test_under_loslaten_a_plan_recording_other_criteria_does_not_make_them_hold(
    api: Api,
) -> None:
    api.call("PUT", "/v1/regions/VO2001", example("region"))
    criteria = loslaten_criteria()
    api.call("POST", f"/v1/regions/VO2001/criteria?{KB}", criteria)
    other = copy.deepcopy(criteria)
    other["arrangements"]["lwoo"]["routes"][0]["conditions"][0]["min"] = 72
    plan_id = create(api, loslaten_plan(other), f"?{KB}")
    status, body, _ = api.call("POST", f"{BASE}/{plan_id}/publish")
    assert status == 422
    assert codes(body["error"]["findings"]) == [
        ("criteria_differ_from_stored", "/lwoo_pro/criteria/0")
    ]
    assert in_force(api, "2019-01-01")["arrangements"] == {}


def test_under_loslaten_the_plan_must_record_lwoo_and_pro_criteria(api: Api) -> None:
    api.call("PUT", "/v1/regions/VO2001", example("region"))
    plan = loslaten_plan(loslaten_criteria())
    plan["lwoo_pro"] = {"procedure": "Zoals in het plan beschreven."}
    _, body, _ = api.call("POST", f"{BASE}/validate?{KB}", plan)
    assert codes(body["findings"]) == [("criteria_not_recorded", "/lwoo_pro/criteria")] * 2
    assert "Kamerbrief" in body["findings"][0]["legal_basis"][0]["citation"]
    assert {"lwoo", "pro"} == {
        a for f in body["findings"] for a in ("lwoo", "pro") if f" no {a} " in f["message"]
    }


def test_the_openapi_document_lists_the_support_plan_routes(api: Api) -> None:
    _, document, _ = api.call("GET", "/v1/openapi.json", token=None)
    paths = document["paths"]
    assert {f"{BASE.replace('VO2001', '{region_id}')}{p}" for p in ("", "/validate")} <= set(paths)
    assert "/v1/framework/national-criteria.md" in paths
    assert "SupportPlan" in document["components"]["schemas"]


def test_a_region_without_opt_out_publishes_a_plan_under_the_national_criteria(api: Api) -> None:
    api.call("PUT", "/v1/regions/VO2001", example("region"))
    plan = example("plan")
    plan["lwoo_pro"] = {}
    plan_id = create(api, plan)
    status, body, _ = api.call("POST", f"{BASE}/{plan_id}/publish")
    assert status == 200, body
    assert body["findings"] == []
    _, text, _ = markdown(api, f"{BASE}/{plan_id}/lwoo-pro.md")
    assert "Voor lwoo en pro gelden de landelijke criteria, geldig vanaf 1 augustus 2022." in text
    assert "Criteria van het samenwerkingsverband" not in text
