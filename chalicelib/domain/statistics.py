"""Monitoring figures from decisions, enrolments and budget shares: pure counting.

Definitions (also in README "Monitoring"):

- Count date (teldatum): 1 October (WVO 2020 art. 5.5, 5.13): funding follows the allocations in
  force on that day.
- An allocation is in force on teldatum T when its decision is `granted`, was decided on or before
  T, `valid_from <= T` and `valid_until` is null or after T (`valid_until` is the first day it no
  longer holds), and it is not superseded: for one student and arrangement only the latest granted
  decision decided on or before T counts (latest by `decided_on`, then `volgnummer`). A later
  refusal does not end an earlier allocation. A student allocated lwoo and pro counts once in
  each arrangement.
- The flow of teldatum T = Y-10-01 is the decisions decided in the school year before it,
  1 August Y-1 up to and including 31 July Y: the decisions for the intake counted on T. Each
  decision belongs to exactly one count date's flow; decisions of August and September Y count
  towards Y+1-10-01.
- What decided a decision: for `granted`, each met route that grants the requested arrangement
  (a decision met by two routes counts under both); for `refused`, `no_route_met`; for
  `incomplete`, each distinct error finding code (the missing or unusable evidence).
- School kind (one per school, first that applies): `aoc`, `pro` (a pro school), `vmbo_lwoo`
  (vmbo with an lwoo licence), `vmbo`, `other`. A school is small when its enrolment is below the
  pupil minimum of a location (UB WVO 2020 art. 6.1): 60 for a school that is only a pro school,
  130 otherwise.
- Shares are exact decimal fractions (no binary floating point), rounded half-even to 4 places
  and given as strings; null where the denominator is 0 or unknown.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from chalicelib.models.common import ARRANGEMENTS, OUTCOMES

KINDS = ("aoc", "pro", "vmbo_lwoo", "vmbo", "other")
NO_ROUTE_MET = "no_route_met"
SHARE_PLACES = Decimal("0.0001")
SMALL_PRO_SCHOOL, SMALL_SCHOOL = 60, 130
TREND_LENGTH = 10


@dataclass(frozen=True)
class DecisionSummary:
    """What the statistics need of a stored decision (its public document, no health data)."""

    decision_id: str
    volgnummer: str
    student_ref: str
    arrangement: str
    outcome: str
    decided_on: dt.date
    valid_from: dt.date | None
    valid_until: dt.date | None
    school_brin: str | None
    routes: tuple[str, ...]
    missing: tuple[str, ...]

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> DecisionSummary:
        arrangement = str(document["arrangement"])
        routes = tuple(
            str(r["route"])
            for r in document.get("explanation", [])
            if r.get("met") and arrangement in r.get("grants", [arrangement])
        )
        missing = tuple(
            dict.fromkeys(
                str(f["code"]) for f in document.get("findings", []) if f["severity"] == "error"
            )
        )
        return cls(
            decision_id=str(document["decision_id"]),
            volgnummer=str(document.get("volgnummer", "")),
            student_ref=str(document["student_ref"]),
            arrangement=arrangement,
            outcome=str(document["outcome"]),
            decided_on=dt.date.fromisoformat(document["decided_on"]),
            valid_from=_date(document.get("valid_from")),
            valid_until=_date(document.get("valid_until")),
            school_brin=document.get("school_brin"),
            routes=routes,
            missing=missing,
        )

    @property
    def order(self) -> tuple[dt.date, str, str]:
        return (self.decided_on, self.volgnummer, self.decision_id)

    def reasons(self) -> tuple[str, ...]:
        """What decided it: met routes, `no_route_met`, or the missing evidence."""
        if self.outcome == "granted":
            return self.routes
        if self.outcome == "refused":
            return (NO_ROUTE_MET,)
        return self.missing


VIEW_FIELDS = (
    "decision_id",
    "volgnummer",
    "student_ref",
    "arrangement",
    "outcome",
    "decided_on",
    "valid_from",
    "valid_until",
    "school_brin",
)


def statistics_view(document: Mapping[str, Any]) -> dict[str, Any]:
    """A decision document cut to what `DecisionSummary.from_document` reads: the same summary
    from a tenth of the bytes (stored beside each decision, read with a projection). Only the
    met routes that grant the arrangement and the error findings' codes are kept; a field the
    document lacks stays absent. A document it cannot cut is returned whole, so that reading
    the view fails (or not) exactly as reading the document does."""
    try:
        arrangement = document.get("arrangement")
        view = {name: document[name] for name in VIEW_FIELDS if name in document}
        view["explanation"] = [
            {"route": r["route"], "met": True, "grants": r.get("grants", [arrangement])}
            for r in document.get("explanation", [])
            if r.get("met") and arrangement in r.get("grants", [arrangement])
        ]
        view["findings"] = [
            {"severity": "error", "code": f["code"]}
            for f in document.get("findings", [])
            if f["severity"] == "error"
        ]
    except (KeyError, TypeError, AttributeError):
        return dict(document)
    return view


@dataclass(frozen=True)
class SchoolInfo:
    brin: str
    name: str
    kinds: tuple[str, ...]
    lwoo_licence: bool

    @classmethod
    def from_document(cls, school: Mapping[str, Any]) -> SchoolInfo:
        return cls(
            str(school["brin"]),
            str(school["name"]),
            tuple(school.get("kinds", ())),
            bool(school.get("lwoo_licence")),
        )

    @property
    def kind(self) -> str:
        if "aoc" in self.kinds:
            return "aoc"
        if "pro" in self.kinds:
            return "pro"
        if "vmbo" in self.kinds:
            return "vmbo_lwoo" if self.lwoo_licence else "vmbo"
        return "other"

    def is_small(self, students: int | None) -> bool | None:
        if students is None:
            return None
        minimum = SMALL_PRO_SCHOOL if set(self.kinds) == {"pro"} else SMALL_SCHOOL
        return students < minimum


def _date(value: Any) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(str(value))


def is_teldatum(date: dt.date) -> bool:
    return (date.month, date.day) == (10, 1)


def flow_window(teldatum: dt.date) -> tuple[dt.date, dt.date]:
    """The school year before the count date: 1 August Y-1 to 31 July Y (inclusive)."""
    return dt.date(teldatum.year - 1, 8, 1), dt.date(teldatum.year, 7, 31)


def flow_teldatum(decided_on: dt.date) -> dt.date:
    """The count date whose flow holds a decision of this date."""
    year = decided_on.year + 1 if decided_on.month >= 8 else decided_on.year
    return dt.date(year, 10, 1)


def share(part: int | Decimal | None, whole: int | Decimal | None) -> str | None:
    if part is None or not whole:
        return None
    return str((Decimal(part) / Decimal(whole)).quantize(SHARE_PLACES, ROUND_HALF_EVEN))


def in_force(decisions: Iterable[DecisionSummary], teldatum: dt.date) -> list[DecisionSummary]:
    """The allocations in force on the count date (see the module docstring)."""
    latest: dict[tuple[str, str], DecisionSummary] = {}
    for d in decisions:
        if d.outcome != "granted" or d.decided_on > teldatum:
            continue
        key = (d.student_ref, d.arrangement)
        if key not in latest or d.order > latest[key].order:
            latest[key] = d
    found = []
    for d in latest.values():
        start = d.valid_from or d.decided_on
        if start <= teldatum and (d.valid_until is None or d.valid_until > teldatum):
            found.append(d)
    return sorted(found, key=lambda d: d.order)


def _counts(
    allocations: Sequence[DecisionSummary], by_schools: Collection[str] = ()
) -> dict[str, int | None]:
    """Allocations per arrangement; null for an arrangement the region allocates to its schools
    (it makes no individual decisions to count), and the total of the rest."""
    counted = Counter(d.arrangement for d in allocations if d.arrangement not in by_schools)
    figures: dict[str, int | None] = {
        a: None if a in by_schools else counted.get(a, 0) for a in ARRANGEMENTS
    }
    figures["total"] = sum(counted.values())
    return figures


def _plus(total: int | None, more: int | None) -> int | None:
    return None if total is None or more is None else total + more


def _shares(counts: Mapping[str, int | None], students: int | None) -> dict[str, str | None]:
    return {name: share(n, students) for name, n in counts.items()}


def flows(decisions: Iterable[DecisionSummary], teldatum: dt.date) -> dict[str, Any]:
    """The decisions of the school year before the count date, by outcome and by reason."""
    start, end = flow_window(teldatum)
    chosen = [d for d in decisions if start <= d.decided_on <= end]
    by_arrangement: dict[str, Any] = {}
    for arrangement in ARRANGEMENTS:
        mine = [d for d in chosen if d.arrangement == arrangement]
        outcomes = Counter(d.outcome for d in mine)
        reasons: dict[str, dict[str, int]] = {}
        for outcome in OUTCOMES:
            counted = Counter(r for d in mine if d.outcome == outcome for r in d.reasons())
            reasons[outcome] = dict(sorted(counted.items()))
        by_arrangement[arrangement] = {
            "total": len(mine),
            "by_outcome": {o: outcomes.get(o, 0) for o in OUTCOMES},
            "by_reason": reasons,
        }
    outcomes = Counter(d.outcome for d in chosen)
    return {
        "school_year": f"{start.year}/{end.year}",
        "from": start.isoformat(),
        "until": end.isoformat(),
        "total": len(chosen),
        "by_outcome": {o: outcomes.get(o, 0) for o in OUTCOMES},
        "by_arrangement": by_arrangement,
    }


def region_figures(
    decisions: Sequence[DecisionSummary],
    schools: Sequence[SchoolInfo],
    enrolment: Mapping[str, int] | None,
    teldatum: dt.date,
    by_schools: Collection[str] = (),
) -> dict[str, Any]:
    """Every figure of one region on one count date. `by_schools`: the arrangements (lwoo) the
    region allocates to its schools on that date: shown as `allocated_to_schools`, not as 0."""
    allocations = in_force(decisions, teldatum)
    counts = _counts(allocations, by_schools)
    students = None if enrolment is None else sum(enrolment.values())
    known = {s.brin for s in schools}
    school_rows = []
    kinds: dict[str, dict[str, Any]] = {
        k: {"schools": 0, "small_schools": 0, "students": 0, **_counts([], by_schools)}
        for k in KINDS
    }
    for school in schools:
        mine = _counts([d for d in allocations if d.school_brin == school.brin], by_schools)
        pupils = None if enrolment is None else enrolment.get(school.brin)
        small = school.is_small(pupils)
        school_rows.append(
            {
                "brin": school.brin,
                "name": school.name,
                "kind": school.kind,
                "kinds": list(school.kinds),
                "lwoo_licence": school.lwoo_licence,
                "students": pupils,
                "small": small,
                "allocations": mine,
                "shares": _shares(mine, pupils),
            }
        )
        row = kinds[school.kind]
        row["schools"] += 1
        row["small_schools"] += 1 if small else 0
        row["students"] += pupils or 0
        for name in ("lwoo", "pro", "total"):
            row[name] = _plus(row[name], mine[name])
    for row in kinds.values():
        row["shares"] = _shares(
            {a: row[a] for a in (*ARRANGEMENTS, "total")}, row["students"] or None
        )
    unknown = _counts([d for d in allocations if d.school_brin not in known], by_schools)
    return {
        "teldatum": teldatum.isoformat(),
        "enrolment_known": enrolment is not None,
        "students": students,
        "allocation": {
            a: "allocated_to_schools" if a in by_schools else "per_student" for a in ARRANGEMENTS
        },
        "allocations": counts,
        "shares": _shares(counts, students),
        "schools": school_rows,
        "unknown_school": unknown,
        "by_kind": kinds,
        "decisions": flows(decisions, teldatum),
    }


def trend_teldata(
    decisions: Iterable[DecisionSummary],
    enrolment_dates: Iterable[dt.date],
    teldatum: dt.date,
    limit: int = TREND_LENGTH,
) -> list[dt.date]:
    """The count dates up to this one that have decisions or enrolments: at most `limit`, the
    latest; this count date is always the last."""
    dates = {flow_teldatum(d.decided_on) for d in decisions} | set(enrolment_dates)
    earlier = sorted(d for d in dates if d < teldatum)
    return [*earlier[-(limit - 1) :], teldatum] if limit > 1 else [teldatum]


def region_statistics(
    region: Mapping[str, Any],
    documents: Iterable[Mapping[str, Any]],
    enrolments: Mapping[dt.date, Mapping[str, int]],
    teldatum: dt.date,
    by_schools: Callable[[dt.date], Collection[str]] = lambda _: (),
) -> dict[str, Any]:
    """A region's figures on the count date, and on earlier count dates (trend).
    `by_schools(T)`: the arrangements the region allocates to its schools on count date T."""
    decisions = [DecisionSummary.from_document(d) for d in documents]
    schools = [SchoolInfo.from_document(s) for s in region.get("schools", [])]
    dates = trend_teldata(decisions, enrolments, teldatum)
    trend = [region_figures(decisions, schools, enrolments.get(t), t, by_schools(t)) for t in dates]
    return {
        "region_id": region["region_id"],
        "name": region.get("name"),
        "teldatum": teldatum.isoformat(),
        "figures": trend[-1],
        "trend": trend,
    }


def _national_row(
    statistics: Mapping[str, Any], national: Mapping[str, int], budget: Mapping[str, Decimal] | None
) -> dict[str, Any]:
    figures = statistics["figures"]
    counts = figures["allocations"]
    national_total = national["total"]
    budget_share = None if budget is None else budget.get(statistics["region_id"])
    gap = None
    if budget_share is not None and national_total:
        exact = Decimal(counts["total"]) / Decimal(national_total)
        gap = str((exact - budget_share).quantize(SHARE_PLACES, ROUND_HALF_EVEN))
    return {
        "region_id": statistics["region_id"],
        "name": statistics["name"],
        "students": figures["students"],
        "allocations": counts,
        "shares": figures["shares"],
        "allocation_share": share(counts["total"], national_total),
        "allocation_shares": {a: share(counts[a], national[a]) for a in ARRANGEMENTS},
        "budget_share": None if budget_share is None else str(budget_share),
        "gap": gap,
        "by_kind": figures["by_kind"],
        "decisions": figures["decisions"],
    }


def national_statistics(
    regions: Sequence[Mapping[str, Any]],
    budget: Mapping[str, Decimal] | None,
    budget_info: Mapping[str, Any] | None,
    teldatum: dt.date,
) -> dict[str, Any]:
    """Every region's figures (from `region_statistics`), the national totals and shares, and each
    region's share of the national lwoo/pro allocations beside its budget share (the gap that
    equalisation would close: positive when a region has more allocations than budget)."""
    total = dict.fromkeys((*ARRANGEMENTS, "total"), 0)
    for statistics in regions:
        for name in total:
            total[name] += statistics["figures"]["allocations"][name] or 0
    known = [s["figures"]["students"] for s in regions if s["figures"]["students"] is not None]
    students = sum(known) if known and len(known) == len(regions) else None
    outcomes = Counter[str]()
    for statistics in regions:
        outcomes.update(statistics["figures"]["decisions"]["by_outcome"])
    dates = sorted({t["teldatum"] for s in regions for t in s["trend"]})[-TREND_LENGTH:]
    trend = []
    for date in dates:
        entry = dict.fromkeys(total, 0)
        for statistics in regions:
            for point in statistics["trend"]:
                if point["teldatum"] == date:
                    for name in entry:
                        entry[name] += point["allocations"][name] or 0
        trend.append({"teldatum": date, "allocations": entry})
    return {
        "teldatum": teldatum.isoformat(),
        "national": {
            "allocations": total,
            "students": students,
            "shares": _shares(total, students),
            "decisions": {o: outcomes.get(o, 0) for o in OUTCOMES},
            # regions whose lwoo is allocated to their schools: not in the lwoo total
            "lwoo_allocated_to_schools": [
                s["region_id"]
                for s in regions
                if s["figures"].get("allocation", {}).get("lwoo") == "allocated_to_schools"
            ],
        },
        "budget": None if budget_info is None else dict(budget_info),
        "regions": [_national_row(s, total, budget) for s in regions],
        "trend": trend,
    }
