"""The storage contract: every adapter behaves the same (memory, moto, dynalite)."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.errors import AlreadyExistsError, IdempotencyKeyHeldError, InvalidCursorError
from chalicelib.storage.dynamodb import DynamoStorage
from chalicelib.storage.dynamodb_table import VIEW
from chalicelib.storage.ports import (
    IdempotencyRecord,
    RegionState,
    Storage,
    StoredDecision,
    TokenRecord,
    region_hash,
)

TODAY = dt.date(2018, 1, 1)


def decision(
    decision_id: str,
    *,
    region: str = "VO2001",
    ref: str = "ll-1",
    on: dt.date = dt.date(2017, 3, 1),
    outcome: str = "granted",
) -> StoredDecision:
    return StoredDecision(
        region_id=region,
        decision_id=decision_id,
        student_ref=ref,
        decided_on=on,
        document={"decision_id": decision_id, "outcome": outcome, "explanation": []},
        health={"actuals": [[82]], "dossier": {"student": {"ref": ref}}},
        health_expires_on=on.replace(year=on.year + 3),
    )


def test_region_put_reports_creation_then_replacement(storage: Storage) -> None:
    assert storage.put_region({"region_id": "VO2001", "name": "A"}) is True
    assert storage.put_region({"region_id": "VO2001", "name": "B"}) is False
    assert storage.get_region("VO2001") == {"region_id": "VO2001", "name": "B"}
    assert storage.get_region("VO9999") is None


def test_token_is_found_by_hash_and_never_overwritten(storage: Storage) -> None:
    token = TokenRecord("ab" * 32, "region", "VO2001", "school office")
    storage.put_token(token)
    assert storage.get_token("ab" * 32) == token
    with pytest.raises(AlreadyExistsError):
        storage.put_token(TokenRecord("ab" * 32, "admin", None))
    assert storage.get_token("ab" * 32) == token
    assert storage.get_token("cd" * 32) is None


def test_volgnummer_counts_per_region_and_year(storage: Storage) -> None:
    assert [storage.next_volgnummer("VO2001", 2017) for _ in range(3)] == [1, 2, 3]
    assert storage.next_volgnummer("VO2001", 2018) == 1
    assert storage.next_volgnummer("VO2002", 2017) == 1


def test_volgnummer_has_no_duplicates_under_concurrency(
    storage: Storage, request: pytest.FixtureRequest
) -> None:
    if request.node.callspec.params["storage"] == "moto":
        pytest.skip("moto does not serialise concurrent UpdateItem; DynamoDB does (see dynalite)")
    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(lambda _: storage.next_volgnummer("VO2001", 2017), range(80)))
    assert sorted(numbers) == list(range(1, 81))


def test_idempotency_claim_keeps_the_first_record(storage: Storage) -> None:
    first = IdempotencyRecord("VO2001", "key-1", "hash-a", "d1")
    assert storage.claim_idempotency(first) == first
    second = IdempotencyRecord("VO2001", "key-1", "hash-b", "d2")
    assert storage.claim_idempotency(second) == first
    other_region = IdempotencyRecord("VO2002", "key-1", "hash-b", "d3")
    assert storage.claim_idempotency(other_region) == other_region


def test_decision_is_never_overwritten(storage: Storage) -> None:
    storage.put_decision(decision("d1"), expires_at=0)
    with pytest.raises(AlreadyExistsError):
        storage.put_decision(decision("d1", outcome="refused"), expires_at=0)
    stored = storage.get_decision("VO2001", "d1", TODAY)
    assert stored is not None
    assert stored.document["outcome"] == "granted"


def change_count(storage: Storage) -> int:
    return storage.statistics_snapshots(["VO2001"], dt.date(2017, 10, 1))["VO2001"][0]


def test_a_decision_is_stored_with_its_claim_and_count_or_not_at_all(storage: Storage) -> None:
    """`store_decision`: one transaction on moto (as DynamoDB), the ordered writes on dynalite."""
    claim = IdempotencyRecord("VO2001", "key-1", "hash-a", "d1")
    storage.store_decision(decision("d1"), expires_at=2**31, claim=claim)
    assert storage.get_decision("VO2001", "d1", TODAY) == decision("d1")
    assert storage.claim_idempotency(IdempotencyRecord("VO2001", "key-1", "x", "d9")) == claim
    assert change_count(storage) == 1
    # the same key for another decision id: refused with the record held, nothing written
    with pytest.raises(IdempotencyKeyHeldError) as held:
        storage.store_decision(
            decision("d2"), 2**31, IdempotencyRecord("VO2001", "key-1", "hash-a", "d2")
        )
    assert (held.value.body_hash, held.value.decision_id) == ("hash-a", "d1")
    assert storage.get_decision("VO2001", "d2", TODAY) is None and change_count(storage) == 1
    # a decision id that exists: refused, nothing replaced or counted
    with pytest.raises(AlreadyExistsError):
        storage.store_decision(decision("d1", outcome="refused"), 2**31)
    stored = storage.get_decision("VO2001", "d1", TODAY)
    assert stored is not None and stored.document["outcome"] == "granted"
    assert change_count(storage) == 1
    storage.store_decision(decision("d3", ref="ll-3"), 2**31)  # no key
    assert change_count(storage) == 2


def test_decision_round_trips_with_its_health_record(storage: Storage) -> None:
    storage.put_decision(decision("d1"), expires_at=0)
    stored = storage.get_decision("VO2001", "d1", TODAY)
    assert stored == decision("d1")
    assert storage.get_decision("VO2002", "d1", TODAY) is None


def test_documents_round_trip_whatever_characters_they_hold(storage: Storage) -> None:
    # decisions hold message tokens with control characters (\x1e) and Dutch names; the
    # DynamoDB adapter writes UTF-8 JSON (pydantic-core), the memory twin keeps the dicts
    text = '\x1e["condition.iq_between"]\u00eb\u00e9\u2013\U0001f393"\\\n\x00'
    written = decision("d1")
    document = {**written.document, "school_name": text, "\u00e9\x1e": [text, {"x": text}]}
    health = {"actuals": [[text, 1.5, None, True]], "dossier": {"student": {"ref": text}}}
    written = StoredDecision(**{**written.__dict__, "document": document, "health": health})
    storage.put_chunk_rows("VO2001", "b1", [(written, 2**31)], {})
    storage.store_decision(StoredDecision(**{**written.__dict__, "decision_id": "d2"}), 2**31)
    assert storage.get_decision("VO2001", "d1", TODAY) == written
    transacted = storage.get_decision("VO2001", "d2", TODAY)
    assert transacted is not None and transacted.document == document


def test_health_record_is_gone_from_the_expiry_date(storage: Storage) -> None:
    storage.put_decision(decision("d1"), expires_at=0)
    day_before = storage.get_decision("VO2001", "d1", dt.date(2020, 2, 29))
    on_expiry = storage.get_decision("VO2001", "d1", dt.date(2020, 3, 1))
    assert day_before is not None and day_before.health is not None
    assert on_expiry is not None and on_expiry.health is None
    assert on_expiry.document == decision("d1").document


def test_list_pages_through_a_students_decisions_in_date_order(storage: Storage) -> None:
    days = [dt.date(2017, 3, d) for d in (5, 1, 4, 2, 3)]
    for i, day in enumerate(days):
        storage.put_decision(decision(f"d{i}", on=day), expires_at=0)
    storage.put_decision(decision("other", ref="ll-2"), expires_at=0)
    storage.put_decision(decision("elsewhere", region="VO2002"), expires_at=0)
    seen: list[dt.date] = []
    cursor = None
    pages = 0
    while True:
        page = storage.list_decisions("VO2001", "ll-1", TODAY, 2, cursor)
        pages += 1
        seen += [d.decided_on for d in page.items]
        assert all(d.health is not None for d in page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == sorted(days)
    assert pages == 3


def test_list_refuses_a_cursor_it_did_not_hand_out(storage: Storage) -> None:
    with pytest.raises(InvalidCursorError):
        storage.list_decisions("VO2001", "ll-1", TODAY, 2, "not-a-cursor!")


# Monitoring (issue 7): regions, a region's decisions, national documents


def test_list_regions_gives_every_region_once_in_id_order(storage: Storage) -> None:
    for region_id in ("VO2002", "VO2001", "VO2003"):
        storage.put_region({"region_id": region_id, "name": region_id})
    storage.put_region({"region_id": "VO2001", "name": "renamed"})
    regions = storage.list_regions()
    assert [r["region_id"] for r in regions] == ["VO2001", "VO2002", "VO2003"]
    assert regions[0]["name"] == "renamed"


def test_list_region_decisions_gives_documents_without_health_data(storage: Storage) -> None:
    for i in range(3):
        storage.put_decision(decision(f"d{i}", ref=f"ll-{i}"), expires_at=0)
    storage.put_decision(decision("elsewhere", region="VO2002"), expires_at=0)
    storage.put_region_document("VO2001", "enrolment", "2017-10-01#x", {"n": 1})
    documents = storage.list_region_decisions("VO2001")
    assert sorted(d["decision_id"] for d in documents) == ["d0", "d1", "d2"]
    assert all("actuals" not in d and "dossier" not in d for d in documents)
    assert storage.list_region_decisions("VO2009") == []


def test_list_region_decisions_pages_through_a_large_region(storage: Storage) -> None:
    big = {"filler": "x" * 20_000}
    for i in range(60):  # about 1.2 MB: more than one DynamoDB query page
        document = {**decision(f"d{i:03d}").document, **big}
        stored = StoredDecision(**{**decision(f"d{i:03d}").__dict__, "document": document})
        storage.put_decision(stored, expires_at=0)
    assert len(storage.list_region_decisions("VO2001")) == 60


def test_national_documents_are_never_overwritten_and_come_in_key_order(
    storage: Storage,
) -> None:
    storage.put_national_document("budgetshares", "2018#b", {"v": 2})
    storage.put_national_document("budgetshares", "2017#a", {"v": 1})
    storage.put_national_document("other", "2017#a", {"v": 9})
    with pytest.raises(AlreadyExistsError):
        storage.put_national_document("budgetshares", "2017#a", {"v": 3})
    assert storage.list_national_documents("budgetshares") == [{"v": 1}, {"v": 2}]
    assert storage.list_national_documents("nothing") == []
    # a region called NATIONAL does not share them
    storage.put_region_document("NATIONAL", "budgetshares", "2017#a", {"v": 4})
    assert storage.list_national_documents("budgetshares") == [{"v": 1}, {"v": 2}]


def test_volgnummer_blocks_are_reserved_atomically(
    storage: Storage, request: pytest.FixtureRequest
) -> None:
    assert storage.reserve_volgnummers("VO2001", 2017, 3) == 3  # 1, 2, 3
    assert storage.next_volgnummer("VO2001", 2017) == 4
    assert storage.reserve_volgnummers("VO2001", 2017, 100) == 104  # 5 .. 104
    if request.node.callspec.params["storage"] == "moto":
        return  # moto does not serialise concurrent UpdateItem (see above)
    with ThreadPoolExecutor(max_workers=8) as pool:
        lasts = list(pool.map(lambda _: storage.reserve_volgnummers("VO2001", 2018, 10), range(20)))
    blocks = sorted(n for last in lasts for n in range(last - 9, last + 1))
    assert blocks == list(range(1, 201))


def test_a_chunk_lease_has_one_holder_until_it_runs_out(storage: Storage) -> None:
    assert storage.claim_chunk("VO2001", "b1", 0, "worker-a", now=1000, until=1120) == "first"
    assert storage.claim_chunk("VO2001", "b1", 0, "worker-b", now=1100, until=1220) is None
    assert storage.claim_chunk("VO2001", "b1", 1, "worker-b", now=1100, until=1220) == "first"
    storage.release_chunk("VO2001", "b1", 0, "worker-b")  # not b's to give back
    assert storage.claim_chunk("VO2001", "b1", 0, "worker-b", now=1110, until=1230) is None
    # ran out: taken again, and the new holder learns that someone had it before
    assert storage.claim_chunk("VO2001", "b1", 0, "worker-b", now=1121, until=1241) == "again"
    storage.release_chunk("VO2001", "b1", 0, "worker-a")  # a lost it: b keeps it
    assert storage.claim_chunk("VO2001", "b1", 0, "worker-c", now=1130, until=1250) is None
    storage.release_chunk("VO2001", "b1", 0, "worker-b")
    assert storage.claim_chunk("VO2001", "b1", 0, "worker-c", now=1130, until=1250) == "again"


def test_a_chunk_lease_once_taken_is_never_forgotten(storage: Storage) -> None:
    """What lets a first delivery skip reading what earlier deliveries wrote: given back,
    run out, or broken by the sweeper, a lease still says that the chunk was taken."""
    storage.release_chunk("VO2001", "b1", 0, "worker-a")  # nothing to give back: no record
    assert storage.claim_chunk("VO2001", "b1", 0, "worker-a", now=1000, until=1120) == "first"
    storage.release_chunk("VO2001", "b1", 0, "worker-a")
    assert storage.claim_chunk("VO2001", "b1", 0, "worker-b", now=1001, until=1121) == "again"
    # the sweeper breaks a dead process's lease with a claim that runs out at 0
    assert storage.claim_chunk("VO2001", "b1", 1, "orphaned", now=2**52, until=0) == "first"
    assert storage.claim_chunk("VO2001", "b1", 1, "worker-c", now=1002, until=1122) == "again"
    assert storage.claim_chunk("VO2001", "b2", 0, "worker-c", now=1002, until=1122) == "first"


def test_a_chunk_is_written_in_bulk_and_read_back_as_single_writes_are(storage: Storage) -> None:
    expires_at = int(dt.datetime(2020, 3, 1, tzinfo=dt.UTC).timestamp())
    written = [decision(f"d{i:03d}", ref=f"ll-{i % 7}") for i in range(60)]  # > 25 a request
    results = {i + 1: {"row": i + 1, "decision_id": d.decision_id} for i, d in enumerate(written)}
    storage.put_chunk_rows("VO2001", "b1", [(d, expires_at) for d in written], results)
    assert storage.get_decision("VO2001", "d007", TODAY) == written[7]
    assert storage.row_results("VO2001", "b1", 1, 60) == results
    page = storage.list_decisions("VO2001", "ll-3", TODAY, 100, None)
    assert [d.decision_id for d in page.items] == [
        d.decision_id for d in written if d.student_ref == "ll-3"
    ]
    ids = [f"d{i:03d}" for i in range(0, 120, 2)]  # half of them exist; over 100 keys
    found = storage.get_decisions("VO2001", ids, TODAY)
    assert found == {d.decision_id: d for d in written if d.decision_id in ids}
    later = storage.get_decisions("VO2001", ["d001"], dt.date(2020, 3, 1))
    assert later["d001"].health is None  # as get_decision: gone from the expiry date
    assert storage.get_decisions("VO2002", ids, TODAY) == {}  # another region's partition


def test_tokens_are_listed_per_region_and_revoked_at_once(storage: Storage) -> None:
    made_at, expires = "2017-03-01T12:00:00+00:00", "2018-03-01T12:00:00+00:00"
    made = [
        TokenRecord(f"{n:064x}", "region", "VO2001", None, f"{n:032x}", made_at, expires)
        for n in (2, 1)
    ]
    other = TokenRecord("e" * 64, "region", "VO2002", "x", "e" * 32, made_at, expires)
    ministry = TokenRecord("f" * 64, "ministry", None, None, "f" * 32, made_at, expires)
    for token in (*made, other, ministry):
        storage.put_token(token)
    assert storage.list_tokens("VO2001") == sorted(made, key=lambda t: t.token_id or "")
    assert storage.list_tokens(None) == [ministry]
    assert storage.get_token(made[0].token_hash) == made[0]
    assert storage.delete_token("VO2002", made[0].token_id or "") is False  # not its region
    assert storage.delete_token("VO2001", made[0].token_id or "") is True
    assert storage.get_token(made[0].token_hash) is None
    assert storage.delete_token("VO2001", made[0].token_id or "") is False
    assert storage.list_tokens("VO2001") == [made[1]]
    assert storage.delete_token(None, "f" * 32) is True
    assert storage.list_tokens(None) == []


def test_requests_are_counted_per_region_and_window(storage: Storage) -> None:
    assert [storage.count_request("VO2001", 100, 9_999_999_999) for _ in range(3)] == [1, 2, 3]
    assert storage.count_request("VO2002", 100, 9_999_999_999) == 1
    assert storage.count_request("VO2001", 101, 9_999_999_999) == 1


def test_statistics_snapshots_count_changes_and_keep_the_latest(storage: Storage) -> None:
    t, other = dt.date(2017, 10, 1), dt.date(2016, 10, 1)
    assert storage.statistics_snapshots(["VO2001", "VO2002"], t) == {
        "VO2001": (0, None),
        "VO2002": (0, None),
    }
    storage.touch_statistics("VO2001")
    storage.touch_statistics("VO2001")
    storage.put_statistics_snapshot("VO2001", t, 2, {"figures": "two", "share": "0.1250"})
    storage.put_statistics_snapshot("VO2001", t, 1, {"figures": "one"})  # older: not kept
    assert storage.statistics_snapshots(["VO2001", "VO2002"], t) == {
        "VO2001": (2, {"figures": "two", "share": "0.1250"}),
        "VO2002": (0, None),
    }
    assert storage.statistics_snapshots(["VO2001"], other) == {"VO2001": (2, None)}
    storage.put_statistics_snapshot("VO2001", t, 2, {"figures": "again"})  # same count: replaced
    assert storage.statistics_snapshots(["VO2001"], t)["VO2001"][1] == {"figures": "again"}
    assert storage.list_region_decisions("VO2001") == []
    assert storage.list_region_documents("VO2001", "stats") == []


def test_statistics_snapshots_read_many_regions(storage: Storage) -> None:
    t = dt.date(2017, 10, 1)
    regions = [f"VO{n:04d}" for n in range(120)]  # more than one BatchGetItem request
    for n, region in enumerate(regions):
        storage.touch_statistics(region)
        storage.put_statistics_snapshot(region, t, 1, {"n": n})
    found = storage.statistics_snapshots(regions, t)
    assert found == {r: (1, {"n": n}) for n, r in enumerate(regions)}


def test_national_snapshot_reads_every_count_and_keeps_the_largest_sum(storage: Storage) -> None:
    t, other = dt.date(2017, 10, 1), dt.date(2016, 10, 1)
    assert storage.national_snapshot(t) == ({}, 0, None)
    storage.put_region({"region_id": "VO2002", "name": "B"})
    storage.put_region({"region_id": "VO2001", "name": "A"})
    storage.touch_statistics("VO2001")
    storage.touch_national_statistics()
    storage.touch_national_statistics()
    storage.put_national_snapshot(t, 3, {"figures": "three", "share": "0.1250"})
    storage.put_national_snapshot(t, 2, {"figures": "two"})  # a smaller sum: not kept
    held = {"figures": "three", "share": "0.1250"}
    hashes = {r: region_hash(storage.get_region(r) or {}) for r in ("VO2001", "VO2002")}
    states = {
        "VO2001": RegionState(1, hashes["VO2001"]),
        "VO2002": RegionState(0, hashes["VO2002"]),
    }
    assert storage.national_snapshot(t) == (states, 2, held)
    assert list(storage.national_snapshot(t)[0]) == ["VO2001", "VO2002"]
    assert storage.national_snapshot(other) == (states, 2, None)
    storage.put_national_snapshot(t, 3, {"figures": "again"})  # the same sum: replaced
    assert storage.national_snapshot(t) == (states, 2, {"figures": "again"})
    # the national items are no region's, no national document's and no region
    regions = ["VO2001", "VO2002"]
    assert storage.statistics_snapshots(regions, t) == {"VO2001": (1, None), "VO2002": (0, None)}
    assert storage.list_national_documents("stats") == []
    assert storage.list_national_documents("figures") == []
    assert [r["region_id"] for r in storage.list_regions()] == regions


def test_national_snapshot_lists_only_stored_regions_many_at_once(storage: Storage) -> None:
    t = dt.date(2017, 10, 1)
    regions = [f"VO{n:04d}" for n in range(120)]
    for region in regions:
        storage.put_region({"region_id": region, "name": region})
    for region in regions[::7]:
        storage.touch_statistics(region)
    storage.touch_statistics("VO9999")  # counted, but no region stored: not listed
    storage.put_national_snapshot(t, 18, {"n": 18})
    states = {
        r: RegionState(int(n % 7 == 0), region_hash({"region_id": r, "name": r}))
        for n, r in enumerate(regions)
    }
    assert storage.national_snapshot(t) == (states, 0, {"n": 18})


def test_national_snapshot_names_each_region_document_as_stored(storage: Storage) -> None:
    storage.put_region({"region_id": "VO2002", "name": "B", "schools": [{"brin": "00YY"}]})
    storage.put_region({"region_id": "VO2001", "name": "A"})
    storage.touch_statistics("VO2001")
    storage.put_region({"region_id": "VO2001", "name": "A, renamed"})
    t = dt.date(2017, 10, 1)
    expected = {r: region_hash(storage.get_region(r) or {}) for r in ("VO2001", "VO2002")}
    assert {r: s.doc_hash for r, s in storage.national_snapshot(t)[0].items()} == expected
    assert expected["VO2001"] != region_hash({"region_id": "VO2001", "name": "A"})
    assert storage.national_snapshot(t)[0]["VO2001"].change_count == 1  # a PUT counts nothing
    storage.record_region_hash("VO2001")  # it has one: nothing changes
    storage.record_region_hash("VO9999")  # no such region: nothing is written
    assert storage.national_snapshot(t)[0] == {
        "VO2001": RegionState(1, expected["VO2001"]),
        "VO2002": RegionState(0, expected["VO2002"]),
    }
    if isinstance(storage, DynamoStorage):  # a region stored before its hash was kept in STATS
        key = {"PK": {"S": "STATS"}, "SK": {"S": "REGION#VO2001"}}
        table = {"TableName": storage._table, "Key": key}
        storage._client.update_item(**table, UpdateExpression="REMOVE doc_hash")
        assert list(storage.national_snapshot(t)[0]) == ["VO2002"]
        storage.record_region_hash("VO2001")
        assert storage.national_snapshot(t)[0]["VO2001"] == RegionState(1, expected["VO2001"])
        # a hash recorded meanwhile (by a PUT) is never replaced by the one read before it
        storage._client.update_item(
            **table,
            UpdateExpression="SET doc_hash = :h",
            ExpressionAttributeValues={":h": {"S": "x"}},
        )
        storage.record_region_hash("VO2001")
        assert storage.national_snapshot(t)[0]["VO2001"] == RegionState(1, "x")


def test_decision_views_hold_what_the_statistics_read(storage: Storage) -> None:
    document = {
        "decision_id": "d1",
        "volgnummer": "VO2001-2017-000001",
        "student_ref": "ll-1",
        "arrangement": "lwoo",
        "outcome": "granted",
        "decided_on": "2017-03-01",
        "valid_from": "2017-03-01",
        "valid_until": None,
        "school_brin": "00YY",
        "explanation": [
            {"route": "lwoo-a", "met": True, "grants": ["lwoo"], "conditions": [{"x": 1}]},
            {"route": "pro", "met": True, "grants": ["pro"], "conditions": []},
            {"route": "lwoo-b", "met": False, "grants": ["lwoo"], "conditions": []},
        ],
        "findings": [{"severity": "warning", "code": "w", "path": "", "message": "m"}],
    }
    stored = StoredDecision(**{**decision("d1").__dict__, "document": document})
    storage.put_decision(stored, expires_at=0)
    storage.put_decision(decision("d2", ref="ll-2"), expires_at=0)  # no route, no arrangement
    views = sorted(storage.list_region_decision_views("VO2001"), key=lambda v: v["decision_id"])
    assert views[0] == {
        **{k: v for k, v in document.items() if k not in ("explanation", "findings")},
        "explanation": [{"route": "lwoo-a", "met": True, "grants": ["lwoo"]}],
        "findings": [],
    }
    assert views[1] == {"decision_id": "d2", "outcome": "granted", "explanation": [],
                        "findings": []}  # fmt: skip
    assert storage.list_region_decision_views("VO2002") == []


def test_decisions_stored_without_a_view_are_read_whole(storage: Storage) -> None:
    if not isinstance(storage, DynamoStorage):
        pytest.skip("only DynamoDB has decisions stored before views were written")
    storage.put_decision(decision("d1"), expires_at=0)
    storage.put_decision(decision("d2", ref="ll-2"), expires_at=0)
    item = storage._get("REGION#VO2001", "DECISION#d2")
    assert item is not None and VIEW in item
    del item[VIEW]
    storage._client.put_item(TableName=storage._table, Item=item)  # as stored before
    views = sorted(storage.list_region_decision_views("VO2001"), key=lambda v: v["decision_id"])
    assert [v["decision_id"] for v in views] == ["d1", "d2"]
    assert views[1] == views[0] | {"decision_id": "d2"}
