"""The decision letter (beschikking): one self-contained, printable HTML page in Dutch.

A decision as the API returns it goes in; the letter a region sends comes out: an aanwijzing
lwoo, a toelaatbaarheidsverklaring pro, an afwijzing, or for an incomplete dossier a request to
complete it (Awb art. 4:5) that lists what is missing and by when. Print CSS sets an A4 page;
there is no script and nothing is loaded from outside (no fonts, images or links), so the
page passes the strictest Content-Security-Policy and reads the same printed or saved.

Pure: no storage and no clock. The date printed is the decision's date; the articles are those
of the decision's phase (the dated data of `chalicelib/legal/data/`). The service stores no
names: the addressee is a placeholder unless one is handed in for this rendering only. The
words live in `letter_nl.json` (see `letter_texts.py`); every value from the decision is
escaped.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from html import escape
from typing import Any

from pydantic import TypeAdapter

from chalicelib.legal.model import Phase
from chalicelib.legal.timeline import framework
from chalicelib.messages import msg, render_tree
from chalicelib.models.decision import Decision
from chalicelib.models.letter import Addressee
from chalicelib.render.letter_reasons import missing_list, route_tables, shown_routes, values_gone
from chalicelib.render.letter_texts import cite, completion_term, nl_date, raw, say

STYLE = """
@page{size:A4;margin:20mm 18mm 20mm 22mm}
*{box-sizing:border-box}
body{font-family:"DejaVu Sans",Arial,Helvetica,sans-serif;font-size:10pt;line-height:1.4;
color:#111;background:#fff;margin:0 auto;max-width:170mm;padding:0}
@media screen{body{padding:12mm 0}}
header{display:flex;justify-content:space-between;gap:10mm;margin-bottom:8mm}
.sender{font-weight:bold;font-size:11pt;max-width:70mm}
.addressee{min-height:28mm;width:80mm;padding:2mm 0}
.placeholder{color:#555;border:1px dashed #888;padding:0 1mm}
.note{font-size:8.5pt;color:#444}
table.meta{border-collapse:collapse;margin:0 0 6mm}
table.meta th{text-align:left;font-weight:normal;color:#444;padding:0 4mm 0 0}
h1{font-size:14pt;margin:0 0 4mm}
h2{font-size:11pt;margin:5mm 0 2mm;break-after:avoid}
p{margin:0 0 2.5mm}
table.route{border-collapse:collapse;width:100%;font-size:8.5pt;margin:0 0 3mm;
break-inside:avoid}
table.route caption{text-align:left;font-weight:bold;padding:1mm 0}
table.route th,table.route td{border:1px solid #bbb;padding:1mm 1.5mm;text-align:left;
vertical-align:top}
table.route th{background:#f0f0f0}
th.condition{width:18%}th.expected{width:34%}th.actual{width:38%}th.met{width:10%}
ul{margin:0 0 3mm;padding-left:6mm}
ul.mixed{font-size:8.5pt}
.basis{font-size:8.5pt;color:#444}
.decision{font-weight:bold}
footer{margin-top:8mm;break-inside:avoid}
"""


@cache
def _adapter() -> TypeAdapter[Decision]:
    return TypeAdapter(Decision)


def parse_decision(document: Any) -> Decision:
    """A decision JSON as the API returns it, validated (pydantic's ValidationError if not)."""
    return _adapter().validate_python(document)


def in_dutch(decision: Decision) -> Decision:
    """The decision with its texts (the explanation's, stored as message tokens) in Dutch: the
    letter is Dutch whatever language the caller reads the API in. A decision JSON the API sent
    in English (`Accept-Language: en`) keeps its English texts: fetch it in Dutch (the default)."""
    return parse_decision(render_tree(_adapter().dump_python(decision, mode="json"), "nl"))


def _phase(decision: Decision) -> Phase:
    """The phase the decision was taken in, by its id (the framework's dated data)."""
    for phase in framework(decision.framework).phases:
        if phase.id == decision.phase.id:
            return phase
    raise ValueError(
        msg("letter.unknown_phase", framework=decision.framework, phase=decision.phase.id)
    )


def _p(html: str, cls: str = "") -> str:
    return f"<p class='{cls}'>{html}</p>" if cls else f"<p>{html}</p>"


def title(decision: Decision) -> str:
    """The letter's subject: which decision it is (plain text, not escaped)."""
    if decision.outcome == "granted":
        return raw(f"title.{decision.arrangement}.granted")
    if decision.outcome == "refused":
        return raw("title.refused").format(arrangement=raw(f"arrangement.{decision.arrangement}"))
    return raw("title.incomplete")


def _header(decision: Decision, addressee: Addressee | None) -> str:
    if addressee is None:
        to = (
            f"<span class='placeholder'>{say('addressee.placeholder')}</span><br>"
            f"<span class='placeholder'>{say('address.placeholder')}</span>"
            f"<p class='note'>{say('addressee.note')}</p>"
        )
    else:
        to = "<br>".join(escape(line) for line in (addressee.name, *addressee.address_lines))
    rows = [
        ("meta.date", nl_date(decision.decided_on)),
        ("meta.volgnummer", decision.volgnummer),
        ("meta.student", decision.student_ref),
        *([("meta.school", decision.school_brin)] if decision.school_brin else []),
        ("meta.subject", title(decision)),
    ]
    meta = "".join(f"<tr><th>{say(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return (
        f"<header><div class='sender'>{say('sender', region_id=decision.region_id)}</div>"
        f"<div class='addressee'>{to}</div></header><table class='meta'>{meta}</table>"
    )


def _decision(decision: Decision) -> str:
    arrangement = raw(f"arrangement.{decision.arrangement}")
    intro = "intro.incomplete" if decision.outcome == "incomplete" else "intro"
    parts = [_p(say(intro, arrangement=arrangement))]
    if decision.outcome == "granted":
        parts.append(_p(say(f"decision.{decision.arrangement}.granted"), "decision"))
        for other in decision.eligible_for:
            if other != decision.arrangement:
                parts.append(_p(say("decision.also", arrangement=raw(f"arrangement.{other}"))))
    elif decision.outcome == "refused":
        parts.append(_p(say("decision.refused", arrangement=arrangement), "decision"))
    else:
        parts.append(_p(say("decision.incomplete"), "decision"))
    return "".join(parts)


def _missing(decision: Decision) -> str:
    weeks, basis = completion_term()
    due = nl_date(decision.decided_on + dt.timedelta(weeks=weeks))
    return (
        f"<h2>{say('missing.heading')}</h2>{missing_list(decision)}"
        + _p(say("missing.term", due=due, weeks=weeks, basis=basis.citation))
        + _p(say("missing.late", basis=basis.citation))
        + _p(say("missing.no_objection"))
    )


def _reasons(decision: Decision, phase: Phase) -> str:
    arrangement = raw(f"arrangement.{decision.arrangement}")
    parts = [f"<h2>{say('reasons.heading')}</h2>"]
    parts.append(_p(say(f"reasons.{decision.outcome}", arrangement=arrangement)))
    parts.append(route_tables(decision))
    health = cite(decision.health_data_legal_basis)
    if values_gone(decision):
        years = phase.health_data.retention_years
        parts.append(_p(say("health.gone", years=years, basis=health), "note"))
    elif decision.health_data_until is not None:
        until = nl_date(decision.health_data_until)
        parts.append(_p(say("health.kept", until=until, basis=health), "note"))
    return "".join(parts)


def _basis(decision: Decision) -> str:
    # A granted decision rests on the routes met and their conditions; the others on the
    # decision's own basis (for an incomplete one: the articles on the evidence).
    routes = shown_routes(decision) if decision.outcome == "granted" else []
    citations = [
        *decision.legal_basis,
        *(c for r in routes for c in r.legal_basis),
        *(c for r in routes for k in r.conditions for c in k.legal_basis),
    ]
    articles = "".join(
        f"<li>{escape(c)}</li>" for c in dict.fromkeys(x.citation for x in citations)
    )
    version = decision.criteria.version_id
    return (
        f"<h2>{say('basis.heading')}</h2>"
        + _p(say(f"basis.criteria.{decision.criteria.source}", version=version))
        + _p(say("basis.articles", date=nl_date(decision.decided_on)))
        + f"<ul>{articles}</ul>"
    )


def _validity(decision: Decision) -> str:
    start = nl_date(decision.valid_from or decision.decided_on)
    if decision.valid_until is None:
        text = say("validity.career", **{"from": start})
    else:
        text = say("validity.until", until=nl_date(decision.valid_until), **{"from": start})
    return f"<h2>{say('validity.heading')}</h2>" + _p(text)


def _objection(decision: Decision, phase: Phase) -> str:
    rule = phase.objection
    return (
        f"<h2>{say('objection.heading')}</h2>"
        + _p(say("objection.term", weeks=rule.term_weeks, basis=cite(rule.legal_basis)))
        + _p(say("objection.contents", volgnummer=decision.volgnummer))
        + _p(say("objection.committee", basis=cite(rule.advisory_committee_legal_basis)))
        + _p(say("objection.appeal", basis=cite(rule.appeal_legal_basis)))
    )


def letter_html(decision: Decision, addressee: Addressee | None = None) -> str:
    """The letter for one decision; `addressee` fills the address block for this page only."""
    decision = in_dutch(decision)
    phase = _phase(decision)
    body = [_header(decision, addressee), f"<h1>{escape(title(decision))}</h1>"]
    body += [_p(say("salutation")), _decision(decision)]
    if decision.outcome == "incomplete":
        body.append(_missing(decision))
    body += [_reasons(decision, phase), _basis(decision)]
    if decision.outcome == "granted":
        body.append(_validity(decision))
    if decision.outcome != "incomplete":
        body.append(_objection(decision, phase))
    body.append(
        f"<footer>{_p(say('closing'))}{_p(say('signature'))}{_p(say('copy'), 'note')}</footer>"
    )
    page_title = say("page.title", title=title(decision), volgnummer=decision.volgnummer)
    return (
        '<!DOCTYPE html>\n<html lang="nl"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{page_title}</title><style>{STYLE}</style></head><body>"
        + "".join(body)
        + "</body></html>\n"
    )
