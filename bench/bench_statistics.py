"""Benchmark: monitoring statistics on dynalite as a region's history grows, and the national view.

Run as `.venv/bin/python bench/bench_statistics.py [--sizes 2000,8000,32000] [--regions 75]
[--per-region 2000] [--repeat 15]`.

1. Starts dynalite (tests/support/dynalite.py) with the service's table, and the services on it
   (the DynamoDB adapter; botocore's `before-call` event counts the storage calls of each read).
2. One region per size in --sizes, holding that many decisions (clones of a real stored decision
   document: four school years, a mix of outcomes, one student in ten decided twice), written in
   bulk (`put_chunk_rows`, as batches write), then one change counted (`touch_statistics`).
3. Per size, `Statistics.region(teldatum 2019-10-01)`: the first read after a change computes from
   every decision (today's computation, on each decision's stored view) and stores a snapshot;
   the next reads read the snapshot (median of --repeat rounds in which every read takes a
   turn, so noise falls on all alike). Reported with the storage calls of one read.
4. --regions regions of --per-region decisions each; `Statistics.national` likewise, first read
   and then the median of --repeat: its next reads come from the national snapshot (KEYS.md
   "National snapshot"). Beside it, in the same rounds, the national view as it was read before
   that snapshot: every region's count and snapshot, the budget shares, the national figures
   computed from them (`from_region_snapshots`).

The targets of issue 15, as ratios in this run: region statistics (snapshot) at the largest size
within 1.3x of the smallest; national over the regions within 2x of one region's. Exit status 1
when dynalite does not start; 0 otherwise (a missed target is reported, not an error).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from chalicelib.config import Settings  # noqa: E402
from chalicelib.models.region import RegionIn  # noqa: E402
from chalicelib.models.request import DecisionRequest  # noqa: E402
from chalicelib.services import Services  # noqa: E402
from chalicelib.services.decisions import decisions_adapter  # noqa: E402
from chalicelib.storage.dynamodb import DynamoStorage  # noqa: E402
from chalicelib.storage.memory import MemoryStorage  # noqa: E402
from chalicelib.storage.ports import StoredDecision  # noqa: E402
from chalicelib.storage.schema import ensure_table  # noqa: E402
from scripts.localdev import StartError  # noqa: E402
from tests.api.conftest import COMPLETE_REQUEST, REGION  # noqa: E402
from tests.support.dynalite import Dynalite  # noqa: E402

TABLE = "toewijzing-bench-statistics"
TELDATUM = dt.date(2019, 10, 1)
NOW = dt.datetime(2020, 1, 15, 12, tzinfo=dt.UTC)
REGION_TARGET, NATIONAL_TARGET = 1.3, 2.0
OUTCOMES = ("granted", "granted", "granted", "refused", "incomplete")


def template() -> dict[str, Any]:
    """A real stored decision document (public part), made on the in-memory store."""
    services = Services(MemoryStorage(), settings(), lambda: NOW, lambda: "0" * 32)
    services.regions.put_region("VO2001", _region_in("VO2001"))
    request = DecisionRequest.model_validate(COMPLETE_REQUEST)
    decision, _ = services.decisions.create_decision("VO2001", request, None)
    return decisions_adapter().dump_python(decision, mode="json")


def _region_in(region_id: str) -> RegionIn:
    return RegionIn.model_validate({**REGION, "name": f"Regio {region_id}"})


def settings() -> Settings:
    return Settings(stage="bench", table_name=TABLE, storage="dynamodb", admin_token=None)


def clones(base: dict[str, Any], region_id: str, count: int) -> list[tuple[StoredDecision, int]]:
    """`count` decisions of the region over four school years; every tenth student twice."""
    made = []
    for n in range(count):
        student = n - 1 if n % 10 == 9 else n  # decided again: supersession
        on = dt.date(2016, 8, 1) + dt.timedelta(days=(n * 37) % (4 * 365))
        outcome = OUTCOMES[n % len(OUTCOMES)]
        decision_id = f"{region_id}{n:026x}"
        document = {
            **base,
            "decision_id": decision_id,
            "volgnummer": f"{region_id}-{on.year}-{n:06d}",
            "region_id": region_id,
            "student_ref": f"ll-{student}",
            "arrangement": "pro" if n % 4 == 0 else "lwoo",
            "outcome": outcome,
            "decided_on": on.isoformat(),
            "valid_from": on.isoformat() if outcome == "granted" else None,
            "school_brin": "01AB" if n % 4 == 0 else "00YY",
        }
        stored = StoredDecision(region_id, decision_id, f"ll-{student}", on, document, None, on)
        made.append((stored, 0))
    return made


class Calls:
    """Storage calls (botocore `before-call` on the DynamoDB client) and times of reads."""

    def __init__(self, client: Any) -> None:
        self.count = 0
        client.meta.events.register("before-call.dynamodb", self._seen)

    def _seen(self, **_: Any) -> None:
        self.count += 1

    def once(self, action: Callable[[], Any]) -> tuple[float, int]:
        before = self.count
        start = time.perf_counter()
        action()
        return time.perf_counter() - start, self.count - before

    def medians(self, actions: list[Callable[[], Any]], repeat: int) -> list[float]:
        """The median time of each action over `repeat` rounds, the actions taking turns within
        a round (so that noise from the shared machine falls on all of them alike); each round
        starts one action later, as the read after the heaviest one pays for its garbage."""
        times: list[list[float]] = [[] for _ in actions]
        for round_ in range(repeat):
            for k in range(len(actions)):
                n = (round_ + k) % len(actions)
                times[n].append(self.once(actions[n])[0])
        return [statistics.median(t) for t in times]


def fill(services: Services, region_id: str, count: int, base: dict[str, Any]) -> None:
    services.regions.put_region(region_id, _region_in(region_id))
    decisions = clones(base, region_id, count)
    for start in range(0, count, 500):
        services.storage.put_chunk_rows(region_id, "bench", decisions[start : start + 500], {})
    services.storage.touch_statistics(region_id)


def from_region_snapshots(services: Services, teldatum: dt.date) -> dict[str, Any]:
    """The national view read as before the national snapshot: list the regions, read every
    region's count and snapshot, compute the national figures from them (nothing stored)."""
    regions = services.storage.list_regions()
    ids = [str(r.get("region_id")) for r in regions]
    states = services.storage.statistics_snapshots(ids, teldatum)
    return services.statistics._national(regions, ids, states, teldatum)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2000,8000,32000")
    parser.add_argument("--regions", type=int, default=75)
    parser.add_argument("--per-region", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    base = template()
    try:
        db = Dynalite()
        db.start()
    except StartError as exc:
        print(f"dynalite did not start: {exc}", file=sys.stderr)
        return 1
    try:
        client = db.client()
        ensure_table(client, TABLE)
        storage = DynamoStorage(client, TABLE, transactions=False)  # dynalite has none
        services = Services(storage, settings(), lambda: NOW, lambda: "1" * 32)
        calls = Calls(client)
        actions: list[tuple[str, Callable[[], Any]]] = []
        for size in sizes:
            region_id = f"VO{size:05d}"
            started = time.perf_counter()
            fill(services, region_id, size, base)
            elapsed = time.perf_counter() - started
            print(f"  filled {region_id} in {elapsed:.1f} s", file=sys.stderr)
            actions.append(
                (f"region, {size:,} decisions", partial(services.statistics.region, region_id))
            )
        started = time.perf_counter()
        for r in range(args.regions):
            fill(services, f"NL{r:05d}", args.per_region, base)
        elapsed = time.perf_counter() - started
        print(f"  filled {args.regions} regions in {elapsed:.1f} s", file=sys.stderr)
        # the national view lists every region: the regions of --sizes count in it too
        regions = len(services.storage.list_regions())
        actions.append((f"national, {regions} regions", services.statistics.national))
        before = partial(from_region_snapshots, services)
        actions.append((f"national, {regions} regions, from the regions' snapshots", before))
        firsts = [calls.once(partial(action, TELDATUM)) for _, action in actions]
        warm = calls.medians([partial(action, TELDATUM) for _, action in actions], args.repeat)
        snapshot_calls = [calls.once(partial(action, TELDATUM))[1] for _, action in actions]
        rows = [
            (name, first, median, first_calls, n)
            for (name, _), (first, first_calls), median, n in zip(
                actions, firsts, warm, snapshot_calls, strict=True
            )
        ]
    finally:
        db.stop()
    report(rows, sizes, args)
    return 0


def report(rows: list[tuple[str, float, float, int, int]], sizes: list[int], args: Any) -> None:
    print(f"\nStatistics on dynalite, teldatum {TELDATUM} (next reads: median of {args.repeat})")
    print(
        "| read | first read after a change (computed from every decision) | storage_calls "
        "| next reads (snapshot) | storage_calls |"
    )
    print("|---|---|---|---|---|")
    for name, first, warm, first_calls, n in rows:
        print(f"| {name} | {first * 1000:,.0f} ms | {first_calls} | {warm * 1000:,.1f} ms | {n} |")
    smallest, largest, national, before = rows[0], rows[len(sizes) - 1], rows[-2], rows[-1]
    region_ratio = largest[2] / smallest[2]
    national_ratio = national[2] / smallest[2]
    today_ratio = largest[1] / smallest[1]
    print(
        f"\nregion at {sizes[-1]:,} / at {sizes[0]:,}: {region_ratio:.2f}x "
        f"(target {REGION_TARGET}x: {'met' if region_ratio <= REGION_TARGET else 'MISSED'}); "
        f"the first read, computing from every decision: {today_ratio:.1f}x"
    )
    print(
        f"national / one region ({sizes[0]:,}): {national_ratio:.2f}x "
        f"(target {NATIONAL_TARGET}x: {'met' if national_ratio <= NATIONAL_TARGET else 'MISSED'}); "
        f"from the regions' snapshots, as before the national snapshot: "
        f"{before[2] / smallest[2]:.2f}x"
    )


if __name__ == "__main__":
    sys.exit(main())
