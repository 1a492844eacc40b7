"""Which criteria decide an application on a date, per arrangement, and deciding with them.

For each arrangement the region's own criteria apply where the phase lets the region set them
(no national criteria, or an opt-out on criteria for lwoo) and the region has a version in force;
otherwise the national criteria of the phase apply. Pro is then decided on its own definition, so
a region's lwoo criteria can never widen access to pro, not even through the mixed profile.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from chalicelib.domain.conformance import region_may_set_criteria, region_may_set_duration
from chalicelib.domain.eligibility import CompiledCriteria, compile_criteria, decide, merge_sides
from chalicelib.errors import LwooAllocatedToSchoolsError, NoCriteriaInForceError
from chalicelib.legal.model import Phase
from chalicelib.legal.timeline import national_criteria, phase_at
from chalicelib.messages import msg
from chalicelib.models.common import ARRANGEMENTS, Arrangement, Citation
from chalicelib.models.criteria import (
    ArrangementCriteria,
    Arrangements,
    CriteriaDefinition,
    Route,
)
from chalicelib.models.decision import CriteriaRef, Evaluation
from chalicelib.models.request import DecisionRequest


@dataclass(frozen=True)
class CriteriaVersion:
    """A stored version of a region's criteria definition."""

    version_id: str
    definition: CriteriaDefinition

    def in_force_on(self, date: dt.date) -> bool:
        until = self.definition.effective_until
        return self.definition.effective_from <= date and (until is None or date <= until)


@dataclass(frozen=True)
class Source:
    ref: CriteriaRef
    definition: CriteriaDefinition


@dataclass(frozen=True)
class CriteriaInForce:
    """The criteria per arrangement on a date, under a framework phase."""

    framework: str
    phase: Phase
    date: dt.date
    sources: dict[Arrangement, Source]

    def source(self, arrangement: Arrangement) -> Source:
        if arrangement not in self.sources:
            raise NoCriteriaInForceError(
                msg(
                    "error.no_region_criteria",
                    date=self.date.isoformat(),
                    arrangement=arrangement,
                    phase=self.phase.id,
                )
            )
        return self.sources[arrangement]

    def decides_per_student(self, arrangement: Arrangement) -> Source:
        """The source that decides an application for `arrangement`.

        Raises:
            NoCriteriaInForceError: no criteria for it are in force.
            LwooAllocatedToSchoolsError: the region allocates it to its schools instead.
        """
        source = self.source(arrangement)
        criteria = getattr(source.definition.arrangements, arrangement)
        if criteria is not None and criteria.allocation == "schools":
            raise LwooAllocatedToSchoolsError(
                msg(
                    "error.lwoo_allocated_to_schools",
                    since=source.definition.effective_from.isoformat(),
                    arrangement=arrangement,
                    version=source.ref.version_id,
                    date=self.date.isoformat(),
                )
            )
        return source

    def allocation(self, arrangement: Arrangement) -> str:
        """`per_student` or `schools`: how the arrangement is allocated on the date."""
        source = self.sources.get(arrangement)
        criteria = source and getattr(source.definition.arrangements, arrangement)
        return criteria.allocation if criteria else "per_student"


def national_source(version_id: str | None) -> Source | None:
    """The national criteria version as a source, or None where a phase has none."""
    if version_id is None:
        return None
    return Source(CriteriaRef("national", version_id), national_criteria(version_id).definition)


def national_in_force(framework: str, date: dt.date) -> CriteriaInForce:
    """The criteria in force for a region that has none of its own: the national ones."""
    phase = phase_at(framework, date)
    return resolve(
        framework, phase, date, (), None, national_source(phase.national_criteria.version)
    )


def version_in_force(versions: Sequence[CriteriaVersion], date: dt.date) -> CriteriaVersion | None:
    """The newest version (latest `effective_from`, then latest stored) in force on `date`."""
    candidates = [v for v in versions if v.in_force_on(date)]
    return max(candidates, key=lambda v: v.definition.effective_from, default=None)


def resolve(
    framework: str,
    phase: Phase,
    date: dt.date,
    scope: tuple[str, ...],
    region_version: CriteriaVersion | None,
    national: Source | None,
) -> CriteriaInForce:
    """The source of the criteria per arrangement on `date`.

    A region's own criteria apply where the phase lets it set them; where it may set only the
    duration (an opt-out on duration alone), the national criteria apply with the region's
    duration. Either way the source cites the power the region used (`_cited`).
    """
    sources: dict[Arrangement, Source] = {}
    for arrangement in ARRANGEMENTS:
        own = region_version and getattr(region_version.definition.arrangements, arrangement)
        if own and region_version and region_may_set_criteria(arrangement, phase, scope):
            definition = _cited(region_version.definition, phase.own_criteria_legal_basis)
            sources[arrangement] = Source(
                CriteriaRef("region", region_version.version_id), definition
            )
        elif national and getattr(phase.national_criteria, arrangement) != "none":
            sources[arrangement] = national
            if own and region_version and region_may_set_duration(arrangement, phase, scope):
                definition = _with_duration(
                    national.definition, arrangement, own, phase.duration.legal_basis
                )
                ref = CriteriaRef("region", region_version.version_id)
                sources[arrangement] = Source(ref, definition)
    return CriteriaInForce(framework, phase, date, sources)


def _with_basis(own: tuple[Citation, ...], power: tuple[Citation, ...]) -> tuple[Citation, ...]:
    return tuple(dict.fromkeys(own + power))


def _cited_route(
    route: Route, inherited: tuple[Citation, ...], power: tuple[Citation, ...]
) -> Route:
    conditions = tuple(
        c if c.legal_basis else c.model_copy(update={"legal_basis": power})
        for c in route.conditions
    )
    basis = _with_basis(route.legal_basis or inherited, power)
    return route.model_copy(update={"conditions": conditions, "legal_basis": basis})


@lru_cache(maxsize=256)
def _cited(definition: CriteriaDefinition, power: tuple[Citation, ...]) -> CriteriaDefinition:
    """A region's definition as decisions cite it: every arrangement and route also cites the
    power the region used (WVO art. 17a1 lid 1; WVO 2020 art. 2.48 lid 1; under `loslaten` the
    2014 letter), and a condition that cites nothing cites that power."""
    arrangements: dict[str, ArrangementCriteria | None] = {}
    for arrangement in ARRANGEMENTS:
        criteria: ArrangementCriteria | None = getattr(definition.arrangements, arrangement)
        if criteria is not None:
            own = criteria.legal_basis
            routes = tuple(_cited_route(r, own, power) for r in criteria.routes)
            criteria = criteria.model_copy(
                update={"routes": routes, "legal_basis": _with_basis(own, power)}
            )
        arrangements[arrangement] = criteria
    return definition.model_copy(update={"arrangements": Arrangements(**arrangements)})


@lru_cache(maxsize=256)
def _with_duration(
    national: CriteriaDefinition,
    arrangement: Arrangement,
    own: ArrangementCriteria,
    power: tuple[Citation, ...],
) -> CriteriaDefinition:
    """The national definition with the region's duration for `arrangement` (an opt-out on
    duration alone: WVO art. 17a1 lid 1 b; WVO 2020 art. 2.48 lid 1 b), citing that power."""
    criteria: ArrangementCriteria = getattr(national.arrangements, arrangement)
    routes = tuple(
        r.model_copy(update={"legal_basis": _with_basis(r.legal_basis, power)})
        for r in criteria.routes
    )
    updated = criteria.model_copy(
        update={
            "duration": own.duration,
            "routes": routes,
            "legal_basis": _with_basis(criteria.legal_basis, power),
        }
    )
    arrangements = national.arrangements.model_copy(update={arrangement: updated})
    return national.model_copy(update={"arrangements": arrangements})


@lru_cache(maxsize=256)
def _compiled(
    definition: CriteriaDefinition, ref: CriteriaRef, decides: tuple[Arrangement, ...]
) -> CompiledCriteria:
    return compile_criteria(definition, ref, decides)


def _side_definition(arrangement: Arrangement, criteria: CriteriaInForce) -> CriteriaDefinition:
    """The definition that decides one arrangement: its own source's, whole. Only where that
    definition lacks the other arrangement (a region that sets lwoo only) are the other's routes
    borrowed from their source, for the mixed profile. So national pro is never decided with a
    region's lwoo routes."""
    own = criteria.sources[arrangement].definition
    other: Arrangement = "pro" if arrangement == "lwoo" else "lwoo"
    if getattr(own.arrangements, other) is not None or other not in criteria.sources:
        return own
    borrowed = getattr(criteria.sources[other].definition.arrangements, other)
    arrangements = Arrangements.model_validate(
        {arrangement: getattr(own.arrangements, arrangement), other: borrowed}
    )
    return own.model_copy(update={"arrangements": arrangements})


def compiled_side(arrangement: Arrangement, criteria: CriteriaInForce) -> CompiledCriteria:
    """The compiled criteria that decide `arrangement` (and only it, when sources differ)."""
    source = criteria.source(arrangement)
    sources = {s.ref for s in criteria.sources.values()}
    if len(sources) == 1:
        return _compiled(source.definition, source.ref, ARRANGEMENTS)
    return _compiled(_side_definition(arrangement, criteria), source.ref, (arrangement,))


def decide_in_force(request: DecisionRequest, criteria: CriteriaInForce) -> Evaluation:
    """Decide with the criteria in force: one definition, or one per arrangement."""
    requested = request.application.arrangement
    criteria.decides_per_student(requested)
    refs = {s.ref for s in criteria.sources.values()}
    if len(refs) == 1:
        return decide(
            request,
            compiled_side(requested, criteria),
            criteria.phase,
            framework=criteria.framework,
        )
    sides = {
        a: decide(request, compiled_side(a, criteria), criteria.phase, framework=criteria.framework)
        for a in criteria.sources
    }
    return merge_sides(requested, sides)
