"""Statistics snapshots (issue 15): over random histories, every read equals today's computation
(`region_statistics` over every stored decision) on the same data.

Histories mix single decisions, batch chunks (several decisions in one bulk write), late
decisions for an earlier count date, supersession (one student granted the same arrangement
again), refusals, enrolments and region changes; reads come at random points, and some writes
land while a read is computing (after it read the change count, before it listed decisions), as
a batch writing concurrently does.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain.statistics import (
    DecisionSummary,
    national_statistics,
    region_statistics,
    statistics_view,
)
from chalicelib.models.statistics import EnrolmentIn
from chalicelib.services.criteria import Criteria
from chalicelib.services.optout import OptOut
from chalicelib.services.regions import Regions
from chalicelib.services.statistics import Statistics
from chalicelib.storage.memory import MemoryStorage
from chalicelib.storage.ports import StoredDecision

SCHOOLS = [
    {"brin": "00YY", "name": "Vmbo A", "kinds": ["vmbo"], "lwoo_licence": True},
    {"brin": "01AB", "name": "Pro B", "kinds": ["pro"], "lwoo_licence": False},
]
REGIONS = ("VO2001", "VO2002")
TELDATA = [dt.date(y, 10, 1) for y in range(2016, 2020)]
DAYS = [dt.date(2015, 8, 1) + dt.timedelta(days=d) for d in range(0, 1600, 45)]


class Store(MemoryStorage):
    """The in-memory store, with writes that can be held back until a read has read the change
    count and is about to list the decisions: a concurrent writer's interleaving."""

    def __init__(self) -> None:
        super().__init__()
        self.during_read: list[Callable[[], None]] = []

    def list_region_decisions(self, region_id: str) -> list[dict[str, Any]]:
        while self.during_read:
            self.during_read.pop(0)()
        return super().list_region_decisions(region_id)


_ids = itertools.count()


def document(
    region: str, ref: str, arrangement: str, outcome: str, on: dt.date, **more: Any
) -> Any:
    n = next(_ids)
    granted = outcome == "granted"
    return {
        "decision_id": f"{n:032x}",
        "volgnummer": f"{region}-{on.year}-{n:06d}",
        "student_ref": ref,
        "arrangement": arrangement,
        "outcome": outcome,
        "decided_on": on.isoformat(),
        "valid_from": more.get("valid_from", on.isoformat() if granted else None),
        "valid_until": more.get("valid_until"),
        "school_brin": more.get("school"),
        "explanation": [{"route": "r1", "met": True, "grants": [arrangement]}] if granted else [],
        "findings": [{"severity": "error", "code": "iq"}] if outcome == "incomplete" else [],
    }


def stored(doc: dict[str, Any], region: str) -> StoredDecision:
    on = dt.date.fromisoformat(doc["decided_on"])
    return StoredDecision(
        region, doc["decision_id"], doc["student_ref"], on, doc, None, on + dt.timedelta(1000)
    )


decisions = st.builds(
    lambda region, ref, arrangement, outcome, on, until, school: document(
        region,
        ref,
        arrangement,
        outcome,
        on,
        valid_until=None if until is None else (on + dt.timedelta(until)).isoformat(),
        school=school,
    ),
    st.sampled_from(REGIONS),
    st.sampled_from([f"ll-{n}" for n in range(6)]),  # few students: supersession is common
    st.sampled_from(["lwoo", "pro"]),
    st.sampled_from(["granted", "granted", "refused", "incomplete"]),
    st.sampled_from(DAYS),  # in any order: late decisions for earlier count dates
    st.one_of(st.none(), st.integers(1, 900)),
    st.sampled_from(["00YY", "01AB", "99ZZ", None]),
)
operations = st.one_of(
    st.tuples(st.just("decision"), decisions, st.booleans()),
    st.tuples(st.just("chunk"), st.lists(decisions, min_size=1, max_size=4), st.booleans()),
    st.tuples(st.just("enrolment"), st.sampled_from(REGIONS), st.sampled_from(TELDATA)),
    st.tuples(st.just("rename"), st.sampled_from(REGIONS), st.integers(0, 3)),
    st.tuples(st.just("read"), st.sampled_from(REGIONS), st.sampled_from(TELDATA)),
    st.tuples(st.just("national"), st.sampled_from(TELDATA)),
)


def reference(store: Store, statistics: Statistics, region: str, t: dt.date) -> Any:
    figures = region_statistics(
        store.get_region(region) or {},
        MemoryStorage.list_region_decisions(store, region),
        statistics.enrolments_by_date(region),
        t,
    )
    return {**figures, "warnings": []}


def apply(store: Store, statistics: Statistics, operation: tuple[Any, ...]) -> None:
    kind = operation[0]
    if kind in ("decision", "chunk"):
        batch = [operation[1]] if kind == "decision" else operation[1]

        def write() -> None:
            for doc in batch:  # as a chunk: the decisions, then one count for the region
                store.put_decision(stored(doc, doc["volgnummer"][:6]), 0)
            for region in {doc["volgnummer"][:6] for doc in batch}:
                store.touch_statistics(region)

        if operation[2]:  # lands while the next read is computing
            store.during_read.append(write)
        else:
            write()
    elif kind == "enrolment":
        body = EnrolmentIn.model_validate(
            {"schools": [{"brin": "00YY", "students": 100 + next(_ids) % 50}], "source": "bron"}
        )
        statistics.put_enrolment(operation[1], operation[2], body)
    elif kind == "rename":
        region = store.get_region(operation[1]) or {}
        store.put_region({**region, "name": f"renamed {operation[2]}"})


def statistics_on(store: Store) -> Statistics:
    """The statistics service on `store`, with the regions of `REGIONS` stored; a clock that
    ticks a second a call (versions of documents get distinct times)."""
    for region in REGIONS:
        store.put_region({"region_id": region, "name": region, "schools": SCHOOLS})
    clock = itertools.count()

    def now() -> dt.datetime:
        return dt.datetime(2020, 1, 1) + dt.timedelta(seconds=next(clock))

    regions = Regions(store)
    criteria = Criteria(store, regions, OptOut(store, regions, now), now)
    return Statistics(store, regions, criteria, now, lambda: f"{next(_ids):032x}")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operations, max_size=25))
def test_every_read_equals_the_computation_over_every_decision(ops: list[Any]) -> None:
    store = Store()
    statistics = statistics_on(store)
    for operation in ops:
        apply(store, statistics, operation)
        if operation[0] == "read":
            _, region, t = operation
            got = statistics.region(region, t)  # writes held back land during this read
            assert got == reference(store, statistics, region, t)
            assert statistics.region(region, t) == got  # from the snapshot, or computed again
        elif operation[0] == "national":
            t = operation[1]
            statistics.national(t)
            national = statistics.national(t)
            expected = [reference(store, statistics, r, t) for r in REGIONS]
            assert national == {**national_statistics(expected, None, None, t), "warnings": []}
    while store.during_read:
        store.during_read.pop(0)()
    for region in REGIONS:
        for t in TELDATA:
            assert statistics.region(region, t) == reference(store, statistics, region, t)


routes = st.lists(
    st.fixed_dictionaries(
        {"route": st.sampled_from(["lwoo-a", "lwoo-b", "pro"]), "met": st.booleans()},
        optional={"grants": st.lists(st.sampled_from(["lwoo", "pro"]), max_size=2)},
    ),
    max_size=4,
)
findings = st.lists(
    st.fixed_dictionaries(
        {"severity": st.sampled_from(["error", "warning"]), "code": st.sampled_from("abc")}
    ),
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(decisions, routes, findings, st.booleans())
def test_the_stored_view_gives_the_same_summary_as_the_document(
    doc: dict[str, Any], explanation: list[Any], found: list[Any], numbered: bool
) -> None:
    document = {**doc, "explanation": explanation, "findings": found, "extra": {"x": 1}}
    if not numbered:
        del document["volgnummer"]
    view = statistics_view(document)
    assert DecisionSummary.from_document(view) == DecisionSummary.from_document(document)
    assert statistics_view(view) == view
    assert "extra" not in view
    broken = {**document, "explanation": [{"met": True}]}  # no route: read whole, fails alike
    assert statistics_view(broken) == broken
