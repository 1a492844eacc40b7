"""Batch submissions through the HTTP surface, with the worker in-process (as `make run`)."""

from __future__ import annotations

import csv
import functools
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.errors import StorageUnavailableError
from chalicelib.services.batches.chunks import ChunkBusyError
from chalicelib.services.batches.formats import CSV_COLUMNS
from chalicelib.services.batches.pipeline import Batches
from chalicelib.storage.faults import AFTER, THROTTLE, TIMEOUT, FaultPlan, FaultyStorage
from chalicelib.storage.transport import DirectoryBlobStore, InProcessQueue
from tests.api.conftest import Api, request_body

COMPARED = ("outcome", "eligible_for", "arrangement", "criteria", "phase", "explanation",
            "findings", "valid_until", "legal_basis")  # fmt: skip


@pytest.fixture
def batch_api(api: Api, tmp_path: Path) -> Iterator[Api]:
    def secret(region_id: str) -> bytes:
        return b"test-pseudonym-key-" + region_id.encode()

    batches = Batches(api.services, DirectoryBlobStore(tmp_path), None, secret)
    batches.queue = InProcessQueue(batches.handle, background=False)
    wiring.override(api.services, batches)
    api.region()
    yield api


def cohort() -> list[dict[str, Any]]:
    dossiers = []
    for i, (iq, arrangement) in enumerate([(82, "lwoo"), (70, "pro"), (100, "lwoo"), (54, "pro")]):
        body = request_body(application__arrangement=arrangement)
        body["student"]["ref"] = f"ll-{i}"
        body["student"]["iq"]["score"] = iq
        dossiers.append(body)
    return dossiers


def as_csv(dossiers: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS)
    writer.writeheader()
    for d in dossiers:
        row = {
            "student_ref": d["student"]["ref"], "arrangement": d["application"]["arrangement"],
            "application_date": d["application"]["date"],
            "school_brin": d["application"]["school_brin"],
            "iq_score": d["student"]["iq"]["score"],
            "iq_test_date": d["student"]["iq"]["test_date"],
            "iq_administered_by": d["student"]["iq"]["administered_by"],
            "board_motivation": "ja" if d["evidence"]["board_motivation"] else "nee",
            "parent_view": "ja" if d["evidence"]["parent_view"] else "nee",
            "expert_advice": ";".join(d["evidence"]["expert_advice"]),
        }  # fmt: skip
        for delay in d["student"]["learning_delays"]:
            for part in ("dl", "dle", "test_date"):
                row[f"{delay['domain']}_{part}"] = delay[part]
        writer.writerow(row)
    return out.getvalue()


def submit(api: Api, body: Any, content_type: str, query: str = "") -> dict[str, Any]:
    status, accepted, headers = api.call(
        "POST", f"/v1/regions/VO2001/batches{query}", body, headers={"Content-Type": content_type}
    )
    assert status == 202, accepted
    assert headers["Location"] == accepted["status_url"]
    return accepted


def results(api: Api, batch_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = ""
    while True:
        _, page, _ = api.call(
            "GET", f"/v1/regions/VO2001/batches/{batch_id}/results?limit=2{cursor}"
        )
        items += page["items"]
        if not page["next"]:
            return items
        cursor = f"&cursor={page['next']}"


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_batch_decides_as_single_calls_do(batch_api: Api, fmt: str) -> None:
    dossiers = cohort()
    body = json.dumps({"items": dossiers}) if fmt == "json" else as_csv(dossiers)
    accepted = submit(batch_api, body, "application/json" if fmt == "json" else "text/csv")
    _, status, _ = batch_api.call("GET", accepted["status_url"])
    assert status["status"] == "completed"
    assert status["counts"]["total"] == 4 and status["counts"]["pending"] == 0
    rows = results(batch_api, accepted["batch_id"])
    assert [r["row"] for r in rows] == [1, 2, 3, 4]
    for dossier, row in zip(dossiers, rows, strict=True):
        assert row["status"] == "decided"
        _, batch_decision, _ = batch_api.call(
            "GET", f"/v1/regions/VO2001/decisions/{row['decision_id']}"
        )
        _, single, _ = batch_api.call("POST", "/v1/regions/VO2001/decisions", dossier)
        assert {k: batch_decision[k] for k in COMPARED} == {k: single[k] for k in COMPARED}
    decided = status["counts"]["decided"]
    # IQ 100 without SEP is incomplete (SEP can decide route B); IQ 54 is refused
    assert decided == {"granted": 2, "refused": 1, "incomplete": 1}


def test_a_bad_row_is_rejected_with_its_pointer_and_the_others_go_on(batch_api: Api) -> None:
    dossiers = cohort()
    dossiers[1]["student"]["iq"]["score"] = 999
    dossiers[2]["student"]["ref"] = "111222333"  # a BSN
    accepted = submit(batch_api, json.dumps({"items": [*dossiers, "nonsense"]}), "application/json")
    rows = {r["row"]: r for r in results(batch_api, accepted["batch_id"])}
    assert [rows[n]["status"] for n in (1, 2, 3, 4, 5)] == [
        "decided", "rejected", "rejected", "decided", "rejected"]  # fmt: skip
    assert rows[2]["errors"][0]["path"] == "/student/iq/score"
    assert rows[3]["errors"][0]["path"] == "/student/ref"
    _, status, _ = batch_api.call("GET", accepted["status_url"])
    assert status["counts"]["rejected"] == 3


def test_a_csv_row_with_a_wrong_cell_names_its_column(batch_api: Api) -> None:
    text = as_csv(cohort()).replace(",ja,ja,", ",misschien,ja,", 1)
    accepted = submit(batch_api, text, "text/csv")
    rows = results(batch_api, accepted["batch_id"])
    assert rows[0]["status"] == "rejected"
    assert rows[0]["errors"][0]["path"] == "/board_motivation"
    assert [r["status"] for r in rows[1:]] == ["decided"] * 3


def test_a_csv_header_that_is_not_ours_is_400_at_once(batch_api: Api) -> None:
    status, body, _ = batch_api.call(
        "POST",
        "/v1/regions/VO2001/batches",
        "naam,bsn\nJan,111222333\n",
        headers={"Content-Type": "text/csv"},
    )
    assert status == 400
    assert "unknown columns naam, bsn" in body["error"]["message"]


def test_results_as_csv(batch_api: Api) -> None:
    accepted = submit(batch_api, as_csv(cohort()), "text/csv")
    response = batch_api.client.http.get(
        f"{accepted['results_url']}", headers={"Authorization": "Bearer test-admin-token",
                                               "Accept": "text/csv"},
    )  # fmt: skip
    assert response.status_code == 200
    table = list(csv.DictReader(io.StringIO(response.body.decode())))
    assert [r["row"] for r in table] == ["1", "2", "3", "4"]
    assert table[0]["volgnummer"].startswith("VO2001-2017-")


def recorded_messages(batches: Batches) -> list[dict[str, Any]]:
    """Every message the local queue delivers from now on, in order (each still delivered)."""
    sent: list[dict[str, Any]] = []
    deliver = batches.queue.handler  # type: ignore[union-attr]

    def keep(message: dict[str, Any]) -> None:
        sent.append(message)
        deliver(message)

    batches.queue.handler = keep  # type: ignore[union-attr]
    return sent


def zip_of_dossiers(count: int) -> bytes:
    """An archive of `count` copies of one OSO dossier (d0.xml, d1.xml, ...)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        for i in range(count):
            zipped.write(OSO / "Voorbeelddossier_PaO_POSWV_opt_out.xml", f"d{i}.xml")
    return buffer.getvalue()


def test_a_redelivered_chunk_doubles_nothing(batch_api: Api) -> None:
    batches = wiring.batches()
    sent = recorded_messages(batches)
    accepted = submit(batch_api, json.dumps({"items": cohort()}), "application/json")
    chunks = [m for m in sent if m["kind"] == "chunk"]
    for message in chunks + sent:  # every message again, as a crash before the ack would
        batches.handle(message)
    rows = results(batch_api, accepted["batch_id"])
    assert len({r["decision_id"] for r in rows}) == 4
    storage = batch_api.services.storage
    assert len(storage._decisions) == 4  # type: ignore[attr-defined]
    _, status, _ = batch_api.call("GET", accepted["status_url"])
    assert status["counts"]["decided"] == {"granted": 2, "refused": 1, "incomplete": 1}


class Flaky:
    """The storage, failing (as a throttled DynamoDB) on chosen calls of chosen operations."""

    def __init__(self, inner: Any, fail_on: dict[str, set[int]]) -> None:
        self.inner = inner
        self.fail_on = fail_on
        self.calls: dict[str, int] = {}

    def __getattr__(self, name: str) -> Any:
        operation = getattr(self.inner, name)
        if name not in self.fail_on:
            return operation

        @functools.wraps(operation)
        def flaky(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] = self.calls.get(name, 0) + 1
            if self.calls[name] in self.fail_on[name]:
                raise StorageUnavailableError("ProvisionedThroughputExceededException")
            return operation(*args, **kwargs)

        return flaky


def test_throttling_in_the_middle_of_a_batch_loses_and_doubles_nothing(batch_api: Api) -> None:
    dossiers = [dict(d, student={**d["student"], "ref": f"ll-{i}"})
                for i, d in enumerate(cohort() * 10)]  # fmt: skip
    # Throttled before the call, or (AFTER) written and then the connection dropped, as a
    # worker that dies before it acknowledges: the chunk comes back either way. A first
    # delivery reads nothing; each redelivery reads rows and decisions before it writes.
    # Chunk 0: rows written then a drop; a throttled claim; all rows found, summary throttled.
    # Chunk 1: numbers throttled; the redelivery's read of decisions times out.
    # Chunk 2: rows throttled; its redelivery's read of rows too; numbers reserved then a drop.
    # Chunk 3: summary written then a drop; the redelivery finds every row and the summary.
    plan = FaultPlan({
        "claim_chunk": {2: THROTTLE}, "row_results": {5: THROTTLE},
        "get_decisions": {1: TIMEOUT}, "reserve_volgnummers": {2: THROTTLE, 5: AFTER},
        "put_chunk_rows": {1: AFTER, 3: THROTTLE}, "put_chunk_summary": {1: THROTTLE, 5: AFTER},
    })  # fmt: skip
    faulty = FaultyStorage(batch_api.services.storage, plan)
    batch_api.services.storage = faulty  # type: ignore[assignment]
    batches = wiring.batches()
    batches.storage = faulty  # type: ignore[assignment]
    batches.chunk_rows = 10  # four chunks; no message fails five times (SQS's maxReceiveCount)
    accepted = submit(batch_api, json.dumps({"items": dossiers}), "application/json")
    rows = results(batch_api, accepted["batch_id"])
    assert [r["row"] for r in rows] == list(range(1, 41))
    assert all(r["status"] == "decided" for r in rows)
    assert len({r["decision_id"] for r in rows}) == 40
    assert len({r["volgnummer"] for r in rows}) == 40
    inner = faulty.inner
    assert len(inner._decisions) == 40
    assert {d.decision_id for d in inner._decisions.values()} == {r["decision_id"] for r in rows}
    _, status, _ = batch_api.call("GET", accepted["status_url"])
    assert status["status"] == "completed"
    assert sum(status["counts"]["decided"].values()) == 40
    assert batches.queue.dead_letters == []  # type: ignore[union-attr]
    injected = {(i.operation, i.call, i.fault) for i in faulty.injected}
    planned = {(op, n, f) for op, calls in plan.faults.items() for n, f in calls.items()}
    assert injected == planned  # every fault happened


def test_a_crash_after_the_decisions_before_their_results_numbers_nothing_twice(
    batch_api: Api,
) -> None:
    """The bulk write stores decisions and then results: a worker that dies in between
    leaves decisions without results. The chunk comes back, finds those decisions under
    the rows' own ids and writes their results: no second decision, no second number."""
    memory = batch_api.services.storage
    real = memory.put_chunk_rows
    crashes = []

    def decisions_then_crash(region_id, batch_id, decisions, results):  # type: ignore[no-untyped-def]
        if not crashes:
            crashes.append(len(decisions))
            real(region_id, batch_id, decisions, {})  # the decisions reach the table ...
            raise StorageUnavailableError("the worker died")  # ... the results do not
        real(region_id, batch_id, decisions, results)

    memory.put_chunk_rows = decisions_then_crash  # type: ignore[method-assign]
    accepted = submit(batch_api, json.dumps({"items": cohort()}), "application/json")
    rows = results(batch_api, accepted["batch_id"])
    assert crashes == [4]
    assert [r["status"] for r in rows] == ["decided"] * 4
    assert len(memory._decisions) == 4  # type: ignore[attr-defined]
    numbers = sorted(r["volgnummer"] for r in rows)
    assert numbers == [f"VO2001-2017-{n:06d}" for n in (1, 2, 3, 4)]


def test_a_chunk_held_by_another_worker_is_not_decided_twice(batch_api: Api) -> None:
    batches = wiring.batches()
    row = {"row": 1, "document": cohort()[0], "errors": [], "warnings": []}
    message = {"kind": "chunk", "region_id": "VO2001", "batch_id": "b1", "chunk": 0, "rows": [row]}
    storage = batch_api.services.storage
    assert storage.claim_chunk("VO2001", "b1", 0, "another worker", 100, 2**40)
    with pytest.raises(ChunkBusyError):
        batches.handle(message)
    assert storage._decisions == {}  # type: ignore[attr-defined]
    storage.release_chunk("VO2001", "b1", 0, "another worker")
    batches.handle(message)
    assert len(storage._decisions) == 1  # type: ignore[attr-defined]


OSO = Path(__file__).resolve().parents[1] / "data" / "oso" / "examples"
DATA = Path(__file__).resolve().parents[1] / "data" / "oso"
OSO_QUERY = ("?arrangement=lwoo&date=2016-03-01&board_motivation=true&parent_view=true"
             "&expert_advice=orthopedagoog,maatschappelijk_werker")  # fmt: skip


def test_an_oso_dossier_imports_with_the_values_its_xml_holds(batch_api: Api) -> None:
    xml = (OSO / "Voorbeelddossier_PaO_POSWV_full.xml").read_bytes()
    accepted = submit(batch_api, xml, "application/xml", OSO_QUERY)
    [row] = results(batch_api, accepted["batch_id"])
    assert row["status"] == "decided"
    assert row["student_ref"].startswith("oso-")
    assert row["outcome"] == "incomplete"  # the dossier has no spelling result
    assert any(w["code"] == "dl_derived" for w in row["warnings"])
    _, decision, _ = batch_api.call("GET", f"/v1/regions/VO2001/decisions/{row['decision_id']}")
    iq = decision["explanation"][0]["conditions"][0]
    assert iq["kind"] == "iq" and iq["actual"] == 97
    delays = decision["explanation"][0]["conditions"][1]["actual"]["delays"]
    assert delays == {"technisch_lezen": "0/60", "begrijpend_lezen": "-15/25",
                      "inzichtelijk_rekenen": "11/51"}  # fmt: skip
    assert "learning_delay_missing" in {f["code"] for f in decision["findings"]}
    stored = repr(batch_api.services.storage.__dict__)
    assert "LN094837" not in stored  # the school's student number is only hashed


def test_a_zip_of_dossiers_gives_a_row_each(batch_api: Api, tmp_path: Path) -> None:
    archive = tmp_path / "dossiers.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(OSO.glob("*.xml")):
            zipped.write(path, path.name)
        zipped.writestr("broken.xml", b"<dossier>")
    accepted = submit(batch_api, archive.read_bytes(), "application/zip", OSO_QUERY)
    rows = results(batch_api, accepted["batch_id"])
    # members in name order: "Voorbeelddossier_..." sorts before "broken.xml"
    assert [r["status"] for r in rows] == ["decided", "decided", "decided", "rejected"]
    assert rows[3]["errors"][0]["path"] == "/broken.xml"
    refs = {r["student_ref"] for r in rows[:3]}
    assert len(refs) == 1  # the same student in three dossiers: one pseudonymous ref


@pytest.mark.parametrize("name", ["billion_laughs.xml", "external_entity.xml", "dtd_only.xml"])
def test_hostile_xml_is_refused_at_once(batch_api: Api, name: str) -> None:
    status, body, _ = batch_api.call(
        "POST", f"/v1/regions/VO2001/batches{OSO_QUERY}", (DATA / name).read_bytes(),
        headers={"Content-Type": "application/xml"},
    )  # fmt: skip
    assert status == 400
    assert "DTD" in body["error"]["message"] or "entit" in body["error"]["message"]


def test_oso_dossiers_need_the_arrangement_and_date(batch_api: Api) -> None:
    xml = (OSO / "Voorbeelddossier_PaO_POSWV_full.xml").read_bytes()
    status, body, _ = batch_api.call(
        "POST", "/v1/regions/VO2001/batches", xml, headers={"Content-Type": "application/xml"}
    )
    assert status == 400
    assert {d["path"] for d in body["error"]["details"]} == {"?arrangement", "?date"}


def test_a_chunk_reads_the_region_and_its_criteria_once(batch_api: Api) -> None:
    counting = Flaky(batch_api.services.storage, {"get_region": set(),
                                                  "list_region_documents": set()})  # fmt: skip
    batch_api.services.storage = counting  # type: ignore[assignment]
    wiring.batches().storage = counting  # type: ignore[assignment]
    dossiers = [dict(d, student={**d["student"], "ref": f"ll-{i}"})
                for i, d in enumerate(cohort() * 5)]  # fmt: skip
    accepted = submit(batch_api, json.dumps({"items": dossiers}), "application/json")
    assert all(r["status"] == "decided" for r in results(batch_api, accepted["batch_id"]))
    # 20 rows in one chunk: the region once for the submission and once for the chunk; the
    # opt-outs and the criteria versions once each for the chunk
    assert counting.calls["get_region"] <= 3
    assert counting.calls["list_region_documents"] <= 3


def test_a_lease_that_cannot_be_given_back_runs_out_and_loses_nothing(batch_api: Api) -> None:
    faulty = FaultyStorage(batch_api.services.storage, FaultPlan({"release_chunk": {1: THROTTLE}}))
    batch_api.services.storage = faulty  # type: ignore[assignment]
    wiring.batches().storage = faulty  # type: ignore[assignment]
    accepted = submit(batch_api, json.dumps({"items": cohort()}), "application/json")
    assert [r["status"] for r in results(batch_api, accepted["batch_id"])] == ["decided"] * 4
    assert [i.operation for i in faulty.injected] == ["release_chunk"]
    _, status, _ = batch_api.call("GET", accepted["status_url"])
    assert status["status"] == "completed"
    # the chunk was acknowledged: not redelivered into its own unexpired lease until dropped
    assert wiring.batches().queue.dead_letters == []  # type: ignore[union-attr]
