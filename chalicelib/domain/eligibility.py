"""decide(): which arrangements a dossier meets under a criteria definition, and why.

A definition is compiled once into a `CompiledCriteria`: its distinct conditions are compiled
together (`chalicelib.domain.conditions`) and explained once per dossier, and routes
(mixed-profile routes included) are index tuples into those explanations. Everything that
depends only on which conditions are met (which routes are met, what is eligible, the legal
basis of a grant, which warnings can apply) is a `Verdict`, made once per pattern of met
conditions and cached on the compiled criteria. Per dossier that leaves the condition
explanations, one explanation per route, the evidence check and the findings: a cohort of
100,000 takes a few seconds of CPU (`make bench`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from operator import itemgetter
from typing import Any, Literal

from chalicelib.domain.conditions import Conditions, compile_conditions
from chalicelib.domain.duration import valid_until
from chalicelib.domain.evidence import check_evidence
from chalicelib.legal.model import Phase
from chalicelib.messages import msg
from chalicelib.models.common import (
    ARRANGEMENTS,
    DOMAINS,
    Arrangement,
    Citation,
    Domain,
    Finding,
)
from chalicelib.models.criteria import (
    ArrangementCriteria,
    Condition,
    CriteriaDefinition,
    Duration,
    LearningDelayCondition,
)
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
# Cache bounds. Verdicts: one per pattern of met conditions (2 ** conditions at most; the
# national criteria have 6 conditions, so 64), per compiled definition. Above-band warnings:
# one per domain, position and delay fraction, for all definitions together; a Finding is a
# pydantic model, some microseconds to make, and many students in a cohort get this warning.
# At about a kilobyte each, the bound keeps that cache under some 16 MB.
VERDICT_CACHE_SIZE = 1024
ABOVE_BAND_CACHE_SIZE = 16384


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
    conditions: tuple[int, ...]  # indexes into the definition's distinct conditions
    pick: Callable[[Sequence[Any]], tuple[Any, ...]]
    sep_index: int | None  # the route's SEP condition, for the "SEP missing" finding
    sep_basis: tuple[Citation, ...]  # that condition's legal basis
    legal_basis: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class CompiledSide:
    """What a decision on one arrangement takes from its criteria beyond the routes."""

    refused_basis: tuple[Citation, ...]  # the arrangement's legal basis, without repeats
    duration: Duration


@dataclass(frozen=True, slots=True)
class CompiledCriteria:
    """A criteria definition ready to evaluate: the result of `compile_criteria`."""

    ref: CriteriaRef
    definition: CriteriaDefinition
    conditions: Conditions  # the distinct conditions, compiled
    routes: tuple[CompiledRoute, ...]
    upper_band: tuple[int, ...]  # delay conditions with an exclusive upper bound (lwoo-like)
    sides: dict[Arrangement, CompiledSide]  # the arrangements the definition has criteria for
    verdict: Callable[[tuple[bool, ...]], Verdict]  # which conditions are met -> Verdict; cached
    asks_iq: frozenset[Arrangement]  # arrangements some route granting them has an IQ condition


@dataclass(frozen=True, slots=True)
class _RouteSpec:
    """A route as the definition gives it, before its conditions are numbered."""

    arrangement: Arrangement
    id: str
    conditions: tuple[Condition, ...]
    grants: tuple[Arrangement, ...]
    legal_basis: tuple[Citation, ...]


def _mixed_routes(
    lwoo: ArrangementCriteria, pro: ArrangementCriteria, basis: tuple[Citation, ...]
) -> list[_RouteSpec]:
    """Mixed profile: pro on IQ *or* delay and lwoo on the rest gives either arrangement
    (IB WVO art. 15d lid 6; UB WVO 2020 art. 2.46 lid 6)."""
    routes: list[_RouteSpec] = []
    for lwoo_route in lwoo.routes:
        for pro_route in pro.routes:
            for kind in MIXED_KINDS:
                taken = tuple(c for c in pro_route.conditions if c.kind == kind)
                if not taken or not any(c.kind == kind for c in lwoo_route.conditions):
                    continue
                rest = tuple(c for c in lwoo_route.conditions if c.kind != kind)
                route_id = f"{lwoo_route.id}+{pro_route.id}-{kind.replace('_', '-')}"
                routes.append(_RouteSpec("lwoo", route_id, taken + rest, ("lwoo", "pro"), basis))
    return routes


def _route_specs(definition: CriteriaDefinition) -> list[_RouteSpec]:
    """Every route of the definition, the mixed-profile routes last."""
    routes: list[_RouteSpec] = []
    for arrangement in ARRANGEMENTS:
        criteria: ArrangementCriteria | None = getattr(definition.arrangements, arrangement)
        if criteria is None:
            continue
        for route in criteria.routes:
            basis = route.legal_basis or criteria.legal_basis
            routes.append(
                _RouteSpec(arrangement, route.id, route.conditions, (arrangement,), basis)
            )
    lwoo, pro = definition.arrangements.lwoo, definition.arrangements.pro
    if definition.mixed_profile == "either" and lwoo is not None and pro is not None:
        routes += _mixed_routes(lwoo, pro, definition.mixed_profile_legal_basis)
    return routes


def _distinct(specs: list[_RouteSpec]) -> list[Condition]:
    """Each distinct condition once (equal conditions of different routes are one)."""
    distinct: list[Condition] = []
    for spec in specs:
        distinct += [c for c in spec.conditions if c not in distinct]
    return distinct


def _route(
    spec: _RouteSpec, numbered: tuple[Condition, ...], decides: tuple[Arrangement, ...]
) -> CompiledRoute:
    """`numbered`: the distinct conditions, as `Conditions.conditions` orders them."""
    indexes = tuple(numbered.index(c) for c in spec.conditions)
    sep = next((c for c in spec.conditions if c.kind == "sep"), None)
    sep_index = None if sep is None else numbered.index(sep)
    # `decides` limits what the route grants, not whether it is mixed.
    grants = tuple(a for a in spec.grants if a in decides)
    mixed = len(spec.grants) > 1
    return CompiledRoute(
        spec.arrangement,
        spec.id,
        grants,
        mixed,
        indexes,
        _picker(indexes),
        sep_index,
        sep.legal_basis if sep else (),
        spec.legal_basis,
    )


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
    specs = _route_specs(definition)
    conditions = compile_conditions(_distinct(specs))
    numbered = conditions.conditions
    routes = tuple(
        route for route in (_route(spec, numbered, decides) for spec in specs) if route.grants
    )
    upper = tuple(
        i
        for i, c in enumerate(conditions.conditions)
        if c.kind == "learning_delay" and c.max_ratio_exclusive is not None
    )
    sides = {
        a: CompiledSide(tuple(dict.fromkeys(c.legal_basis)), c.duration)
        for a in ARRANGEMENTS
        if (c := getattr(definition.arrangements, a)) is not None
    }
    verdict = lru_cache(maxsize=VERDICT_CACHE_SIZE)(partial(_verdict, routes, definition, sides))
    asks_iq = frozenset(
        a
        for route in routes
        for a in route.grants
        if any(conditions.conditions[i].kind == "iq" for i in route.conditions)
    )
    return CompiledCriteria(ref, definition, conditions, routes, upper, sides, verdict, asks_iq)


@dataclass(frozen=True, slots=True)
class Verdict:
    """What follows from which conditions are met: the same for every dossier with that pattern
    of met conditions, so `CompiledCriteria.verdict` makes it once per pattern and caches it."""

    route_met: tuple[bool, ...]  # per route of CompiledCriteria.routes
    eligible_for: tuple[Arrangement, ...]  # in the order of ARRANGEMENTS
    # Per arrangement applied for, on a complete dossier: the outcome, its legal basis, and the
    # duration when granted (then the decision has a validity).
    outcomes: dict[Arrangement, tuple[Outcome, tuple[Citation, ...], Duration | None]]
    # Per arrangement: whether SEP results can decide it (a route for it is met but for SEP,
    # and no route without SEP grants it); and the errors to give when they are missing.
    sep_decides: dict[Arrangement, bool]
    sep_missing: dict[Arrangement, tuple[Finding, ...]]
    mixed_note: tuple[Finding, ...]  # the definition's mixed-profile note, when it applies


def _verdict(
    routes: tuple[CompiledRoute, ...],
    definition: CriteriaDefinition,
    sides: dict[Arrangement, CompiledSide],
    met: tuple[bool, ...],
) -> Verdict:
    """`met`: per distinct condition (in the order of `Conditions.conditions`), whether it is
    met."""
    route_met = tuple(all(met[i] for i in route.conditions) for route in routes)
    met_routes = [route for route, ok in zip(routes, route_met, strict=True) if ok]
    eligible = frozenset(a for route in met_routes for a in route.grants)
    plain = {route.arrangement for route in met_routes if not route.mixed}
    outcomes = {a: _outcome(a, met_routes, sides.get(a)) for a in ARRANGEMENTS}
    # SEP results are evidence only where they can decide (UB WVO 2020 art. 2.46 lid 1 d:
    # "indien noodzakelijk voor het vormen van een oordeel").
    sep_open = {
        a: [
            route
            for route in routes
            if a in route.grants
            and route.sep_index is not None
            and all(met[i] for i in route.conditions if i != route.sep_index)
        ]
        for a in ARRANGEMENTS
    }
    granted_without_sep = {
        a for route in met_routes if route.sep_index is None for a in route.grants
    }
    sep_decides = {a: bool(sep_open[a]) and a not in granted_without_sep for a in ARRANGEMENTS}
    sep_missing = {
        a: tuple(_sep_missing(route) for route in sep_open[a]) if a not in eligible else ()
        for a in ARRANGEMENTS
    }
    # The note is about the 2022 wording, which literally asks full lwoo compliance: it matters
    # only when a mixed route opens an arrangement and no plain lwoo route is met.
    note: tuple[Finding, ...] = ()
    if definition.mixed_profile_note and eligible - plain and "lwoo" not in plain:
        note = (
            Finding(
                severity="warning",
                code="mixed_profile_interpretation",
                path="/application/arrangement",
                message=msg("eligibility.mixed_profile_note", note=definition.mixed_profile_note),
                legal_basis=definition.mixed_profile_legal_basis,
            ),
        )
    eligible_for = tuple(a for a in ARRANGEMENTS if a in eligible)
    return Verdict(route_met, eligible_for, outcomes, sep_decides, sep_missing, note)


def _outcome(
    requested: Arrangement, met_routes: list[CompiledRoute], side: CompiledSide | None
) -> tuple[Outcome, tuple[Citation, ...], Duration | None]:
    """A complete dossier's outcome: granted, on the legal basis of the routes that grant it,
    or refused, on the arrangement's."""
    granting = [r for r in met_routes if requested in r.grants]
    if not granting:
        return "refused", side.refused_basis if side else (), None
    basis = tuple(dict.fromkeys(b for r in granting for b in r.legal_basis))
    return "granted", basis, side.duration if side else None


def _sep_missing(route: CompiledRoute) -> Finding:
    return Finding(
        severity="error",
        code="sep_missing",
        path="/student/sep",
        message=msg("eligibility.sep_missing", route=route.id),
        legal_basis=tuple(dict.fromkeys(route.sep_basis + route.legal_basis)),
    )


def _disregarded(finding: Finding) -> Finding:
    """An unusable SEP result where SEP cannot decide is set aside, not a gap in the dossier:
    SEP results are used only "indien noodzakelijk voor het vormen van een oordeel" (UB WVO 2020
    art. 2.46 lid 1 d)."""
    if finding.severity == "warning":
        return finding
    message = msg("eligibility.sep_disregarded", finding=finding.message)
    return finding.model_copy(update={"severity": "warning", "message": message})


@lru_cache(maxsize=ABOVE_BAND_CACHE_SIZE)
def _above_band(
    domain: Domain, position: int, fraction: str, basis: tuple[Citation, ...]
) -> Finding:
    return Finding(
        severity="warning",
        code="delay_above_band_not_counted",
        path=f"/student/learning_delays/{position}",
        message=msg("eligibility.delay_above_band", domain=domain, fraction=fraction),
        legal_basis=basis,
    )


def _above_band_findings(
    criteria: CompiledCriteria,
    results: Sequence[ConditionExplanation],
    fractions: dict[str, str],
    request: DecisionRequest,
) -> list[Finding]:
    """A warning per domain at or above an lwoo band's upper bound that is left out of an unmet
    lwoo count which, with it counted, would meet the domain rule (README: counting domains)."""
    excluded: dict[str, tuple[Citation, ...]] = {}
    for i in criteria.upper_band:
        result = results[i]
        above: list[Domain] = result.actual["above_band"]
        if result.met or not above:
            continue
        condition = criteria.conditions.conditions[i]
        if not isinstance(condition, LearningDelayCondition):  # upper_band holds only these
            continue
        counted = [*result.actual["counted"], *above]
        core = condition.required_one_of
        if len(counted) >= condition.min_domains and (not core or any(d in counted for d in core)):
            for domain in above:
                excluded.setdefault(domain, result.legal_basis)
    if not excluded:
        return []
    positions = {r.domain: i for i, r in enumerate(request.student.learning_delays)}
    return [
        _above_band(domain, positions[domain], fractions[domain], excluded[domain])
        for domain in DOMAINS
        if domain in excluded
    ]


def _explain_routes(
    routes: tuple[CompiledRoute, ...],
    route_met: tuple[bool, ...],
    results: Sequence[ConditionExplanation],
) -> tuple[RouteExplanation, ...]:
    return tuple(
        RouteExplanation(
            route.arrangement,
            route.id,
            met,
            route.grants,
            route.mixed,
            route.pick(results),
            route.legal_basis,
        )
        for route, met in zip(routes, route_met, strict=True)
    )


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
    results, fractions = criteria.conditions.explain(request.student)
    verdict = criteria.verdict(tuple(r.met for r in results))
    requested, decided_on = request.application.arrangement, request.application.date

    findings = check_evidence(request, phase.evidence, requested in criteria.asks_iq)
    if request.student.sep is None:
        findings += verdict.sep_missing[requested]
    elif not verdict.sep_decides[requested]:
        findings = [_disregarded(f) if f.path.startswith("/student/sep") else f for f in findings]
    complete = not any(f.severity == "error" for f in findings)
    outcome: Outcome
    if complete:
        outcome, basis, duration = verdict.outcomes[requested]
    else:
        outcome, duration = "incomplete", None
        side = criteria.sides.get(requested)
        refused_basis = side.refused_basis if side else ()
        basis = tuple(dict.fromkeys(refused_basis + phase.evidence.legal_basis))
    if outcome != "granted":
        findings += _above_band_findings(criteria, results, fractions, request)
    findings += verdict.mixed_note
    return Evaluation(
        arrangement=requested,
        outcome=outcome,
        eligible_for=verdict.eligible_for if complete else (),
        decided_on=decided_on,
        framework=framework,
        phase=_phase_ref(phase.id),
        criteria=criteria.ref,
        valid_from=decided_on if duration is not None else None,
        valid_until=valid_until(decided_on, duration) if duration is not None else None,
        explanation=_explain_routes(criteria.routes, verdict.route_met, results),
        findings=tuple(findings),
        legal_basis=basis,
        health_data_legal_basis=phase.health_data.legal_basis,
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
