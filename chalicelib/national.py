"""Deciding under the national criteria of the phase in force (no region, no storage)."""

from __future__ import annotations

from functools import cache

from chalicelib.domain.eligibility import CompiledCriteria, compile_criteria, decide
from chalicelib.errors import NoCriteriaInForceError
from chalicelib.legal.timeline import national_criteria, phase_at
from chalicelib.models.decision import CriteriaRef, Evaluation
from chalicelib.models.request import DecisionRequest


@cache
def compiled_national(version_id: str) -> CompiledCriteria:
    """The national criteria version, compiled once per process."""
    criteria = national_criteria(version_id)
    return compile_criteria(criteria.definition, CriteriaRef("national", version_id))


def decide_national(request: DecisionRequest, framework_id: str = "enacted") -> Evaluation:
    """Decide under the national criteria of the phase in force on the application date.

    Raises:
        NoLegalPhaseError: the date lies before 2016-01-01.
        NoCriteriaInForceError: the phase has no national criteria for the arrangement
            (the `loslaten` phase of `kamerbrief-2014`: the region's own criteria apply).
    """
    phase = phase_at(framework_id, request.application.date)
    arrangement = request.application.arrangement
    version = phase.national_criteria.version
    if version is None or getattr(phase.national_criteria, arrangement) == "none":
        raise NoCriteriaInForceError(
            f"In phase {phase.id} of framework {framework_id} there are no national {arrangement} "
            "criteria: each region sets its own, recorded in its support plan.",
            findings=(),
        )
    return decide(request, compiled_national(version), phase, framework=framework_id)
