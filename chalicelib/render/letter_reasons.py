"""The decision letter's reasons: what is missing from a dossier, and per route which
conditions were met, with the measured values while they are kept.

Pure: a decision in, HTML fragments out. The letter shows the routes that matter for the
decision: for a granted one the routes that were met; otherwise every route that could have
granted the arrangement applied for (mixed-profile routes included).
"""

from __future__ import annotations

from fractions import Fraction
from html import escape
from typing import Any

from chalicelib.models.common import Finding
from chalicelib.models.decision import ConditionExplanation, Decision, RouteExplanation
from chalicelib.render.letter_texts import cite, has, raw, say

DOMAINS = ("technisch_lezen", "spellen", "begrijpend_lezen", "inzichtelijk_rekenen")


def values_gone(decision: Decision) -> bool:
    """The measured values were removed (health data past its term): a condition without a
    value that does not say why (`detail`, e.g. "geen IQ") had one once."""
    return any(
        c.actual is None and c.detail is None for r in decision.explanation for c in r.conditions
    )


def _measured_domains(decision: Decision) -> set[str] | None:
    for route in decision.explanation:
        for condition in route.conditions:
            if condition.kind == "learning_delay" and isinstance(condition.actual, dict):
                return set(condition.actual.get("delays", {}))
    return None


def _part(path: str) -> str:
    """Which test a finding's path is about (`/student/iq/test_date`: iq), as an `item.` code."""
    parts = path.split("/")
    return parts[2] if len(parts) > 2 and has(f"item.{parts[2]}") else "other"


def _finding_text(finding: Finding, decision: Decision) -> str:
    code = f"finding.{finding.code}"
    measured = _measured_domains(decision)
    if finding.code == "learning_delay_missing" and measured is not None:
        missing = [say(f"domain.{d}") for d in DOMAINS if d not in measured]
        if missing:
            return say(f"{code}.domains", domains=", ".join(missing))
    if not has(code):
        return say("finding.other", path=finding.path)
    return say(code, item=raw(f"item.{_part(finding.path)}"))


def missing_list(decision: Decision) -> str:
    """What the dossier lacks, one item per error finding, each with its article."""
    items = [
        f"<li>{_finding_text(f, decision)} <span class='basis'>({escape(cite(f.legal_basis))})"
        "</span></li>"
        if f.legal_basis
        else f"<li>{_finding_text(f, decision)}</li>"
        for f in decision.findings
        if f.severity == "error"
    ]
    return f"<ul class='missing'>{''.join(items)}</ul>"


def _percent(behind: int, dl: int) -> str:
    """A delay as a percentage with one decimal, rounded down: 49,99 % shows as 49,9 %, never
    as the 50 % it does not reach."""
    tenths = Fraction(behind * 1000, dl) // 1
    return f"{tenths // 10},{tenths % 10}%"


def _delays(actual: dict[str, Any]) -> str:
    counted = set(actual.get("counted", ()))
    lines = []
    for domain in DOMAINS:
        text = actual.get("delays", {}).get(domain)
        if not isinstance(text, str) or "/" not in text:
            continue
        behind, dl = (int(x) for x in text.split("/"))
        lines.append(
            say(
                "delay.line",
                domain=raw(f"domain.{domain}"),
                behind=behind,
                dl=dl,
                percent=_percent(behind, dl),
                counted=raw("delay.counted") if domain in counted else "",
            )
        )
    return "<br>".join(lines)


def _actual(condition: ConditionExplanation, gone: bool) -> str:
    actual = condition.actual
    if actual is None:
        if condition.detail:
            return escape(condition.detail)
        return say("actual.gone") if gone else say("actual.missing")
    if condition.kind == "iq" and isinstance(actual, int):
        return say("actual.iq", value=actual)
    if condition.kind == "learning_delay" and isinstance(actual, dict):
        return _delays(actual)
    if condition.kind == "sep" and isinstance(actual, dict):
        indicators = ", ".join(str(i).replace("_", " ") for i in actual.get("indicators", ()))
        hinders = say("actual.sep.yes") if actual.get("hinders_learning") else say("actual.sep.no")
        return f"{escape(indicators)}; {hinders}" if indicators else hinders
    return escape(str(actual))


def _condition_name(kind: str) -> str:
    return say(f"condition.{kind}") if has(f"condition.{kind}") else escape(kind)


def _route_table(route: RouteExplanation, gone: bool) -> str:
    caption = say("route.caption", route=route.route, arrangement=raw(f"short.{route.grants[0]}"))
    rows = "".join(
        f"<tr><td>{_condition_name(c.kind)}</td><td>{escape(c.expected)}</td>"
        f"<td>{_actual(c, gone)}</td><td>{say('met.yes' if c.met else 'met.no')}</td></tr>"
        for c in route.conditions
    )
    head = "".join(
        f"<th class='{c}'>{say(f'column.{c}')}</th>"
        for c in ("condition", "expected", "actual", "met")
    )
    verdict = say("route.met" if route.met else "route.not_met")
    return (
        f"<table class='route'><caption>{caption} &ndash; {verdict}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
    )


def _mixed_line(route: RouteExplanation) -> str:
    """A mixed-profile route that was not met, in one line: the conditions it missed."""
    missed = "; ".join(
        say("route.missed", condition=raw(f"condition.{c.kind}"), expected=c.expected)
        for c in route.conditions
        if not c.met
    )
    names = raw("short.or").join(raw(f"short.{a}") for a in route.grants)
    return f"<li>{say('route.mixed', route=route.route, arrangement=names)} {missed}</li>"


def shown_routes(decision: Decision) -> list[RouteExplanation]:
    if decision.outcome == "granted":
        return [r for r in decision.explanation if r.met]
    return [r for r in decision.explanation if decision.arrangement in r.grants]


def route_tables(decision: Decision) -> str:
    """A table per route; a mixed-profile route that was not met gets one line, to keep the
    letter short (the national criteria have four of them)."""
    gone = values_gone(decision)
    routes = shown_routes(decision)
    tables = "".join(_route_table(r, gone) for r in routes if r.met or not r.mixed)
    mixed = "".join(_mixed_line(r) for r in routes if r.mixed and not r.met)
    if mixed:
        tables += f"<p>{say('route.mixed_intro')}</p><ul class='mixed'>{mixed}</ul>"
    delays = any(c.kind == "learning_delay" for r in shown_routes(decision) for c in r.conditions)
    note = f"<p class='note'>{say('delay.explained')}</p>" if delays and not gone else ""
    return tables + note
