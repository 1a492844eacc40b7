"""The national snapshot (issue 15, KEYS.md "National snapshot"): over random histories, every
national read equals `national_statistics` computed from scratch over every stored decision of
every region, with the newest budget shares; and a read after which nothing changed is answered
from the snapshot without listing a region document.

Histories mix decisions and batch chunks in several regions (some landing while a read is
computing), a region added later (with decisions counted before it existed), region documents
renamed or losing a school, enrolments, budget shares for several years (some landing while a
read computes), and region reads in between (the national read reuses their snapshots).
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain.statistics import national_statistics
from chalicelib.models.statistics import BudgetSharesIn
from chalicelib.services.statistics import Statistics
from chalicelib.storage.memory import MemoryStorage
from tests.unit.test_statistics_snapshots import (
    REGIONS,
    SCHOOLS,
    TELDATA,
    Store,
    apply,
    decisions,
    reference,
    statistics_on,
)

LATE = "VO2003"  # a region stored part-way through a history
SPLITS = [("0.25", "0.75"), ("0.5", "0.5"), ("0.9", "0.1")]


class Counted(Store):
    """The test store, counting the listings of whole region documents (the national read's
    slow path) so a test can tell a snapshot answer from a computed one."""

    def __init__(self) -> None:
        super().__init__()
        self.listed = 0

    def list_regions(self) -> list[dict[str, Any]]:
        self.listed += 1
        return super().list_regions()


late_decisions = decisions.map(lambda d: {**d, "volgnummer": LATE + d["volgnummer"][6:]})
operations = st.one_of(
    st.tuples(st.just("decision"), st.one_of(decisions, late_decisions), st.booleans()),
    st.tuples(st.just("chunk"), st.lists(decisions, min_size=1, max_size=4), st.booleans()),
    st.tuples(st.just("enrolment"), st.sampled_from(REGIONS), st.sampled_from(TELDATA)),
    st.tuples(st.just("rename"), st.sampled_from(REGIONS), st.integers(0, 3)),
    st.tuples(st.just("schools"), st.sampled_from(REGIONS), st.integers(1, 2)),
    st.tuples(st.just("late_region"), st.integers(0, 3)),
    st.tuples(st.just("budget"), st.sampled_from(TELDATA), st.sampled_from(SPLITS), st.booleans()),
    st.tuples(st.just("read"), st.sampled_from(REGIONS), st.sampled_from(TELDATA)),
    st.tuples(st.just("national"), st.sampled_from(TELDATA)),
)


def expected(store: Store, statistics: Statistics, t: dt.date) -> dict[str, Any]:
    """From scratch: every stored region's figures over all its decisions, and the budget
    shares of the newest version of the latest year up to the count date's."""
    regions = MemoryStorage.list_regions(store)
    figures = [reference(store, statistics, r["region_id"], t) for r in regions]
    versions = MemoryStorage.list_national_documents(store, "budgetshares")  # oldest first
    newest = {d["year"]: d for d in versions if d["year"] <= t.year}
    budget = newest[max(newest)] if newest else None
    shares = None if budget is None else {r: Decimal(s) for r, s in budget["shares"].items()}
    info = None if budget is None else {"year": budget["year"], "basis": budget["basis"]}
    return {**national_statistics(figures, shares, info, t), "warnings": []}


def change(store: Counted, statistics: Statistics, operation: tuple[Any, ...]) -> None:
    kind = operation[0]
    if kind == "schools":
        region = store.get_region(operation[1]) or {}
        store.put_region({**region, "schools": SCHOOLS[: operation[2]]})
    elif kind == "late_region":
        store.put_region({"region_id": LATE, "name": f"late {operation[1]}", "schools": SCHOOLS})
    elif kind == "budget":
        _, t, (first, second), held = operation
        ids = [r["region_id"] for r in MemoryStorage.list_regions(store)][:2]
        body = BudgetSharesIn.model_validate(
            {"shares": dict(zip(ids, (first, second), strict=True)), "basis": f"b{next(_n)}"}
        )

        def write() -> None:
            statistics.put_budget_shares(t.year, body)

        (store.during_read.append if held else lambda w: w())(write)
    else:
        apply(store, statistics, operation)


_n = itertools.count()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operations, max_size=25))
def test_every_national_read_equals_the_computation_over_every_decision(ops: list[Any]) -> None:
    store = Counted()
    statistics = statistics_on(store)
    for operation in ops:
        change(store, statistics, operation)
        if operation[0] == "read":
            _, region, t = operation
            assert statistics.region(region, t) == reference(store, statistics, region, t)
        elif operation[0] == "national":
            t = operation[1]
            pending = len(store.during_read)
            got = statistics.national(t)  # writes held back land during this read, if it lists
            landed = pending - len(store.during_read)
            after = expected(store, statistics, t)
            # Writes that land during a read may show in some parts of its answer and not in
            # others (a region whose count was read before they landed keeps its snapshot; the
            # budget shares are read last): each part is as of a moment during the read. What
            # must hold is that the next read shows them all (KEYS.md "National snapshot").
            if not landed:
                assert got == after
            listed = store.listed
            assert statistics.national(t) == after
            if not landed:  # nothing changed since the read: its snapshot answers
                assert store.listed == listed
    while store.during_read:
        store.during_read.pop(0)()
    for t in TELDATA:
        assert statistics.national(t) == expected(store, statistics, t)
        listed = store.listed
        assert statistics.national(t) == expected(store, statistics, t)
        assert store.listed == listed


def test_a_budget_share_change_alone_is_seen_by_the_next_national_read() -> None:
    store = Counted()
    statistics = statistics_on(store)
    t = TELDATA[-1]
    assert statistics.national(t)["budget"] is None
    listed = store.listed
    assert statistics.national(t)["budget"] is None and store.listed == listed  # the snapshot
    change(store, statistics, ("budget", t, SPLITS[0], False))
    after = statistics.national(t)
    assert after["budget"] == {"year": t.year, "basis": after["budget"]["basis"]}
    assert after == expected(store, statistics, t)
