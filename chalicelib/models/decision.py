"""The decision: outcome, eligibility, explanation and legal basis.

These are slotted stdlib dataclasses rather than pydantic models: the engine builds tens of
them per decision and a cohort has a hundred thousand decisions, so construction must be cheap.
Those built per condition, per route and per decision are not `frozen` because a frozen
dataclass pays an `object.__setattr__` per field (for the twelve fields of an evaluation, some
microseconds per decision); treat them as immutable all the same. The engine shares
condition explanations between decisions (an IQ explanation per score, say), so mutating one
would change other decisions: build a new one with `dataclasses.replace` instead. Pydantic
still validates, serialises and documents all of them through `TypeAdapter`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from chalicelib.models.common import Arrangement, Citation, Finding

Outcome = Literal["granted", "refused", "incomplete"]


@dataclass(slots=True)
class ConditionExplanation:
    """One condition: what the criteria expect, what the dossier shows, and whether it is met."""

    kind: str
    expected: str
    actual: Any
    met: bool
    detail: str | None = None
    legal_basis: tuple[Citation, ...] = ()
    """The article that makes the condition a rule, for the decision date's phase."""


@dataclass(slots=True)
class RouteExplanation:
    """One route: met when all its conditions are met. A met route grants `grants`.

    A mixed-profile route (`mixed: true`) is an lwoo route with its IQ or delay condition taken
    from a pro route; when met it grants either arrangement.
    """

    arrangement: Arrangement
    route: str
    met: bool
    grants: tuple[Arrangement, ...]
    mixed: bool
    conditions: tuple[ConditionExplanation, ...]
    legal_basis: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class PhaseRef:
    id: str


@dataclass(frozen=True, slots=True)
class CriteriaRef:
    """Which criteria definition a decision used: the national one or a region's version."""

    source: Literal["national", "region"]
    version_id: str


@dataclass(slots=True)
class Evaluation:
    """What the pure engine decides: everything in a decision that does not need storage.

    `valid_until` is the first day the allocation no longer holds; null means the whole school
    career. `eligible_for` is empty when the dossier is incomplete.
    """

    arrangement: Arrangement
    outcome: Outcome
    eligible_for: tuple[Arrangement, ...]
    decided_on: dt.date
    framework: str
    phase: PhaseRef
    criteria: CriteriaRef
    valid_from: dt.date | None
    valid_until: dt.date | None
    explanation: tuple[RouteExplanation, ...]
    findings: tuple[Finding, ...]
    legal_basis: tuple[Citation, ...]
    health_data_legal_basis: tuple[Citation, ...]
    """Why the measured values are health data kept for a limited time, in the decision date's
    phase (WVO art. 17a lid 14 before 2022-08-01; WVO 2020 art. 2.47 lid 16 from then)."""


@dataclass(slots=True)
class Decision(Evaluation):
    """A stored decision (beschikking), as the API returns it: an evaluation with its number.

    The measured values in the explanation (`actual`) are health data: they are kept until
    `health_data_until` (three years after the decision, `health_data_legal_basis`) and are
    null after it; the rest of the decision stays.
    """

    decision_id: str
    volgnummer: str
    region_id: str
    student_ref: str
    health_data_until: dt.date | None = None
    school_brin: str | None = None
    """The school that applied (the application's `school_brin`): not health data, kept for
    the statistics per school on the count date."""
