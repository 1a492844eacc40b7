"""Is a region's criteria definition permitted in the phase in force? (conformiteit)

`check_criteria` reports every finding at once, each with a JSON pointer into the definition,
a message a person can act on and the legal basis. What binds comes from the phase data:
`phase.national_criteria` (per arrangement), `phase.duration` and the region's opt-out scope;
no rule here looks at a date except through the phase.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

from chalicelib.legal.model import Phase
from chalicelib.legal.timeline import national_criteria
from chalicelib.messages import msg
from chalicelib.models.common import ARRANGEMENTS, Arrangement, Citation, Finding
from chalicelib.models.criteria import (
    ArrangementCriteria,
    CriteriaDefinition,
    IqCondition,
    LearningDelayCondition,
)

IGNORED_IN_COMPARISON = {"legal_basis", "description"}


def _finding(
    severity: str, code: str, path: str, message: str, basis: tuple[Citation, ...] = ()
) -> Finding:
    return Finding.model_validate(
        {"severity": severity, "code": code, "path": path, "message": message, "legal_basis": basis}
    )


def _arrangements(
    definition: CriteriaDefinition,
) -> Iterator[tuple[Arrangement, ArrangementCriteria]]:
    for name in ARRANGEMENTS:
        criteria = getattr(definition.arrangements, name)
        if criteria is not None:
            yield name, criteria


def sense_findings(definition: CriteriaDefinition) -> list[Finding]:
    """Shape and sense: bounds in order, no empty arrangement or band, unique route ids."""
    found: list[Finding] = []
    if definition.effective_until and definition.effective_until < definition.effective_from:
        found.append(
            _finding(
                "error",
                "until_before_from",
                "/effective_until",
                msg("criteria.until_before_from"),
            )
        )
    present = list(_arrangements(definition))
    if not present:
        found.append(
            _finding(
                "error",
                "no_arrangements",
                "/arrangements",
                msg("criteria.no_arrangements"),
            )
        )
    ids = Counter(r.id for _, c in present for r in c.routes)
    for name, criteria in present:
        base = f"/arrangements/{name}"
        if criteria.allocation == "schools":
            if criteria.routes:
                found.append(
                    _finding(
                        "error",
                        "routes_with_school_allocation",
                        f"{base}/routes",
                        msg("criteria.routes_with_school_allocation", arrangement=name),
                    )
                )
        elif not criteria.routes:
            found.append(
                _finding(
                    "error",
                    "empty_arrangement",
                    f"{base}/routes",
                    msg("criteria.empty_arrangement", arrangement=name),
                )
            )
        for i, route in enumerate(criteria.routes):
            path = f"{base}/routes/{i}"
            if ids[route.id] > 1:
                found.append(
                    _finding(
                        "error",
                        "duplicate_route_id",
                        f"{path}/id",
                        msg("criteria.duplicate_route_id", route=route.id),
                    )
                )
            found += _route_sense(path, route.id, route.conditions)
    return found


def _route_sense(path: str, route_id: str, conditions: tuple[Any, ...]) -> list[Finding]:
    found: list[Finding] = []
    lows, highs = [0], [200]
    for j, cond in enumerate(conditions):
        at = f"{path}/conditions/{j}"
        if isinstance(cond, IqCondition):
            lows.append(cond.min if cond.min is not None else 0)
            highs.append(cond.max if cond.max is not None else 200)
            if cond.min is not None and cond.max is not None and cond.min > cond.max:
                found.append(
                    _finding(
                        "error",
                        "min_above_max",
                        f"{at}/min",
                        msg("criteria.min_above_max", min=cond.min, max=cond.max),
                    )
                )
        elif isinstance(cond, LearningDelayCondition):
            lo, hi = cond.min_ratio, cond.max_ratio_exclusive
            if lo is not None and hi is not None and lo >= hi:
                found.append(
                    _finding(
                        "error",
                        "empty_band",
                        f"{at}/min_ratio",
                        msg("criteria.empty_band", low=str(lo), high=str(hi)),
                    )
                )
    if max(lows) > min(highs):
        found.append(
            _finding(
                "error",
                "route_never_met",
                path,
                msg("criteria.route_never_met", route=route_id),
            )
        )
    return found


def _comparable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items() if k not in IGNORED_IN_COMPARISON}
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    return value


def _differences(ours: Any, theirs: Any, path: str) -> Iterator[tuple[str, Any, Any]]:
    """(pointer, region value, national value) for every place the two documents differ."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for key in sorted(set(ours) | set(theirs)):
            yield from _differences(ours.get(key), theirs.get(key), f"{path}/{key}")
    elif isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            yield from _differences(a, b, f"{path}/{i}")
    elif ours != theirs:
        yield path, ours, theirs


def _national_document(criteria: ArrangementCriteria) -> Any:
    return _comparable(criteria.model_dump(mode="json", exclude={"duration"}))


def region_may_set_criteria(arrangement: Arrangement, phase: Phase, scope: tuple[str, ...]) -> bool:
    """Whether the region's own criteria for the arrangement may apply (else: national)."""
    status: str = getattr(phase.national_criteria, arrangement)
    return status == "none" or (status == "binding_unless_opted_out" and "criteria" in scope)


def region_may_set_duration(arrangement: Arrangement, phase: Phase, scope: tuple[str, ...]) -> bool:
    rule = phase.duration.region_sets
    if rule == "always":
        return True
    return rule == "with_opt_out" and "duration" in scope and region_may_opt_out(arrangement, phase)


def region_may_opt_out(arrangement: Arrangement, phase: Phase) -> bool:
    status: str = getattr(phase.national_criteria, arrangement)
    return status == "binding_unless_opted_out"


def _why_binding(arrangement: Arrangement, phase: Phase) -> str:
    if region_may_opt_out(arrangement, phase):
        return msg("criteria.binding_needs_opt_out")
    return msg("criteria.binding_never_opted_out", arrangement=arrangement)


def _allocation_findings(
    name: Arrangement, criteria: ArrangementCriteria, phase: Phase, scope: tuple[str, ...]
) -> list[Finding]:
    """Allocating to schools instead of deciding per student: lwoo only, and only where the
    region may set its own lwoo criteria (an opt-out on criteria, or `loslaten`)."""
    if criteria.allocation != "schools":
        return []
    if name == "lwoo" and region_may_set_criteria(name, phase, scope):
        return []
    why = msg("criteria.pro_per_student" if name != "lwoo" else "criteria.allocation_needs_opt_out")
    return [
        _finding(
            "error",
            "allocation_not_permitted",
            f"/arrangements/{name}/allocation",
            msg("criteria.allocation_not_permitted", phase=phase.id, arrangement=name, why=why),
            phase.national_criteria.legal_basis + phase.opt_out.legal_basis,
        )
    ]


def phase_findings(
    definition: CriteriaDefinition,
    phase: Phase,
    scope: tuple[str, ...],
    national: CriteriaDefinition | None,
) -> list[Finding]:
    """What the phase in force on `effective_from` does not permit."""
    found: list[Finding] = []
    binding_basis = phase.national_criteria.legal_basis + phase.opt_out.legal_basis
    for name, criteria in _arrangements(definition):
        base = f"/arrangements/{name}"
        found += _allocation_findings(name, criteria, phase, scope)
        reference = getattr(national.arrangements, name) if national else None
        if not region_may_set_criteria(name, phase, scope) and reference is not None:
            for path, ours, theirs in _differences(
                _national_document(criteria), _national_document(reference), base
            ):
                found.append(
                    _finding(
                        "error",
                        "deviates_from_national_criteria",
                        path,
                        msg(
                            "criteria.deviates_from_national_criteria",
                            phase=phase.id,
                            arrangement=name,
                            field=path.removeprefix(base + "/"),
                            national=str(theirs),
                            region=str(ours),
                            why=_why_binding(name, phase),
                        ),
                        binding_basis,
                    )
                )
        if criteria.duration.kind != "school_career" and not region_may_set_duration(
            name, phase, scope
        ):
            found.append(
                _finding(
                    "error",
                    "duration_not_permitted",
                    f"{base}/duration",
                    msg("criteria.duration_not_permitted", phase=phase.id, arrangement=name),
                    phase.duration.legal_basis,
                )
            )
    # The mixed-profile setting only changes who gets lwoo (pro is decided on the national
    # definition whenever pro binds), so it is the region's to set with its lwoo criteria.
    if definition.mixed_profile != "either" and not region_may_set_criteria("lwoo", phase, scope):
        found.append(
            _finding(
                "error",
                "deviates_from_national_criteria",
                "/mixed_profile",
                msg("criteria.mixed_profile_binds", phase=phase.id),
                national.mixed_profile_legal_basis if national else binding_basis,
            )
        )
    for name in ARRANGEMENTS:
        if (
            getattr(phase.national_criteria, name) == "none"
            and getattr(definition.arrangements, name) is None
        ):
            found.append(
                _finding(
                    "warning",
                    "arrangement_missing",
                    f"/arrangements/{name}",
                    msg("criteria.arrangement_missing", phase=phase.id, arrangement=name),
                    phase.national_criteria.legal_basis,
                )
            )
    return found


def check_criteria(
    definition: CriteriaDefinition,
    phases: Sequence[Phase],
    scope: tuple[str, ...],
) -> list[Finding]:
    """Every finding on a region's definition, given the region's opt-out scope.

    `phases`: every phase of the framework the definition's validity spans, in order. A
    definition may run open-ended or across a phase boundary when each of those phases permits
    it (README: definitions across phases); a finding that more than one phase gives names them.
    """
    found: dict[tuple[str, str, str], tuple[Finding, list[str]]] = {}
    for phase in phases:
        version = phase.national_criteria.version
        binding = national_criteria(version).definition if version else None
        for finding in phase_findings(definition, phase, scope, binding):
            key = (finding.severity, finding.code, finding.path)
            found.setdefault(key, (finding, []))[1].append(phase.id)
    merged = [
        first.model_copy(
            update={
                "message": msg("criteria.also_in_phases", finding=first.message, phases=ids[1:])
            }
        )
        if len(ids) > 1
        else first
        for first, ids in found.values()
    ]
    return sense_findings(definition) + merged
