"""Criteria in words, as Markdown for publication (pure: no storage, no clock).

Every fixed text is a message token (`chalicelib/messages`), left in the page: the boundary
renders the page in the reader's language (`render_text`). The region's own texts (its name,
the procedure) and the citations stay plain, so `publication_markdown` escapes them.

A criteria definition reads as the law does: "IQ 75 t/m 90 en een leerachterstand van 25% tot 50%
op ten minste twee domeinen, waarvan een begrijpend lezen of inzichtelijk rekenen". Used for the
national criteria (`GET /v1/framework/national-criteria.md`) and for a support plan's lwoo/pro
section (`GET /v1/regions/{region_id}/support-plans/{plan_id}/lwoo-pro.md`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from chalicelib.domain.conditions import SEP_INDICATORS
from chalicelib.messages import msg
from chalicelib.models.common import ARRANGEMENTS, DOMAINS, Arrangement, Citation
from chalicelib.models.criteria import (
    ArrangementCriteria,
    Condition,
    CriteriaDefinition,
    Duration,
    IqCondition,
    LearningDelayCondition,
    Route,
    SchoolYears,
    SepCondition,
)
from chalicelib.models.region import RegionIn
from chalicelib.models.support_plan import SupportPlan
from chalicelib.render.safe_text import publication_markdown

# Fixed texts of the pages, by catalog code (`chalicelib/messages`).
ARRANGEMENT_TITLES: dict[Arrangement, str] = {"lwoo": "md.title_lwoo", "pro": "md.title_pro"}
ARRANGEMENT_RULE: dict[Arrangement, str] = {"lwoo": "md.rule_lwoo", "pro": "md.rule_pro"}


def iq_words(cond: IqCondition) -> str | None:
    if cond.min is not None and cond.max is not None:
        return msg("md.iq_between", min=cond.min, max=cond.max)
    if cond.min is not None:
        return msg("md.iq_at_least", min=cond.min)
    if cond.max is not None:
        return msg("md.iq_at_most", max=cond.max)
    return None


def _band(cond: LearningDelayCondition) -> str:
    low, high = cond.min_ratio, cond.max_ratio_exclusive
    if cond.min_months is not None:
        return msg("md.band_months", months=cond.min_months)
    if low is not None and high is not None:
        return msg("md.band", low=str(low), high=str(high))
    if low is not None:
        return msg("md.band_at_least", low=str(low))
    assert high is not None, "the model requires a band or min_months"
    return msg("md.band_below", high=str(high))


def _domains(cond: LearningDelayCondition) -> str:
    named = list(cond.required_one_of)
    restricts = 0 < len(set(cond.required_one_of)) < len(DOMAINS)
    if cond.min_domains == 1:
        return msg("md.on_domains", named=named) if restricts else msg("md.on_one_domain")
    if cond.min_domains == 4:
        return msg("md.on_all_domains")
    where = msg("md.on_domains_count", n=cond.min_domains)
    if not restricts:
        return where
    if len(named) == 1:
        return msg("md.among_which", where=where, named=named)
    return msg("md.one_of_which", where=where, named=named)


def delay_words(cond: LearningDelayCondition) -> str:
    return msg("md.delay", band=_band(cond), domains=_domains(cond))


def sep_words(cond: SepCondition) -> str:
    indicators = list(SEP_INDICATORS)
    if cond.min_indicators and cond.requires_hindrance:
        return msg("md.sep_count_hindering", n=cond.min_indicators, indicators=indicators)
    if cond.min_indicators:
        return msg("md.sep_count", n=cond.min_indicators, indicators=indicators)
    return msg("md.sep_hindering" if cond.requires_hindrance else "md.sep")


def condition_words(cond: Condition) -> str | None:
    if isinstance(cond, IqCondition):
        return iq_words(cond)
    if isinstance(cond, LearningDelayCondition):
        return delay_words(cond)
    return sep_words(cond)


def route_words(route: Route) -> str:
    """The route's conditions in words, e.g. "IQ 55 t/m 80 en een leerachterstand van ..."."""
    parts = [w for w in (condition_words(c) for c in route.conditions) if w]
    return msg("md.conditions", parts=parts) if parts else msg("md.no_conditions")


def duration_words(arrangement: Arrangement, duration: Duration) -> str:
    if isinstance(duration, SchoolYears):
        return msg(f"md.duration_years_{arrangement}", years=duration.years)
    return msg(f"md.duration_career_{arrangement}")


def citations(basis: Iterable[Citation]) -> str:
    return "; ".join(f"[{c.citation}]({c.url})" for c in _unique(basis))


def arrangement_markdown(
    arrangement: Arrangement, criteria: ArrangementCriteria, level: int = 2
) -> list[str]:
    lines = [f"{'#' * level} {msg(ARRANGEMENT_TITLES[arrangement])}", ""]
    if criteria.allocation == "schools":
        lines.append(msg("md.allocated_to_schools"))
        if criteria.legal_basis:
            lines += ["", _basis_line(criteria.legal_basis)]
        return [*lines, ""]
    lines.append(msg(ARRANGEMENT_RULE[arrangement]))
    lines.append("")
    for i, route in enumerate(criteria.routes, 1):
        line = f"{i}. {msg('md.route', words=route_words(route), route=route.id)}"
        basis = route.legal_basis or tuple(b for c in route.conditions for b in c.legal_basis)
        if basis:
            line += f" {_basis_line(basis)}"
        lines.append(line)
    lines += ["", msg("md.duration", text=duration_words(arrangement, criteria.duration))]
    if criteria.legal_basis:
        lines += ["", _basis_line(criteria.legal_basis)]
    return [*lines, ""]


def _basis_line(basis: Iterable[Citation]) -> str:
    # the citations stay outside the token: they are data, escaped with the rest of the page
    return f"{msg('md.basis')} {citations(basis)}."


def mixed_profile_markdown(definition: CriteriaDefinition, level: int = 2) -> list[str]:
    lines = [f"{'#' * level} {msg('md.mixed_title')}", ""]
    either = definition.mixed_profile == "either"
    lines.append(msg("md.mixed_either" if either else "md.mixed_none"))
    if definition.mixed_profile_note:
        lines += ["", f"{msg('md.note')} {definition.mixed_profile_note}"]
    if definition.mixed_profile_legal_basis:
        lines += ["", _basis_line(definition.mixed_profile_legal_basis)]
    return [*lines, ""]


def validity(definition: CriteriaDefinition) -> str:
    start = definition.effective_from.isoformat()
    if definition.effective_until is None:
        return msg("md.valid_from", start=start)
    return msg("md.valid_between", start=start, end=definition.effective_until.isoformat())


def definition_markdown(
    definition: CriteriaDefinition, only: Sequence[Arrangement] = ARRANGEMENTS, level: int = 2
) -> list[str]:
    """The arrangements of a definition (those in `only`), then its mixed-profile rule when
    lwoo is among them (the rule decides who may get lwoo instead of pro)."""
    lines: list[str] = []
    shown = [a for a in only if getattr(definition.arrangements, a) is not None]
    for arrangement in shown:
        criteria = getattr(definition.arrangements, arrangement)
        lines += arrangement_markdown(arrangement, criteria, level)
    if "lwoo" in shown:
        lines += mixed_profile_markdown(definition, level)
    return lines


def national_markdown(
    title: str, version_id: str, definition: CriteriaDefinition, context: str
) -> str:
    """`GET /v1/framework/national-criteria.md`: the national criteria as the law reads."""
    lines = [
        f"# {msg('md.national_title')}",
        "",
        f"{title} ({msg('md.version', version=version_id)}), {validity(definition)}. {context}",
        "",
        *definition_markdown(definition),
        f"## {msg('md.delay_title')}",
        "",
        msg("md.delay_note"),
        "",
    ]
    return "\n".join(lines)


def plan_lwoo_pro_markdown(
    plan: SupportPlan,
    region: RegionIn,
    status: str,
    sets: Sequence[Arrangement],
    national: CriteriaDefinition | None,
    basis: Sequence[Citation],
) -> str:
    """A support plan's lwoo/pro section: the region's own criteria for the arrangements it
    sets (`sets`), the national criteria for the others, procedure, nominated schools, basis."""
    start, end = plan.period.start.isoformat(), plan.period.end.isoformat()
    period = msg("md.period", start=start, end=end)
    adopted = (
        msg("md.adopted_on", date=plan.adopted_on.isoformat())
        if plan.adopted_on
        else msg("md.not_adopted")
    )
    lines = [
        f"# {msg('md.plan_title')}: {plan.title or msg('md.plan', period=period)}",
        "",
        f"{msg('md.region')} {region.name} ({plan.region_id}), "
        f"{msg('md.plan_line', period=period, adopted=adopted, status=status)}",
        "",
    ]
    for definition in plan.lwoo_pro.criteria:
        own = [a for a in sets if getattr(definition.arrangements, a) is not None]
        lines += [f"## {msg('md.region_criteria', validity=validity(definition))}", ""]
        lines += definition_markdown(definition, own or ARRANGEMENTS, level=3)
    national_for = [a for a in ARRANGEMENTS if a not in sets]
    if national is not None and national_for:
        names = list(national_for)
        lines += [f"## {msg('md.national_for', names=names)}", ""]
        lines += [msg("md.national_apply", names=names, validity=validity(national)), ""]
        lines += definition_markdown(national, national_for, level=3)
    if plan.lwoo_pro.procedure:
        lines += [f"## {msg('md.procedure')}", "", plan.lwoo_pro.procedure.strip(), ""]
    if plan.lwoo_pro.nomination_criteria or plan.lwoo_pro.nominated_schools:
        lines += [f"## {msg('md.nomination')}", ""]
        if plan.lwoo_pro.nomination_criteria:
            lines += [plan.lwoo_pro.nomination_criteria.strip(), ""]
        school_names = {s.brin: s.name for s in region.schools}
        lines += [
            f"- {brin} {school_names.get(brin, '')}".rstrip()
            for brin in plan.lwoo_pro.nominated_schools
        ]
        lines += [""]
    lines += [f"## {msg('md.legal_basis')}", ""]
    lines += [f"- [{c.citation}]({c.url})" for c in _unique(basis)]
    lines += ["", f"## {msg('md.delay_title')}", "", msg("md.delay_note"), ""]
    return publication_markdown("\n".join(lines))  # the region's texts: no HTML, no javascript:


def _unique(basis: Iterable[Citation]) -> list[Citation]:
    seen: dict[tuple[str, str], Citation] = {}
    for c in basis:
        seen.setdefault((c.citation, c.url), c)
    return list(seen.values())
