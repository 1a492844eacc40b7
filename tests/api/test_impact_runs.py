"""Impact runs through the HTTP surface, with the worker in-process: the run over the region's
stored dossiers gives what `POST .../criteria/impact` gives on the same dossiers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.services import impact_runs
from chalicelib.services.batches.pipeline import Batches
from chalicelib.storage.ports import StoredDecision
from chalicelib.storage.transport import DirectoryBlobStore, InProcessQueue
from tests.api.conftest import Api
from tests.api.test_region_criteria import ONLY_REGIONAL_LWOO, OPT_OUT, lowered_lwoo, student

RUNS = "/v1/regions/VO2001/criteria/impact-runs"
DELAYS_20 = {**ONLY_REGIONAL_LWOO, "begrijpend_lezen": (60, 48), "inzichtelijk_rekenen": (60, 48)}


@pytest.fixture
def run_api(api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    monkeypatch.setattr(impact_runs, "PAGE_DOSSIERS", 2)  # several pages from a few dossiers
    batches = Batches(api.services, DirectoryBlobStore(tmp_path), None, lambda _: b"key")
    batches.queue = InProcessQueue(batches.handle, background=False)
    wiring.override(api.services, batches)
    api.region()
    api.call("PUT", "/v1/regions/VO2001/opt-out", OPT_OUT)
    yield api


def cohort() -> list[dict[str, Any]]:
    students = [
        student(85, DELAYS_20), student(85, ONLY_REGIONAL_LWOO), student(72, ONLY_REGIONAL_LWOO),
        student(85, DELAYS_20), student(100, ONLY_REGIONAL_LWOO), student(60, DELAYS_20, "pro"),
        student(90, DELAYS_20),
    ]  # fmt: skip
    for i, body in enumerate(students):
        body["student"]["ref"] = f"ll-{i}"
    return students


def candidate() -> dict[str, Any]:
    wide = lowered_lwoo()
    wide["arrangements"]["lwoo"]["routes"][0]["conditions"][1]["min_ratio"] = "0.15"
    return wide


def decide_all(api: Api, dossiers: list[dict[str, Any]]) -> None:
    for body in dossiers:
        status, created, _ = api.call("POST", "/v1/regions/VO2001/decisions", body)
        assert status == 201, created


def run(api: Api, query: str = "", token: str | None = None) -> dict[str, Any]:
    kwargs: dict[str, Any] = {} if token is None else {"token": token}
    status, accepted, headers = api.call("POST", RUNS + query, {"definition": candidate()},
                                         **kwargs)  # fmt: skip
    assert status == 202, accepted
    assert headers["Location"] == accepted["status_url"]
    status, report, _ = api.call("GET", accepted["status_url"], **kwargs)
    assert status == 200, report
    return dict(report)


def all_affected(api: Api, url: str, limit: int) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    cursor = ""
    while True:
        status, page, _ = api.call("GET", f"{url}?limit={limit}{cursor}")
        assert status == 200, page
        assert len(page["items"]) <= limit
        found += page["items"]
        if page["next"] is None:
            return found
        cursor = f"&cursor={page['next']}"


@pytest.mark.parametrize("query", ["", "?date=2017-06-01"])
def test_a_run_counts_what_the_synchronous_impact_counts(run_api: Api, query: str) -> None:
    dossiers = cohort()
    decide_all(run_api, dossiers)
    sent = {"definition": candidate(), "dossiers": dossiers}
    status, sync, _ = run_api.call("POST", f"/v1/regions/VO2001/criteria/impact{query}", sent)
    assert status == 200, sync
    assert sync["changed"] >= 2 and sync["dossiers"] == len(dossiers)  # a test that can fail

    report = run(run_api, query)
    assert report["status"] == "completed"
    assert report["pages_done"] == 4  # 7 dossiers, 2 a page
    expected = {k: v for k, v in sync.items() if k not in ("affected", "framework", "date")}
    assert report["report"] == expected
    assert (report["framework"], report["date"]) == (sync["framework"], sync["date"])
    affected = all_affected(run_api, report["affected_url"], 1)
    assert sorted(affected, key=str) == sorted(sync["affected"], key=str)
    stored = run_api.call("POST", f"/v1/regions/VO2001/criteria/impact{query}",
                          {"definition": candidate()})[1]  # fmt: skip
    assert affected == stored["affected"]  # the stored dossiers' order: decision id order


def test_a_page_delivered_twice_counts_once(run_api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    decide_all(run_api, cohort())
    batches = wiring.batches()
    sent: list[dict[str, Any]] = []
    handle = batches.handle

    def twice(message: dict[str, Any]) -> None:  # every page handled twice, one after the other
        sent.append(message)
        handle(message)
        if message["kind"] == "impact":
            handle(message)

    assert isinstance(batches.queue, InProcessQueue)
    monkeypatch.setattr(batches.queue, "handler", twice)
    storage = run_api.services.storage
    real = storage.put_row_result
    failures = [1]

    def crash_once(region_id: str, batch_id: str, row: int, result: dict[str, Any]) -> bool:
        if row > 2 and failures:  # page 1 dies after its summary: the queue delivers it again
            failures.pop()
            raise RuntimeError("worker died")
        return real(region_id, batch_id, row, result)

    monkeypatch.setattr(storage, "put_row_result", crash_once)
    once = run_api.call("POST", "/v1/regions/VO2001/criteria/impact",
                        {"definition": candidate()})[1]  # fmt: skip
    report = run(run_api)
    assert not failures  # the crash happened
    assert report["status"] == "completed"
    assert report["report"]["dossiers"] == 7 and report["dossiers_read"] == 7
    assert report["report"]["changed"] == once["changed"]
    assert report["report"]["changes"] == once["changes"]
    assert all_affected(run_api, report["affected_url"], 100) == once["affected"]
    for message in [m for m in sent if m["kind"] == "impact"]:  # and once more, afterwards
        handle(message)
    _, again, _ = run_api.call("GET", report["status_url"])
    assert again["report"] == report["report"]


def test_a_dossier_whose_health_data_expired_is_not_read(run_api: Api) -> None:
    decide_all(run_api, cohort()[:3])
    expired = StoredDecision(
        region_id="VO2001", decision_id="0" * 32, student_ref="ll-old",
        decided_on=dt.date(2013, 12, 1), document={"decision_id": "0" * 32},
        health={"dossier": {"not": "a dossier: reading it would fail the run"}},
        health_expires_on=dt.date(2016, 12, 1),
    )  # fmt: skip
    run_api.services.storage.put_decision(expired, expires_at=0)
    report = run(run_api)
    assert report["status"] == "completed", report
    assert report["report"]["dossiers"] == 3


def test_a_stored_dossier_that_cannot_be_read_fails_the_run(run_api: Api) -> None:
    broken = StoredDecision(
        region_id="VO2001", decision_id="1" * 32, student_ref="ll-bad",
        decided_on=dt.date(2017, 1, 1), document={"decision_id": "1" * 32},
        health={"dossier": {"not": "a dossier"}}, health_expires_on=dt.date(2020, 1, 1),
    )  # fmt: skip
    run_api.services.storage.put_decision(broken, expires_at=2**31)
    report = run(run_api)
    assert report["status"] == "failed"
    assert report["error"]["code"] == "impact_failed"
    assert report["report"] is None


def test_another_regions_token_gets_403(run_api: Api) -> None:
    decide_all(run_api, cohort()[:2])
    report = run(run_api, token=run_api.token("VO2001"))
    assert report["status"] == "completed"
    run_api.region("VO2002")
    other = run_api.token("VO2002")
    for method, path, body in [
        ("POST", RUNS, {"definition": candidate()}),
        ("GET", report["status_url"], None),
        ("GET", report["affected_url"], None),
    ]:
        status, error, _ = run_api.call(method, path, body, token=other)
        assert status == 403, error
    status, _, _ = run_api.call("GET", report["status_url"].replace("VO2001", "VO2002"),
                                token=other)  # fmt: skip
    assert status == 404  # and the run is not found under the other region


def test_a_run_is_not_a_batch_and_a_batch_not_a_run(run_api: Api) -> None:
    report = run(run_api)
    assert report["status"] == "completed" and report["report"]["dossiers"] == 0
    run_id = report["run_id"]
    status, _, _ = run_api.call("GET", f"/v1/regions/VO2001/batches/{run_id}")
    assert status == 404
    status, error, _ = run_api.call("POST", RUNS, {"definition": candidate(),
                                                   "dossiers": cohort()})  # fmt: skip
    assert status == 400, error
    status, error, _ = run_api.call("GET", f"{report['affected_url']}?cursor=x")
    assert status == 400, error


def test_a_lost_page_message_is_sent_again_by_the_sweeper(
    run_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.services.batches.sweeper import Sweeper

    decide_all(run_api, cohort())
    batches = wiring.batches()
    handle = batches.handle
    lost: list[dict[str, Any]] = []

    def losing(message: dict[str, Any]) -> None:  # the message of page 2 is lost, once
        if message.get("page") == 2 and not lost:
            lost.append(message)
            return
        handle(message)

    assert isinstance(batches.queue, InProcessQueue)
    monkeypatch.setattr(batches.queue, "handler", losing)
    report = run(run_api)
    assert (report["status"], report["pages_done"]) == ("processing", 2)
    run_api.clock[0] += dt.timedelta(hours=1)
    assert Sweeper(batches).sweep()["requeued"] == 1
    _, after, _ = run_api.call("GET", report["status_url"])
    assert (after["status"], after["pages_done"], after["report"]["dossiers"]) == (
        "completed", 4, 7,
    )  # fmt: skip
    assert Sweeper(batches).sweep() == {"requeued": 0, "finished": 0, "moving": 0}
