"""Use cases of monitoring: enrolments, budget shares, and the statistics of regions and of the
country on a count date (1 October). Storage-backed, pure of chalice; the counting itself is in
`chalicelib/domain/statistics.py`.

Storage: an enrolment is region document kind `enrolment` key `{teldatum}#{stored_at}#{id}` and a
budget-share table is national document kind `budgetshares` key `{year}#{stored_at}#{id}`; nothing
is overwritten, a later PUT adds a version and the newest version wins.

Snapshots (issue 15, `storage/KEYS.md` "Statistics snapshots"): a region's statistics on a count
date are stored once computed, with the region's change count read before computing them and a
hash of the region document. Every write of what they read (a decision, an enrolment) counts a
change after it is stored; a read whose count and region hash match the snapshot returns it (two
small items a region, however long the history); otherwise it computes as before and stores.
The national figures likewise (KEYS.md "National snapshot"): stored with every region's count
and document hash and the count of budget-share versions, read back while none changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from chalicelib.domain.statistics import is_teldatum, national_statistics, region_statistics
from chalicelib.errors import (
    NotFoundError,
    RequestValidationError,
    UnknownRegionError,
    UnknownSchoolError,
)
from chalicelib.messages import clip, msg
from chalicelib.models.statistics import BudgetSharesIn, EnrolmentIn
from chalicelib.models.statistics_responses import (
    BudgetShares,
    Enrolment,
    NationalStatistics,
    RegionStatistics,
)
from chalicelib.services import stored_figures
from chalicelib.services.criteria import Criteria
from chalicelib.services.regions import Regions
from chalicelib.services.stored_figures import DELETED, FIRST_TELDATUM_YEAR
from chalicelib.storage.ports import RegionState, Storage, region_hash

ENROLMENT, BUDGET_SHARES = "enrolment", "budgetshares"
YEAR_PATTERN = r"^(19|20)[0-9]{2}$"


def parse_teldatum(value: str | None, where: str, today: dt.date | None = None) -> dt.date:
    """A count date: an ISO date that is a 1 October; 400 otherwise. With `today`, also from
    2016-10-01 (the first under the enacted framework) to 1 October of next year."""
    if value is None:
        raise RequestValidationError(
            msg("error.teldatum_missing", where=where),
            [{"path": where, "code": "missing", "message": msg("validation.missing")}],
        )
    try:
        date = dt.date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        date = None
    if date is None or not is_teldatum(date):
        raise RequestValidationError(
            msg("error.teldatum", where=where, value=value[:40]),
            [{"path": where, "code": "teldatum", "message": msg("detail.teldatum")}],
        )
    if today is not None and not FIRST_TELDATUM_YEAR <= date.year <= today.year + 1:
        raise RequestValidationError(
            msg(
                "error.teldatum_range",
                where=where,
                first=FIRST_TELDATUM_YEAR,
                last=today.year + 1,
                value=value,
            ),
            [{"path": where, "code": "date_range", "message": msg("detail.teldatum_range")}],
        )
    return date


def parse_year(value: str) -> int:
    if not re.fullmatch(YEAR_PATTERN, value):
        raise RequestValidationError(
            msg("error.year", value=value[:40]),
            [{"path": "{year}", "code": "string_pattern_mismatch", "message": YEAR_PATTERN}],
        )
    return int(value)


def newest(documents: list[dict[str, Any]], field: str) -> dict[str, dict[str, Any]]:
    """The newest document per value of `field` (documents come in key order, oldest first)."""
    found: dict[str, dict[str, Any]] = {}
    for document in documents:
        found[str(document[field])] = document
    return found


class Statistics:
    """Monitoring on the storage port."""

    def __init__(
        self,
        storage: Storage,
        regions: Regions,
        criteria: Criteria,
        clock: Callable[[], dt.datetime],
        new_id: Callable[[], str],
    ) -> None:
        self.storage = storage
        self.regions = regions
        self.criteria = criteria
        self.clock = clock
        self.new_id = new_id

    def _version_key(self, first: str) -> tuple[str, str]:
        stored_at = self.clock().isoformat()
        return f"{first}#{stored_at}#{self.new_id()}", stored_at

    # Enrolments

    def put_enrolment(
        self, region_id: str, teldatum: dt.date, body: EnrolmentIn
    ) -> tuple[Enrolment, bool]:
        region = self.regions.get_region(region_id)
        known = {s["brin"] for s in region.get("schools", [])}
        unknown = [s.brin for s in body.schools if s.brin not in known]
        if unknown:
            raise UnknownSchoolError(
                msg("error.unknown_school", region=region_id, schools=sorted(unknown))
            )
        created = teldatum.isoformat() not in self._enrolments(region_id)
        key, stored_at = self._version_key(teldatum.isoformat())
        document = {
            "region_id": region_id,
            "teldatum": teldatum.isoformat(),
            "schools": [s.model_dump() for s in body.schools],
            "source": body.source,
            "students": sum(s.students for s in body.schools),
            "stored_at": stored_at,
        }
        self.storage.put_region_document(region_id, ENROLMENT, key, document)
        self.storage.touch_statistics(region_id)  # after the write: see `_region`
        return Enrolment.model_validate(document), created

    def _enrolments(self, region_id: str) -> dict[str, dict[str, Any]]:
        documents = self.storage.list_region_documents(region_id, ENROLMENT)
        found = newest(
            [d for d in documents if isinstance(d, dict) and "teldatum" in d], "teldatum"
        )
        return {date: d for date, d in found.items() if not d.get(DELETED)}

    def delete_enrolment(self, region_id: str, teldatum: dt.date) -> None:
        """Withdraw the enrolment of a count date: a new version that says so (nothing stored
        is overwritten), after which the count date has no enrolment (404) until a new PUT."""
        if teldatum.isoformat() not in self._enrolments(region_id):
            self.enrolment(region_id, teldatum)  # 404 for an unknown region or count date
        key, stored_at = self._version_key(teldatum.isoformat())
        document = {"region_id": region_id, "teldatum": teldatum.isoformat(), DELETED: True,
                    "stored_at": stored_at}  # fmt: skip
        self.storage.put_region_document(region_id, ENROLMENT, key, document)
        self.storage.touch_statistics(region_id)  # after the write: see `_region`

    def enrolment(self, region_id: str, teldatum: dt.date) -> Enrolment:
        self.regions.get_region(region_id)
        found = self._enrolments(region_id).get(teldatum.isoformat())
        if found is None:
            raise NotFoundError(
                msg("error.no_enrolment", region=region_id, teldatum=teldatum.isoformat())
            )
        return Enrolment.model_validate(found)

    def enrolments_by_date(
        self, region_id: str, warnings: list[dict[str, str]] | None = None
    ) -> dict[dt.date, dict[str, int]]:
        documents = self.storage.list_region_documents(region_id, ENROLMENT)
        return stored_figures.enrolments(region_id, documents, [] if warnings is None else warnings)

    # Budget shares

    def put_budget_shares(self, year: int, body: BudgetSharesIn) -> tuple[BudgetShares, bool]:
        unknown = [r for r in sorted(body.shares) if self.storage.get_region(r) is None]
        if unknown:
            raise UnknownRegionError(msg("error.no_regions", regions=list(unknown)))
        created = str(year) not in self._budget_shares()
        key, stored_at = self._version_key(f"{year:04d}")
        document = {
            "year": year,
            "shares": {r: str(s) for r, s in sorted(body.decimal_shares().items())},
            "basis": body.basis,
            "stored_at": stored_at,
        }
        self.storage.put_national_document(BUDGET_SHARES, key, document)
        self.storage.touch_national_statistics()  # after the write: see `national`
        return BudgetShares.model_validate(document), created

    def _budget_shares(self) -> dict[str, dict[str, Any]]:
        documents = self.storage.list_national_documents(BUDGET_SHARES)
        return newest(documents, "year")

    def budget_shares(self, year: int) -> BudgetShares:
        found = self._budget_shares().get(str(year))
        if found is None:
            raise NotFoundError(msg("error.no_budget_shares", year=year))
        return BudgetShares.model_validate(found)

    def budget_for(self, teldatum: dt.date) -> dict[str, Any] | None:
        """The budget shares of the count date's year, or else of the latest earlier year."""
        stored = self._budget_shares()
        years = [int(y) for y in stored if int(y) <= teldatum.year]
        return stored[str(max(years))] if years else None

    # Statistics

    def region_view(self, region_id: str, teldatum: dt.date) -> RegionStatistics:
        """`GET .../statistics`; `region` is the same figures as the report renders them."""
        return RegionStatistics.model_validate(self.region(region_id, teldatum))

    def national_view(self, teldatum: dt.date) -> NationalStatistics:
        return NationalStatistics.model_validate(self.national(teldatum))

    def region(self, region_id: str, teldatum: dt.date) -> dict[str, Any]:
        region = self.regions.get_region(region_id)
        state = self.storage.statistics_snapshots([region_id], teldatum)[region_id]
        return self._region(region, teldatum, state)

    def _region(
        self,
        region: Mapping[str, Any],
        teldatum: dt.date,
        state: tuple[int, dict[str, Any] | None],
    ) -> dict[str, Any]:
        """The snapshot when nothing it read changed since; else computed from every decision
        and stored. `state`: the change count and snapshot, read before anything else, so a
        change counted in it was stored before the decisions are listed below. The figures
        count what can be counted; `warnings` names each stored document left out."""
        region_id = region["region_id"]
        stamp, snapshot = state
        basis = region_hash(region)
        if snapshot is not None and (snapshot["stamp"], snapshot["basis"]) == (stamp, basis):
            return dict(snapshot["statistics"])
        warnings: list[dict[str, str]] = []
        stored = self.storage.list_region_decision_views(region_id)
        documents = stored_figures.decisions(region_id, stored, warnings)
        enrolments = self.enrolments_by_date(region_id, warnings)
        by_schools = self.criteria.schools_allocation(region_id)
        computed = region_statistics(region, documents, enrolments, teldatum, by_schools)
        figures = {**computed, "warnings": warnings}
        fresh = {"stamp": stamp, "basis": basis, "statistics": figures}
        self.storage.put_statistics_snapshot(region_id, teldatum, stamp, fresh)
        return figures

    def national(self, teldatum: dt.date) -> dict[str, Any]:
        """The national snapshot when no region's count or document and no budget share
        changed since (KEYS.md "National snapshot": two calls, however many regions); else
        computed from the regions' snapshots and stored."""
        states, national_count, snapshot = self.storage.national_snapshot(teldatum)
        if snapshot is not None and snapshot["basis"] == _basis(states, national_count):
            return dict(snapshot["statistics"])
        regions = self.storage.list_regions()
        ids = [str(r.get("region_id")) for r in regions]
        for region_id in set(ids) - set(states):  # stored before the hashes were kept: KEYS.md
            self.storage.record_region_hash(region_id)
        snapshots = self.storage.statistics_snapshots(ids, teldatum)
        figures = self._national(regions, ids, snapshots, teldatum)
        # each count read before the region's decisions were listed, each hash of the document
        # the figures were computed from
        basis = {
            r: RegionState(snapshots[r][0], region_hash(d))
            for r, d in zip(ids, regions, strict=True)
        }
        # the sum orders snapshots: counts only grow, so one read from earlier counts has a
        # smaller sum and never replaces this one (KEYS.md "National snapshot")
        stamp = sum(state.change_count for state in basis.values()) + national_count
        fresh = {"stamp": stamp, "basis": _basis(basis, national_count), "statistics": figures}
        self.storage.put_national_snapshot(teldatum, stamp, fresh)
        return figures

    def _national(
        self,
        regions: list[dict[str, Any]],
        ids: list[str],
        states: dict[str, tuple[int, dict[str, Any] | None]],
        teldatum: dt.date,
    ) -> dict[str, Any]:
        per_region, warnings = [], []
        for region, region_id in zip(regions, ids, strict=True):
            try:
                figures = self._region(region, teldatum, states[region_id])
            except (KeyError, TypeError, ValueError) as exc:  # a broken region document
                name = region_id[:40]
                what = msg("figures.region_ignored", region=name, reason=clip(str(exc), 200))
                warnings.append(stored_figures.warning("region_ignored", name, what))
                continue
            per_region.append(figures)
            warnings += figures["warnings"]
        budget = self.budget_for(teldatum)
        shares = None
        info = None
        if budget is not None:
            shares = {r: Decimal(s) for r, s in budget["shares"].items()}
            info = {"year": budget["year"], "basis": budget["basis"]}
        return {**national_statistics(per_region, shares, info, teldatum), "warnings": warnings}


def _basis(states: Mapping[str, RegionState], national_count: int) -> str:
    """What a national snapshot was computed from, as one hash: the regions, each one's change
    count and document hash, and the national change count (budget shares)."""
    named = [[r, states[r].change_count, states[r].doc_hash] for r in sorted(states)]
    return hashlib.sha256(json.dumps([named, national_count]).encode()).hexdigest()
