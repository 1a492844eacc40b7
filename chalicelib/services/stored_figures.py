"""What the statistics may count of what is stored: each stored document checked on its own.

A statistics request never fails because of one stored document. An enrolment or a decision
that cannot be counted (a count date outside the calendar the figures span, a missing or broken
field: stored before its input was checked, or by hand) is left out and reported as a warning
(`code`, `region_id`, `message`), and the rest is counted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from chalicelib.domain.statistics import DecisionSummary, is_teldatum
from chalicelib.messages import clip, msg
from chalicelib.models.common import EARLIEST_DATE, LATEST_DATE

FIRST_TELDATUM_YEAR = 2016  # the first count date under the enacted framework (2016-10-01)
DELETED = "deleted"  # an enrolment version that withdraws the count date (DELETE)


def warning(code: str, region_id: str, message: str) -> dict[str, str]:
    return {"code": code, "region_id": region_id, "message": message}


def countable_teldatum(value: Any) -> dt.date | None:
    """A stored count date the figures can span: 1 October of 2016 to 2099; else None."""
    try:
        date = dt.date.fromisoformat(str(value))
    except ValueError:
        return None
    ok = is_teldatum(date) and FIRST_TELDATUM_YEAR <= date.year <= LATEST_DATE.year
    return date if ok else None


def enrolments(
    region_id: str, documents: Iterable[Mapping[str, Any]], warnings: list[dict[str, str]]
) -> dict[dt.date, dict[str, int]]:
    """Students per school by count date: the newest version of each (documents come oldest
    first); a withdrawn count date is left out, an unusable version reported and skipped."""
    latest: dict[str, Mapping[str, Any]] = {}
    for document in documents:
        if isinstance(document, Mapping):
            latest[str(document.get("teldatum"))] = document
    found: dict[dt.date, dict[str, int]] = {}
    for raw, document in latest.items():
        if document.get(DELETED):
            continue
        try:
            date = countable_teldatum(raw)
            if date is None:
                raise ValueError(msg("figures.not_a_teldatum", value=raw[:40]))
            found[date] = per_school(document["schools"])
        except (KeyError, TypeError, ValueError) as exc:
            what = msg("figures.enrolment_ignored", region=region_id, reason=clip(str(exc), 200))
            warnings.append(warning("enrolment_ignored", region_id, what))
    return found


def per_school(schools: Any) -> dict[str, int]:
    counts = {str(s["brin"]): int(s["students"]) for s in schools}
    if any(n < 0 for n in counts.values()):
        raise ValueError(msg("figures.negative_students"))
    return counts


def decisions(
    region_id: str, documents: Iterable[Mapping[str, Any]], warnings: list[dict[str, str]]
) -> list[Mapping[str, Any]]:
    """The stored decisions the figures can count: each must read as a summary with its dates
    within the calendar (1900-2099)."""
    usable = []
    for document in documents:
        try:
            summary = DecisionSummary.from_document(document)
            dates = (summary.decided_on, summary.valid_from, summary.valid_until)
            if any(d is not None and not _in_calendar(d) for d in dates):
                raise ValueError(msg("figures.date_outside_calendar"))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            ref = (
                str(document.get("decision_id", "?"))[:40] if isinstance(document, Mapping) else "?"
            )
            reason = clip(str(exc), 200)
            what = msg("figures.decision_ignored", decision=ref, region=region_id, reason=reason)
            warnings.append(warning("decision_ignored", region_id, what))
            continue
        usable.append(document)
    return usable


def _in_calendar(date: dt.date) -> bool:
    return EARLIEST_DATE <= date <= LATEST_DATE
