"""Use case of a criteria change's impact: per dossier, eligibility before and after.

The dossiers are the caller's, or else the region's health records still kept (their
retention, three years, bounds the look back).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from chalicelib.domain.in_force import CriteriaVersion, decide_in_force
from chalicelib.errors import ToewijzingError
from chalicelib.models.common import ARRANGEMENTS
from chalicelib.models.criteria import CriteriaDefinition
from chalicelib.models.request import DecisionRequest
from chalicelib.models.responses import ImpactResult
from chalicelib.services.criteria import Criteria
from chalicelib.services.regions import Regions
from chalicelib.storage.ports import Storage


class Impact:
    """What a candidate criteria definition would change, on the storage port."""

    def __init__(
        self,
        storage: Storage,
        regions: Regions,
        criteria: Criteria,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.storage = storage
        self.regions = regions
        self.criteria = criteria
        self.clock = clock

    def criteria_impact(
        self,
        region_id: str,
        candidate: CriteriaDefinition,
        dossiers: list[DecisionRequest] | None,
        framework: str,
        date: dt.date | None,
    ) -> ImpactResult:
        self.regions.get_region(region_id)
        if dossiers is None:
            stored = self.storage.list_dossiers(region_id, self.clock().date())
            dossiers = [DecisionRequest.model_validate(h["dossier"]) for h in stored]
        return ImpactResult.model_validate(
            self.impact(region_id, candidate, dossiers, framework, date)
        )

    def impact(
        self,
        region_id: str,
        candidate: CriteriaDefinition,
        dossiers: Sequence[DecisionRequest],
        framework: str,
        date: dt.date | None,
    ) -> dict[str, Any]:
        """Per dossier the eligibility under the criteria in force (the law as enacted) and
        under the candidate (in `framework`); counts of the changes and who is affected."""
        transitions: Counter[str] = Counter()
        per_arrangement = {a: Counter[str]() for a in ARRANGEMENTS}
        affected: list[dict[str, Any]] = []
        candidate_version = CriteriaVersion("candidate", candidate)
        for dossier in dossiers:
            on = date or dossier.application.date
            request = _dated(dossier, on)
            before = self._eligible(region_id, request, "enacted", None)
            after = self._eligible(region_id, request, framework, candidate_version)
            label = f"{_label(before)} -> {_label(after)}"
            if before != after:
                transitions[label] += 1
                affected.append(
                    {"student_ref": dossier.student.ref, "before": before, "after": after}
                )
            for a in ARRANGEMENTS:
                change = (
                    "kept"
                    if (a in before) == (a in after)
                    else ("gained" if a in after else "lost")
                )
                per_arrangement[a][change if (a in before or a in after) else "never"] += 1
        return {
            "framework": framework,
            "date": date.isoformat() if date else None,
            "dossiers": len(dossiers),
            "changed": len(affected),
            "changes": dict(sorted(transitions.items())),
            "per_arrangement": {a: dict(c) for a, c in per_arrangement.items()},
            "affected": affected,
        }

    def _eligible(
        self,
        region_id: str,
        request: DecisionRequest,
        framework: str,
        candidate: CriteriaVersion | None,
    ) -> list[str]:
        """Eligibility by the criteria alone (met routes), whatever the evidence: re-dating a
        dossier may age its IQ test, and the impact is about the criteria."""
        try:
            criteria = self.criteria.in_force(
                region_id, request.application.date, framework, candidate
            )
            evaluation = decide_in_force(request, criteria)
        except ToewijzingError:
            return []
        met = {a for route in evaluation.explanation if route.met for a in route.grants}
        return [a for a in ARRANGEMENTS if a in met]


def _label(eligible: Sequence[str]) -> str:
    return "+".join(eligible) or "none"


def _dated(request: DecisionRequest, date: dt.date) -> DecisionRequest:
    if request.application.date == date:
        return request
    application = request.application.model_copy(update={"date": date})
    return request.model_copy(update={"application": application})
