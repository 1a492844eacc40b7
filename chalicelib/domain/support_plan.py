"""Does a support plan contain what the law requires? And which published plan is in force?

`check_plan` reports every missing or late item at once, each with a JSON pointer into the plan
and its legal basis. What a plan must contain is data of the phase (`phase.support_plan`): the
sections, the lwoo/pro items and when they are required, the maximum number of school years, the
inspectorate's deadline and the consultations. No rule here looks at a date except through that
data. Codes:

- `period_start`, `period_end`, `period_end_before_start`, `period_too_long`: the period
- `crosses_phase_boundary` (warning): the period runs into the next legal phase
- `section_missing`: a required section (`/sections/{id}`)
- `not_adopted`: no adoption date
- `oogo_missing`, `oogo_after_adoption`, `oogo_unknown_municipality` (warning),
  `po_overleg_missing`, `po_overleg_after_adoption`, `mbo_not_invited`, `mbo_invited_after_adoption`
- `not_sent_to_inspectorate`, `inspectorate_late`, `sent_before_adoption`
- `criteria_not_recorded`, `procedure_missing`, `criteria_not_stored`,
  `criteria_differ_from_stored`: the region's own criteria (`/lwoo_pro/...`)
- `nomination_criteria_missing`, `nominated_schools_missing`, `nomination_without_licences`,
  `nominated_school_unknown`: nominating schools for lwoo funding
- plus the criteria validation's own findings on each recorded definition, passed in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence

from chalicelib.domain.conformance import region_may_set_criteria, region_may_set_duration
from chalicelib.domain.optout import unknown_schools
from chalicelib.legal.model import LwooProItem, Phase, SupportPlanRule
from chalicelib.messages import msg
from chalicelib.models.common import ARRANGEMENTS, Arrangement, Citation, Finding, Severity
from chalicelib.models.region import RegionIn
from chalicelib.models.support_plan import PlanPublication, SupportPlan

_Make = Callable[..., Finding]


def _month_day(year: int, month_day: str) -> dt.date:
    month, day = (int(part) for part in month_day.split("-"))
    return dt.date(year, month, day)


def school_year(date: dt.date, starts_month_day: str) -> int:
    """The calendar year in which the school year holding `date` starts."""
    start = _month_day(date.year, starts_month_day)
    return date.year if date >= start else date.year - 1


def _finder(basis: tuple[Citation, ...], severity: Severity = "error") -> _Make:
    def make(code: str, path: str, message: str) -> Finding:
        return Finding(severity=severity, code=code, path=path, message=message, legal_basis=basis)

    return make


def _iso(date: dt.date) -> str:
    return date.isoformat()


def check_period(plan: SupportPlan, phase: Phase) -> list[Finding]:
    rule = phase.support_plan
    error = _finder(rule.period_legal_basis)
    start, end = plan.period.start, plan.period.end
    found: list[Finding] = []
    first_day = _month_day(start.year, rule.period_starts_month_day)
    if start != first_day:
        found.append(
            error(
                "period_start",
                "/period/start",
                msg("plan.period_start", first=_iso(first_day), start=_iso(start)),
            )
        )
    if end < start:
        found.append(
            error("period_end_before_start", "/period/end", msg("plan.period_end_before_start"))
        )
        return found
    next_day = end + dt.timedelta(days=1)
    if next_day != _month_day(next_day.year, rule.period_starts_month_day):
        found.append(
            error(
                "period_end",
                "/period/end",
                msg("plan.period_end", end=_iso(end)),
            )
        )
    years = school_year(end, rule.period_starts_month_day) - school_year(
        start, rule.period_starts_month_day
    )
    if years + 1 > rule.max_years:
        found.append(
            error(
                "period_too_long",
                "/period/end",
                msg("plan.period_too_long", years=years + 1, max=rule.max_years),
            )
        )
    until = phase.effective_until
    if until is not None and end > until:
        found.append(
            _finder(phase.legal_basis, "warning")(
                "crosses_phase_boundary",
                "/period/end",
                msg("plan.crosses_phase_boundary", phase=phase.id, until=_iso(until)),
            )
        )
    return found


def check_sections(plan: SupportPlan, rule: SupportPlanRule) -> list[Finding]:
    return [
        Finding(
            severity="error",
            code="section_missing",
            path=f"/sections/{section.id}",
            message=msg("plan.section_missing", section=section.id, title=section.title),
            legal_basis=section.legal_basis,
        )
        for section in rule.sections
        if section.id not in plan.sections or not plan.sections[section.id].text.strip()
    ]


def _key(name: str) -> str:
    return " ".join(name.casefold().split())


def check_consultations(
    plan: SupportPlan, region: RegionIn, rule: SupportPlanRule
) -> list[Finding]:
    error = _finder(rule.consultation_legal_basis)
    consulted = plan.consultations
    found: list[Finding] = []
    held = {_key(o.municipality) for o in consulted.oogo}
    municipalities = {_key(m): m for m in region.municipalities}
    for key, name in municipalities.items():
        if key not in held:
            found.append(
                error(
                    "oogo_missing",
                    "/consultations/oogo",
                    msg("plan.oogo_missing", municipality=name),
                )
            )
    if not municipalities and not consulted.oogo:
        found.append(
            error(
                "oogo_missing",
                "/consultations/oogo",
                msg("plan.oogo_missing_all"),
            )
        )
    if municipalities:
        found += [
            _finder(rule.consultation_legal_basis, "warning")(
                "oogo_unknown_municipality",
                f"/consultations/oogo/{i}/municipality",
                msg("plan.oogo_unknown_municipality", municipality=o.municipality),
            )
            for i, o in enumerate(consulted.oogo)
            if _key(o.municipality) not in municipalities
        ]
    if not consulted.po_partnerships:
        found.append(
            error(
                "po_overleg_missing",
                "/consultations/po_partnerships",
                msg("plan.po_overleg_missing"),
            )
        )
    if rule.mbo_invited_for_sections and not consulted.mbo_invited:
        found.append(
            error(
                "mbo_not_invited",
                "/consultations/mbo_invited",
                msg("plan.mbo_not_invited", sections=list(rule.mbo_invited_for_sections)),
            )
        )
    return found + _consultation_dates(plan, rule)


def _consultation_dates(plan: SupportPlan, rule: SupportPlanRule) -> list[Finding]:
    adopted = plan.adopted_on
    if adopted is None:
        return []
    error = _finder(rule.consultation_legal_basis)
    consulted = plan.consultations
    dated: list[tuple[str, str, dt.date]] = [
        ("oogo_after_adoption", f"/consultations/oogo/{i}/held_on", o.held_on)
        for i, o in enumerate(consulted.oogo)
    ]
    dated += [
        (
            "po_overleg_after_adoption",
            f"/consultations/po_partnerships/{i}/held_on",
            p.held_on,
        )
        for i, p in enumerate(consulted.po_partnerships)
    ]
    dated += [
        (
            "mbo_invited_after_adoption",
            f"/consultations/mbo_invited/{i}/invited_on",
            m.invited_on,
        )
        for i, m in enumerate(consulted.mbo_invited)
    ]
    return [
        error(
            code,
            path,
            msg(f"plan.{code}", on=_iso(on), adopted=_iso(adopted)),
        )
        for code, path, on in dated
        if on > adopted
    ]


def check_adoption(plan: SupportPlan, rule: SupportPlanRule) -> list[Finding]:
    found: list[Finding] = []
    if plan.adopted_on is None:
        found.append(
            _finder(rule.period_legal_basis)(
                "not_adopted",
                "/adopted_on",
                msg("plan.not_adopted"),
            )
        )
    error = _finder(rule.inspectorate_legal_basis)
    sent = plan.sent_to_inspectorate_on
    first_year = school_year(plan.period.start, rule.period_starts_month_day)
    deadline = _month_day(first_year, rule.inspectorate_before_month_day)
    if sent is None:
        found.append(
            error(
                "not_sent_to_inspectorate",
                "/sent_to_inspectorate_on",
                msg("plan.not_sent_to_inspectorate", deadline=_iso(deadline)),
            )
        )
        return found
    if sent >= deadline:
        found.append(
            error(
                "inspectorate_late",
                "/sent_to_inspectorate_on",
                msg("plan.inspectorate_late", deadline=_iso(deadline), sent=_iso(sent)),
            )
        )
    if plan.adopted_on is not None and sent < plan.adopted_on:
        found.append(
            error(
                "sent_before_adoption",
                "/sent_to_inspectorate_on",
                msg("plan.sent_before_adoption", sent=_iso(sent), adopted=_iso(plan.adopted_on)),
            )
        )
    return found


def required_items(phase: Phase, scope: tuple[str, ...]) -> Iterator[LwooProItem]:
    """The lwoo/pro items the plan must record, given the region's opt-out scope."""
    for item in phase.support_plan.lwoo_pro_items:
        if item.required == "always" or any(s in scope for s in item.opt_out_scope):
            yield item


def region_sets(phase: Phase, scope: tuple[str, ...]) -> list[Arrangement]:
    """The arrangements whose criteria or duration the region sets itself."""
    return [
        a
        for a in ARRANGEMENTS
        if region_may_set_criteria(a, phase, scope) or region_may_set_duration(a, phase, scope)
    ]


def _criteria_item(
    plan: SupportPlan,
    phase: Phase,
    scope: tuple[str, ...],
    item: LwooProItem,
    stored_hash: str | None,
    recorded_hashes: Sequence[str],
) -> list[Finding]:
    error = _finder(item.legal_basis)
    recorded = plan.lwoo_pro.criteria
    label = msg("plan.item", item=item.id, title=item.title)
    found = [
        error(
            "criteria_not_recorded",
            "/lwoo_pro/criteria",
            msg("plan.criteria_not_recorded", item=label, arrangement=arrangement, phase=phase.id),
        )
        for arrangement in region_sets(phase, scope)
        if not any(getattr(d.arrangements, arrangement) is not None for d in recorded)
    ]
    found += _distribution_findings(plan, label, error)
    if plan.lwoo_pro.procedure is None or not plan.lwoo_pro.procedure.strip():
        found.append(
            error(
                "procedure_missing",
                "/lwoo_pro/procedure",
                msg("plan.procedure_missing", item=label),
            )
        )
    if not recorded:
        return found
    at = "/lwoo_pro/criteria/0" if len(recorded) == 1 else "/lwoo_pro/criteria"
    if stored_hash is None:
        found.append(
            error(
                "criteria_not_stored",
                at,
                msg("plan.criteria_not_stored"),
            )
        )
    elif stored_hash not in recorded_hashes:
        found.append(
            error(
                "criteria_differ_from_stored",
                at,
                msg("plan.criteria_differ_from_stored", hash=stored_hash[:12]),
            )
        )
    return found


def _distribution_findings(plan: SupportPlan, label: str, error: _Make) -> list[Finding]:
    """A plan whose lwoo criteria allocate lwoo to schools says how the budget is distributed."""
    allocates = any(
        d.arrangements.lwoo is not None and d.arrangements.lwoo.allocation == "schools"
        for d in plan.lwoo_pro.criteria
    )
    text = plan.lwoo_pro.lwoo_distribution
    if not allocates or (text is not None and text.strip()):
        return []
    return [
        error(
            "lwoo_distribution_missing",
            "/lwoo_pro/lwoo_distribution",
            msg("plan.lwoo_distribution_missing", item=label),
        )
    ]


def _nomination_item(plan: SupportPlan, item: LwooProItem) -> list[Finding]:
    error = _finder(item.legal_basis)
    label = msg("plan.item", item=item.id, title=item.title)
    found: list[Finding] = []
    text = plan.lwoo_pro.nomination_criteria
    if text is None or not text.strip():
        found.append(
            error(
                "nomination_criteria_missing",
                "/lwoo_pro/nomination_criteria",
                msg("plan.nomination_criteria_missing", item=label),
            )
        )
    if not plan.lwoo_pro.nominated_schools:
        found.append(
            error(
                "nominated_schools_missing",
                "/lwoo_pro/nominated_schools",
                msg("plan.nominated_schools_missing", item=label),
            )
        )
    return found


def check_nominations(
    plan: SupportPlan, region: RegionIn, phase: Phase, scope: tuple[str, ...]
) -> list[Finding]:
    schools = plan.lwoo_pro.nominated_schools
    error = _finder(phase.licences.legal_basis + phase.opt_out.legal_basis)
    if not schools:
        return []
    if "licences" not in scope or not phase.licences.nomination_with_opt_out:
        return [
            error(
                "nomination_without_licences",
                "/lwoo_pro/nominated_schools",
                msg("plan.nomination_without_licences", phase=phase.id, scope=", ".join(scope)),
            )
        ]
    return unknown_schools(schools, region, "/lwoo_pro/nominated_schools", error)


def check_plan(
    plan: SupportPlan,
    region: RegionIn,
    phase: Phase,
    opt_out_scope: tuple[str, ...],
    stored_criteria_in_force_hash: str | None,
    criteria_findings: Sequence[Finding],
    recorded_hashes: Sequence[str],
) -> list[Finding]:
    """Every finding on the plan in `phase` for a region with this opt-out scope.

    `stored_criteria_in_force_hash`: the content hash of the region's stored criteria version in
    force (None when there is none); `recorded_hashes`: the content hashes of the definitions
    the plan records, in order; `criteria_findings`: the criteria validation's findings on
    those definitions, with pointers into the plan.
    """
    rule = phase.support_plan
    found = check_period(plan, phase)
    found += check_sections(plan, rule)
    found += check_adoption(plan, rule)
    found += check_consultations(plan, region, rule)
    for item in required_items(phase, opt_out_scope):
        if item.records == "criteria":
            found += _criteria_item(
                plan, phase, opt_out_scope, item, stored_criteria_in_force_hash, recorded_hashes
            )
        else:
            found += _nomination_item(plan, item)
    found += check_nominations(plan, region, phase, opt_out_scope)
    return found + list(criteria_findings)


# Publication: which published plan is in force


def _order(publication: PlanPublication) -> tuple[int, str, str]:
    return publication.sequence, publication.published_at, publication.plan_id


def plan_in_force(
    publications: Sequence[PlanPublication], framework: str, date: dt.date
) -> PlanPublication | None:
    """The published plan in force on `date`: the latest published whose period holds it."""
    covering = [
        p
        for p in publications
        if p.framework == framework and p.period.start <= date <= p.period.end
    ]
    return max(covering, key=_order, default=None)


def superseded_by(
    publication: PlanPublication, publications: Sequence[PlanPublication]
) -> PlanPublication | None:
    """The first later publication in the same framework whose period overlaps this one's."""
    later = [
        p
        for p in publications
        if p.framework == publication.framework
        and _order(p) > _order(publication)
        and p.period.start <= publication.period.end
        and publication.period.start <= p.period.end
    ]
    return min(later, key=_order, default=None)
