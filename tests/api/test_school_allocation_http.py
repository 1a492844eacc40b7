"""lwoo allocated to schools through the HTTP surface: the refusal to decide, pro untouched,
batch rows, the support-plan check and the figures (legal-rules 2.9)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

from tests.api.conftest import Api, request_body
from tests.api.test_batches import batch_api, results, submit  # noqa: F401 (fixture)
from tests.api.test_region_criteria import OPT_OUT
from tests.api.test_support_plans import BASE, codes, example, with_examples

EXAMPLES = Path(__file__).resolve().parents[2] / "criteria_schemas" / "examples"
ALLOCATED = json.loads(
    (
        EXAMPLES / "criteria-definition" / "valid" / "region-lwoo-allocated-to-schools.json"
    ).read_text(encoding="utf-8")
)


def opted_out_to_schools(api: Api) -> str:
    """A region that opted out on criteria from 2018 and allocates lwoo to its schools."""
    api.region()
    notice = copy.deepcopy(OPT_OUT)
    notice.update(effective_from="2018-01-01", notified_on="2017-12-10")
    for consent in notice["consents"]:
        consent["signed_on"] = "2017-12-01"
    assert api.call("PUT", "/v1/regions/VO2001/opt-out", notice)[0] == 200
    status, version, _ = api.call("POST", "/v1/regions/VO2001/criteria", ALLOCATED)
    assert status == 201, version
    api.clock[0] = dt.datetime(2018, 11, 1, 12, tzinfo=dt.UTC)
    return str(version["version_id"])


def application(arrangement: str, ref: str = "ll-2018-0001") -> dict[str, Any]:
    body = request_body(
        application__arrangement=arrangement, application__date="2018-03-01", student__ref=ref
    )
    body["student"]["iq"].update(score=70 if arrangement == "pro" else 82, test_date="2017-11-10")
    for delay in body["student"]["learning_delays"]:
        delay["test_date"] = "2018-01-15"
        if arrangement == "pro" and delay["domain"] in ("begrijpend_lezen", "inzichtelijk_rekenen"):
            delay["dle"] = 24
    return body


def test_an_lwoo_application_is_refused_to_decide_and_nothing_is_numbered(api: Api) -> None:
    version_id = opted_out_to_schools(api)
    status, body, _ = api.call("POST", "/v1/regions/VO2001/decisions", application("lwoo"))
    assert status == 422, body
    assert body["error"]["code"] == "lwoo_allocated_to_schools"
    assert "2018-01-01" in body["error"]["message"] and version_id in body["error"]["message"]
    # pro is untouched, and gets the first volgnummer of the year: nothing was numbered
    status, pro, _ = api.call("POST", "/v1/regions/VO2001/decisions", application("pro", "ll-2"))
    assert status == 201, pro
    assert pro["outcome"] == "granted" and pro["criteria"]["source"] == "national"
    assert pro["volgnummer"] == "VO2001-2018-000001"
    _, listed, _ = api.call("GET", "/v1/regions/VO2001/decisions?student_ref=ll-2018-0001")
    assert listed["items"] == []


def test_without_an_opt_out_on_criteria_lwoo_cannot_go_to_schools(api: Api) -> None:
    api.region()
    status, body, _ = api.call("POST", "/v1/regions/VO2001/criteria", ALLOCATED)
    assert status == 422
    found = {(f["code"], f["path"]) for f in body["error"]["findings"]}
    assert ("allocation_not_permitted", "/arrangements/lwoo/allocation") in found


def test_batch_rows_for_lwoo_are_rejected_with_the_code(batch_api: Api) -> None:  # noqa: F811
    opted_out_to_schools(batch_api)
    items = [application("lwoo", "ll-a"), application("pro", "ll-b")]
    accepted = submit(batch_api, json.dumps({"items": items}), "application/json")
    rows = {r["student_ref"]: r for r in results(batch_api, accepted["batch_id"])}
    assert rows["ll-a"]["status"] == "rejected"
    assert [e["code"] for e in rows["ll-a"]["errors"]] == ["lwoo_allocated_to_schools"]
    assert rows["ll-b"]["status"] == "decided"


def test_the_figures_show_lwoo_allocated_to_schools(api: Api) -> None:
    opted_out_to_schools(api)
    assert api.call("POST", "/v1/regions/VO2001/decisions", application("pro"))[0] == 201
    _, stats, _ = api.call("GET", "/v1/regions/VO2001/statistics?teldatum=2018-10-01")
    figures = stats["figures"]
    assert figures["allocation"] == {"lwoo": "allocated_to_schools", "pro": "per_student"}
    assert figures["allocations"] == {"lwoo": None, "pro": 1, "total": 1}
    _, national, _ = api.call("GET", "/v1/statistics?teldatum=2018-10-01")
    assert national["national"]["lwoo_allocated_to_schools"] == ["VO2001"]


def test_a_plan_that_allocates_lwoo_to_schools_must_say_how(api: Api) -> None:
    with_examples(api)
    plan = example("plan")
    plan["lwoo_pro"]["criteria"][0]["arrangements"]["lwoo"] = {"allocation": "schools"}
    status, body, _ = api.call("POST", f"{BASE}/validate", plan)
    assert status == 200, body
    assert ("lwoo_distribution_missing", "/lwoo_pro/lwoo_distribution") in codes(body["findings"])
    plan["lwoo_pro"]["lwoo_distribution"] = "Naar rato van het aantal leerlingen in vmbo bb/kb."
    _, body, _ = api.call("POST", f"{BASE}/validate", plan)
    assert "lwoo_distribution_missing" not in [f["code"] for f in body["findings"]]
