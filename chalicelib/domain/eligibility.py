"""decide(): which arrangements a dossier meets under a criteria definition, and why.

A definition is compiled once into a `CompiledCriteria`: each distinct condition becomes one
evaluator, evaluated once per dossier, and routes (mixed-profile routes included) are index
tuples into those results. That keeps a whole cohort to seconds of CPU.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from operator import itemgetter
from typing import Any, Literal

from chalicelib.domain.conditions import Dossier, Evaluator, compile_condition
from chalicelib.domain.duration import valid_until
from chalicelib.domain.evidence import check_evidence
from chalicelib.legal.model import Phase
from chalicelib.models.common import (
    ARRANGEMENTS,
    DOMAINS,
    Arrangement,
    Citation,
    Domain,
    Finding,
)
from chalicelib.models.criteria import ArrangementCriteria, Condition, CriteriaDefinition
from chalicelib.models.decision import (
    ConditionExplanation,
    CriteriaRef,
    Evaluation,
    Outcome,
    PhaseRef,
    RouteExplanation,
)
from chalicelib.models.request import DecisionRequest

MIXED_KINDS: tuple[Literal["iq", "learning_delay"], ...] = ("iq", "learning_delay")


def _picker(indexes: tuple[int, ...]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """A fast `lambda seq: tuple(seq[i] for i in indexes)`."""
    if len(indexes) == 1:
        only = indexes[0]
        return lambda seq: (seq[only],)
    return itemgetter(*indexes)


@dataclass(frozen=True, slots=True)
class CompiledRoute:
    arrangement: Arrangement
    id: str
    grants: tuple[Arrangement, ...]
    mixed: bool
    conditions: tuple[int, ...]  # indexes into CompiledCriteria.evaluators
    pick: Callable[[Sequence[Any]], tuple[Any, ...]]
    sep_index: int | None  # the route's SEP condition, for the "SEP missing" warning
    legal_basis: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class CompiledCriteria:
    """A criteria definition ready to evaluate: the result of `compile_criteria`."""

    ref: CriteriaRef
    definition: CriteriaDefinition
    evaluators: tuple[Evaluator, ...]
    routes: tuple[CompiledRoute, ...]
    upper_band: tuple[int, ...]  # delay conditions with an exclusive upper bound (lwoo-like)


class _Builder:
    """Gives each distinct condition one evaluator, shared by every route that uses it."""

    def __init__(self) -> None:
        self.conditions: list[Condition] = []
        self.evaluators: list[Evaluator] = []

    def index(self, cond: Condition) -> int:
        for i, known in enumerate(self.conditions):
            if known == cond:
                return i
        self.conditions.append(cond)
        self.evaluators.append(compile_condition(cond))
        return len(self.conditions) - 1

    def route(
        self,
        arrangement: Arrangement,
        route_id: str,
        conditions: tuple[Condition, ...],
        grants: tuple[Arrangement, ...],
        basis: tuple[Citation, ...],
    ) -> CompiledRoute:
        indexes = tuple(self.index(c) for c in conditions)
        sep = next((i for i, c in zip(indexes, conditions, strict=True) if c.kind == "sep"), None)
        mixed = len(grants) > 1
        return CompiledRoute(
            arrangement, route_id, grants, mixed, indexes, _picker(indexes), sep, basis
        )


def _mixed_routes(
    builder: _Builder,
    lwoo: ArrangementCriteria,
    pro: ArrangementCriteria,
    basis: tuple[Citation, ...],
) -> list[CompiledRoute]:
    """Mixed profile: pro on IQ *or* delay and lwoo on the rest gives either arrangement
    (IB WVO art. 15d lid 6; UB WVO 2020 art. 2.46 lid 6)."""
    routes: list[CompiledRoute] = []
    for lwoo_route in lwoo.routes:
        for pro_route in pro.routes:
            for kind in MIXED_KINDS:
                taken = tuple(c for c in pro_route.conditions if c.kind == kind)
                if not taken or not any(c.kind == kind for c in lwoo_route.conditions):
                    continue
                rest = tuple(c for c in lwoo_route.conditions if c.kind != kind)
                route_id = f"{lwoo_route.id}+{pro_route.id}-{kind.replace('_', '-')}"
                routes.append(builder.route("lwoo", route_id, taken + rest, ("lwoo", "pro"), basis))
    return routes


def compile_criteria(
    definition: CriteriaDefinition,
    ref: CriteriaRef,
    decides: tuple[Arrangement, ...] = ARRANGEMENTS,
) -> CompiledCriteria:
    """Compile a definition once; reuse the result for every dossier.

    `decides` names the arrangements this definition decides: when a region's lwoo criteria
    apply but pro stays national, each side is compiled on its own definition and routes grant
    only the arrangements their side decides (see `merge_sides`).
    """
    builder = _Builder()
    routes: list[CompiledRoute] = []
    for arrangement in ARRANGEMENTS:
        criteria: ArrangementCriteria | None = getattr(definition.arrangements, arrangement)
        if criteria is None:
            continue
        for route in criteria.routes:
            basis = route.legal_basis or criteria.legal_basis
            routes.append(
                builder.route(arrangement, route.id, route.conditions, (arrangement,), basis)
            )
    lwoo, pro = definition.arrangements.lwoo, definition.arrangements.pro
    if definition.mixed_profile == "either" and lwoo is not None and pro is not None:
        routes += _mixed_routes(builder, lwoo, pro, definition.mixed_profile_legal_basis)
    routes = [_granting_only(route, decides) for route in routes]
    routes = [route for route in routes if route.grants]
    upper = tuple(
        i
        for i, c in enumerate(builder.conditions)
        if c.kind == "learning_delay" and c.max_ratio_exclusive is not None
    )
    return CompiledCriteria(ref, definition, tuple(builder.evaluators), tuple(routes), upper)


def _granting_only(route: CompiledRoute, decides: tuple[Arrangement, ...]) -> CompiledRoute:
    grants = tuple(a for a in route.grants if a in decides)
    if grants == route.grants:
        return route
    return CompiledRoute(
        route.arrangement,
        route.id,
        grants,
        route.mixed,
        route.conditions,
        route.pick,
        route.sep_index,
        route.legal_basis,
    )


def _borderline_findings(
    criteria: CompiledCriteria,
    results: list[ConditionExplanation],
    mets: list[bool],
    dossier: Dossier,
) -> list[Finding]:
    """Warnings for borderline cases that a person should look at."""
    excluded: set[Domain] = set()
    for route in criteria.routes:
        unmet = [i for i in route.conditions if not mets[i]]
        if len(unmet) == 1 and unmet[0] in criteria.upper_band:
            excluded.update(results[unmet[0]].actual["above_band"])
    found = [
        Finding(
            severity="warning",
            code="delay_above_band_not_counted",
            path=f"/student/learning_delays/{dossier.index[domain]}",
            message=(
                f"The delay on {domain} ({dossier.fractions[domain]}) lies at or above the "
                "lwoo band's upper bound, so the literal text leaves it out of the lwoo count; "
                "a person should look at this borderline case."
            ),
        )
        for domain in DOMAINS
        if domain in excluded
    ]
    if dossier.student.sep is None:
        found += [
            Finding(
                severity="warning",
                code="sep_missing",
                path="/student/sep",
                message=(
                    f"Route {route.id} is met but for the sociaal-emotionele problematiek, and "
                    "the dossier has no SEP results."
                ),
                legal_basis=route.legal_basis,
            )
            for route in criteria.routes
            if route.sep_index is not None
            and all(mets[i] for i in route.conditions if i != route.sep_index)
        ]
    return found


def decide(
    request: DecisionRequest,
    criteria: CompiledCriteria,
    phase: Phase,
    *,
    framework: str = "enacted",
) -> Evaluation:
    """Decide one application: outcome, eligible arrangements, explanation and findings.

    Applies the criteria given (the national criteria of IB WVO art. 15d / UB WVO 2020
    art. 2.46, or a region's) and the evidence rules of `phase.evidence`. Missing evidence
    makes the outcome `incomplete`; criteria not met make it `refused`.
    """
    dossier = Dossier.of(request.student)
    results = [evaluate(dossier) for evaluate in criteria.evaluators]
    mets = [r.met for r in results]
    requested = request.application.arrangement
    route_explanations: list[RouteExplanation] = []
    eligible: set[Arrangement] = set()
    plain: set[Arrangement] = set()
    granting: list[Citation] = []
    for route in criteria.routes:
        met = all(route.pick(mets))
        route_explanations.append(
            RouteExplanation(
                route.arrangement,
                route.id,
                met,
                route.grants,
                route.mixed,
                route.pick(results),
                route.legal_basis,
            )
        )
        if met:
            eligible.update(route.grants)
            if not route.mixed:
                plain.add(route.arrangement)
            if requested in route.grants:
                granting += route.legal_basis

    findings = check_evidence(request, phase.evidence)
    complete = not findings
    if eligible != {"lwoo", "pro"}:  # with both open, no borderline case changes the outcome
        findings += _borderline_findings(criteria, results, mets, dossier)
    definition = criteria.definition
    # The note is about the 2022 wording, which literally asks full lwoo compliance: it matters
    # only when a mixed route opens an arrangement and no plain lwoo route is met.
    if definition.mixed_profile_note and eligible - plain and "lwoo" not in plain:
        findings.append(
            Finding(
                severity="warning",
                code="mixed_profile_interpretation",
                path="/application/arrangement",
                message=definition.mixed_profile_note,
                legal_basis=definition.mixed_profile_legal_basis,
            )
        )

    outcome: Outcome
    if not complete:
        outcome = "incomplete"
    elif requested in eligible:
        outcome = "granted"
    else:
        outcome = "refused"
    arrangement: ArrangementCriteria | None = getattr(definition.arrangements, requested)
    basis = list(arrangement.legal_basis) if arrangement else []
    if outcome == "granted":
        basis = granting
    elif outcome == "incomplete":
        basis += phase.evidence.legal_basis
    decided_on = request.application.date
    duration = arrangement.duration if arrangement is not None else None
    granted = outcome == "granted" and duration is not None
    return Evaluation(
        arrangement=requested,
        outcome=outcome,
        eligible_for=tuple(a for a in ARRANGEMENTS if a in eligible) if complete else (),
        decided_on=decided_on,
        framework=framework,
        phase=_phase_ref(phase.id),
        criteria=criteria.ref,
        valid_from=decided_on if granted else None,
        valid_until=valid_until(decided_on, duration) if duration and granted else None,
        explanation=tuple(route_explanations),
        findings=tuple(findings),
        legal_basis=tuple(dict.fromkeys(basis)),
    )


@lru_cache(maxsize=64)
def _phase_ref(phase_id: str) -> PhaseRef:
    return PhaseRef(phase_id)


def merge_sides(requested: Arrangement, sides: dict[Arrangement, Evaluation]) -> Evaluation:
    """One decision from the evaluations of two sides (lwoo on the region's criteria, pro on
    the national ones): each side answers for its own arrangement; the requested arrangement's
    side gives the outcome, the criteria reference, the duration and the legal basis."""
    main = sides[requested]
    eligible = tuple(a for a in ARRANGEMENTS if a in sides and a in sides[a].eligible_for)
    explanation = tuple(route for side in sides.values() for route in side.explanation)
    findings = tuple(dict.fromkeys(f for side in sides.values() for f in side.findings))
    return replace(main, eligible_for=eligible, explanation=explanation, findings=findings)
