"""Criteria in words, as Markdown for publication (pure: no storage, no clock).

A criteria definition reads as the law does: "IQ 75 t/m 90 en een leerachterstand van 25% tot 50%
op ten minste twee domeinen, waarvan een begrijpend lezen of inzichtelijk rekenen". Used for the
national criteria (`GET /v1/framework/national-criteria.md`) and for a support plan's lwoo/pro
section (`GET /v1/regions/{region_id}/support-plans/{plan_id}/lwoo-pro.md`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from chalicelib.models.common import ARRANGEMENTS, Arrangement, Citation, Domain
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

DOMAIN_WORDS: dict[Domain, str] = {
    "technisch_lezen": "technisch lezen",
    "spellen": "spellen",
    "begrijpend_lezen": "begrijpend lezen",
    "inzichtelijk_rekenen": "inzichtelijk rekenen",
}
COUNT_WORDS = {1: "één", 2: "twee", 3: "drie", 4: "vier"}
ARRANGEMENT_TITLES: dict[Arrangement, str] = {
    "lwoo": "Leerwegondersteunend onderwijs (lwoo)",
    "pro": "Praktijkonderwijs (pro)",
}
ARRANGEMENT_RULE: dict[Arrangement, str] = {
    "lwoo": "Een leerling is aangewezen op leerwegondersteunend onderwijs als hij voldoet aan",
    "pro": "Een leerling is toelaatbaar tot het praktijkonderwijs als hij voldoet aan",
}
ALLOCATION: dict[Arrangement, str] = {
    "lwoo": "de aanwijzing op lwoo",
    "pro": "de toelaatbaarheidsverklaring voor pro",
}
DELAY_NOTE = (
    "De leerachterstand is per domein 1 - DLE/DL: de didactische leeftijdseenheden (DLE) gedeeld "
    "door de didactische leeftijd (DL) op het moment van toetsing, zonder afronding. Een domein "
    'telt alleen mee als zijn eigen achterstand in de band valt; "25% tot 50%" betekent vanaf 25% '
    'en minder dan 50%, en een IQ-bereik "t/m" telt beide grenzen mee.'
)
MIXED_EITHER = (
    "Een leerling die wat IQ of leerachterstand betreft voldoet aan de vereisten voor "
    "praktijkonderwijs en wat de overige vereisten betreft aan die voor leerwegondersteunend "
    "onderwijs, kan toelaatbaar worden verklaard tot het praktijkonderwijs of aangewezen worden op "
    "leerwegondersteunend onderwijs, afhankelijk van de motivering van het bevoegd gezag."
)
MIXED_NONE = (
    "Een leerling komt alleen in aanmerking voor de voorziening waarvan hij alle vereisten haalt; "
    "er is geen keuze bij een gemengd profiel."
)


def percent(ratio: Decimal) -> str:
    """0.25 -> "25%", 0.333 -> "33,3%" (exact, Dutch decimal comma)."""
    text = f"{ratio * 100:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",") + "%"


def either(words: Sequence[str]) -> str:
    """ "a", "a of b", "a, b of c"."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " of " + words[-1]


def together(parts: Sequence[str]) -> str:
    """Join with "en"; a comma before "en" where the part before it has a comma of its own."""
    text = ""
    for i, part in enumerate(parts):
        if i:
            text += ", en " if "," in parts[i - 1] else " en "
        text += part
    return text


def iq_words(cond: IqCondition) -> str | None:
    if cond.min is not None and cond.max is not None:
        return f"IQ {cond.min} t/m {cond.max}"
    if cond.min is not None:
        return f"IQ ten minste {cond.min}"
    if cond.max is not None:
        return f"IQ ten hoogste {cond.max}"
    return None


def _band(cond: LearningDelayCondition) -> str:
    low, high = cond.min_ratio, cond.max_ratio_exclusive
    if cond.min_months is not None:
        return f"ten minste {cond.min_months} maanden (DL min DLE)"
    if low is not None and high is not None:
        return f"{percent(low)} tot {percent(high)}"
    if low is not None:
        return f"ten minste {percent(low)}"
    assert high is not None, "the model requires a band or min_months"
    return f"minder dan {percent(high)}"


def _domains(cond: LearningDelayCondition) -> str:
    named = [DOMAIN_WORDS[d] for d in cond.required_one_of]
    restricts = 0 < len(set(cond.required_one_of)) < len(DOMAIN_WORDS)
    if cond.min_domains == 1:
        return f"op {either(named)}" if restricts else "op ten minste één domein"
    count = COUNT_WORDS[cond.min_domains]
    where = "op alle vier domeinen" if cond.min_domains == 4 else f"op ten minste {count} domeinen"
    if not restricts or cond.min_domains == 4:
        return where
    if len(named) == 1:
        return f"{where}, waaronder {named[0]}"
    return f"{where}, waarvan een {either(named)}"


def delay_words(cond: LearningDelayCondition) -> str:
    return f"een leerachterstand van {_band(cond)} {_domains(cond)}"


def sep_words(cond: SepCondition) -> str:
    text = "sociaal-emotionele problematiek"
    if cond.min_indicators:
        count = COUNT_WORDS.get(cond.min_indicators, str(cond.min_indicators))
        text += (
            f" (ten minste {count} van: prestatiemotivatie, faalangst, emotionele instabiliteit)"
        )
    if cond.requires_hindrance:
        text += " waardoor het onderwijsleerproces substantieel wordt belemmerd"
    return text


def condition_words(cond: Condition) -> str | None:
    if isinstance(cond, IqCondition):
        return iq_words(cond)
    if isinstance(cond, LearningDelayCondition):
        return delay_words(cond)
    return sep_words(cond)


def route_words(route: Route) -> str:
    """The route's conditions in words, e.g. "IQ 55 t/m 80 en een leerachterstand van ..."."""
    parts = [w for w in (condition_words(c) for c in route.conditions) if w]
    return together(parts) or "geen voorwaarden"


def duration_words(arrangement: Arrangement, duration: Duration) -> str:
    subject = ALLOCATION[arrangement]
    if isinstance(duration, SchoolYears):
        years = "schooljaar" if duration.years == 1 else "schooljaren"
        return (
            f"{subject} geldt {duration.years} {years}; een beslissing in de loop van een "
            "schooljaar geldt tot 1 augustus na het laatste schooljaar dat meetelt."
        )
    return (
        f"{subject} geldt voor de hele schoolloopbaan in het voortgezet onderwijs (geen einddatum)."
    )


def citations(basis: Iterable[Citation]) -> str:
    return "; ".join(f"[{c.citation}]({c.url})" for c in _unique(basis))


def arrangement_markdown(
    arrangement: Arrangement, criteria: ArrangementCriteria, level: int = 2
) -> list[str]:
    lines = [f"{'#' * level} {ARRANGEMENT_TITLES[arrangement]}", ""]
    if criteria.allocation == "schools":
        lines.append(
            "Het samenwerkingsverband neemt geen besluiten per leerling: het budget gaat naar de "
            "scholen, die zelf bepalen welke leerlingen deze ondersteuning krijgen."
        )
        if criteria.legal_basis:
            lines += ["", f"Grondslag: {citations(criteria.legal_basis)}."]
        return [*lines, ""]
    lines.append(f"{ARRANGEMENT_RULE[arrangement]} een van deze routes:")
    lines.append("")
    for i, route in enumerate(criteria.routes, 1):
        line = f"{i}. {route_words(route)} (route `{route.id}`)."
        basis = route.legal_basis or tuple(b for c in route.conditions for b in c.legal_basis)
        if basis:
            line += f" Grondslag: {citations(basis)}."
        lines.append(line)
    lines += ["", f"Duur: {duration_words(arrangement, criteria.duration)}"]
    if criteria.legal_basis:
        lines += ["", f"Grondslag: {citations(criteria.legal_basis)}."]
    return [*lines, ""]


def mixed_profile_markdown(definition: CriteriaDefinition, level: int = 2) -> list[str]:
    lines = [f"{'#' * level} Gemengd profiel", ""]
    lines.append(MIXED_EITHER if definition.mixed_profile == "either" else MIXED_NONE)
    if definition.mixed_profile_note:
        lines += ["", f"Toelichting: {definition.mixed_profile_note}"]
    if definition.mixed_profile_legal_basis:
        lines += ["", f"Grondslag: {citations(definition.mixed_profile_legal_basis)}."]
    return [*lines, ""]


def validity(definition: CriteriaDefinition) -> str:
    start = definition.effective_from.isoformat()
    if definition.effective_until is None:
        return f"geldig vanaf {start}"
    return f"geldig van {start} tot en met {definition.effective_until.isoformat()}"


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
        "# Landelijke criteria lwoo en pro",
        "",
        f"{title} (versie `{version_id}`), {validity(definition)}. {context}",
        "",
        *definition_markdown(definition),
        "## Leerachterstand",
        "",
        DELAY_NOTE,
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
    period = f"{plan.period.start.isoformat()} t/m {plan.period.end.isoformat()}"
    adopted = plan.adopted_on.isoformat() if plan.adopted_on else "nog niet vastgesteld"
    lines = [
        f"# Toewijzing lwoo en pro: {plan.title or 'ondersteuningsplan ' + period}",
        "",
        f"Samenwerkingsverband {region.name} ({plan.region_id}), ondersteuningsplan {period}, "
        f"vastgesteld op {adopted}; {status}.",
        "",
    ]
    for definition in plan.lwoo_pro.criteria:
        own = [a for a in sets if getattr(definition.arrangements, a) is not None]
        lines += [f"## Criteria van het samenwerkingsverband, {validity(definition)}", ""]
        lines += definition_markdown(definition, own or ARRANGEMENTS, level=3)
    national_for = [a for a in ARRANGEMENTS if a not in sets]
    if national is not None and national_for:
        names = " en ".join(national_for)
        lines += [f"## Landelijke criteria ({names})", ""]
        lines += [f"Voor {names} gelden de landelijke criteria, {validity(national)}.", ""]
        lines += definition_markdown(national, national_for, level=3)
    if plan.lwoo_pro.procedure:
        lines += ["## Procedure", "", plan.lwoo_pro.procedure.strip(), ""]
    if plan.lwoo_pro.nomination_criteria or plan.lwoo_pro.nominated_schools:
        lines += ["## Voordracht van scholen voor bekostiging van lwoo", ""]
        if plan.lwoo_pro.nomination_criteria:
            lines += [plan.lwoo_pro.nomination_criteria.strip(), ""]
        school_names = {s.brin: s.name for s in region.schools}
        lines += [
            f"- {brin} {school_names.get(brin, '')}".rstrip()
            for brin in plan.lwoo_pro.nominated_schools
        ]
        lines += [""]
    lines += ["## Wettelijke grondslag", ""]
    lines += [f"- [{c.citation}]({c.url})" for c in _unique(basis)]
    lines += ["", "## Leerachterstand", "", DELAY_NOTE, ""]
    return publication_markdown("\n".join(lines))  # the region's texts: no HTML, no javascript:


def _unique(basis: Iterable[Citation]) -> list[Citation]:
    seen: dict[tuple[str, str], Citation] = {}
    for c in basis:
        seen.setdefault((c.citation, c.url), c)
    return list(seen.values())
