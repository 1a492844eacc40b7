"""The monitoring report: one self-contained HTML page with inline SVG charts.

Nothing is loaded from outside and there is no JavaScript: the page reads the same in any browser,
printed, or saved to disk. Input is the JSON of the statistics routes
(`chalicelib/services/statistics.py`), so the CLI can render a page from an exported JSON as well.
Every text that comes from data is escaped. The page is in one language (`lang`, `nl` or `en`):
its texts come from the catalogs (`chalicelib/messages`, codes `report.*`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from html import escape
from typing import Any

from chalicelib.domain.statistics import share
from chalicelib.messages import say
from chalicelib.models.common import ARRANGEMENTS, OUTCOMES
from chalicelib.render.charts import (
    COLOURS,
    NONE,
    Series,
    bar_chart,
    column_chart,
    mix_chart,
    number,
    percent,
    points,
)

STYLE = """
body{font-family:"DejaVu Sans",Arial,Helvetica,sans-serif;color:#222;margin:24px auto;
max-width:820px;line-height:1.4;background:#fff}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ccc}
p.sub{color:#555;margin:0 0 16px}
.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{border:1px solid #ccc;border-radius:6px;padding:8px 14px;min-width:140px}
.card b{display:block;font-size:22px}
table{border-collapse:collapse;width:100%;font-size:13px;margin:8px 0}
th,td{border-bottom:1px solid #ddd;padding:3px 6px;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
svg.chart{display:block;margin:8px 0;background:#fff}
svg.chart text{font-family:"DejaVu Sans",Arial,sans-serif;font-size:12px;fill:#222}
.note{font-size:12px;color:#555}
"""


def _page(title: str, subtitle: str, sections: list[str], lang: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>"
        f'<h1>{escape(title)}</h1><p class="sub">{escape(subtitle)}</p>'
        + "".join(sections)
        + "</body></html>\n"
    )


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], numeric: set[int]) -> str:
    def cell(tag: str, i: int, text: str) -> str:
        cls = ' class="n"' if i in numeric else ""
        return f"<{tag}{cls}>{escape(text)}</{tag}>"

    header = "".join(cell("th", i, h) for i, h in enumerate(head))
    body = "".join(
        "<tr>" + "".join(cell("td", i, c) for i, c in enumerate(r)) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"


def _cards(figures: Mapping[str, Any], lang: str) -> str:
    counts, shares = figures["allocations"], figures["shares"]
    cards = [
        (say(lang, "report.lwoo_in_force"), number(counts["lwoo"]), percent(shares["lwoo"], lang)),
        (say(lang, "report.pro_in_force"), number(counts["pro"]), percent(shares["pro"], lang)),
        (
            say(lang, "report.students"),
            number(figures["students"]),
            say(lang, "report.enrolment_note"),
        ),
    ]
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card">{escape(a)}<b>{escape(b)}</b>'
            f'<span class="note">{escape(c)}</span></div>'
            for a, b, c in cards
        )
        + "</div>"
    )


def _trend_chart(trend: Sequence[Mapping[str, Any]], lang: str) -> str:
    dates = [t["teldatum"] for t in trend]
    series: list[Series] = [
        (a, COLOURS[a], [t["allocations"][a] for t in trend]) for a in ARRANGEMENTS
    ]
    title, empty = say(lang, "report.trend_title"), say(lang, "report.trend_empty")
    return column_chart(title, dates, series, empty)


def _kind_table(by_kind: Mapping[str, Mapping[str, Any]], lang: str) -> str:
    rows = [
        [
            say(lang, f"report.kind_{kind}"),
            str(row["schools"]),
            str(row["small_schools"]),
            number(row["students"]),
            str(row["lwoo"]),
            str(row["pro"]),
            percent(row["shares"]["lwoo"], lang),
            percent(row["shares"]["pro"], lang),
        ]
        for kind, row in by_kind.items()
    ]
    head = say(lang, "report.kind_head").split("|")
    return _table(head, rows, {1, 2, 3, 4, 5, 6, 7})


def _reasons_table(flows: Mapping[str, Any], lang: str) -> str:
    rows = []
    for arrangement in ARRANGEMENTS:
        reasons = flows["by_arrangement"][arrangement]["by_reason"]
        for outcome in OUTCOMES:
            for reason, count in reasons[outcome].items():
                rows.append([arrangement, say(lang, f"outcome.{outcome}"), reason, str(count)])
    if not rows:
        return f'<p class="note">{escape(say(lang, "report.no_decisions"))}</p>'
    return _table(say(lang, "report.reasons_head").split("|"), rows, {3})


def _definitions(lang: str) -> str:
    """How the figures are counted: a heading and five points (`report.definition_1`...)."""
    points = "".join(f"<li>{escape(say(lang, f'report.definition_{i}'))}</li>" for i in range(1, 6))
    title = escape(say(lang, "report.definitions_title"))
    return f'<h2>{title}</h2><ul class="note">{points}</ul>'


def _school_chart(schools: Sequence[Mapping[str, Any]], lang: str) -> str:
    with_students = [s for s in schools if s["students"]]
    return bar_chart(
        say(lang, "report.school_chart"),
        [f"{s['brin']} {s['name']}" for s in with_students],
        [
            (a, COLOURS[a], [float(Decimal(s["shares"][a] or 0)) for s in with_students])
            for a in ARRANGEMENTS
        ],
        say(lang, "report.school_chart_empty"),
        as_percent=True,
        lang=lang,
    )


def _school_rows(figures: Mapping[str, Any], lang: str) -> list[list[str]]:
    """A row per school, and one for allocations at no school of the region."""
    schools = figures["schools"]
    school_rows = [
        [
            s["brin"],
            s["name"],
            say(lang, f"report.kind_{s['kind']}"),
            number(s["students"]),
            NONE if s["small"] is None else say(lang, f"value.{str(s['small']).lower()}"),
            str(s["allocations"]["lwoo"]),
            str(s["allocations"]["pro"]),
            percent(s["shares"]["lwoo"], lang),
            percent(s["shares"]["pro"], lang),
        ]
        for s in schools
    ]
    unknown = figures["unknown_school"]
    if unknown["total"]:
        school_rows.append(
            [
                NONE,
                say(lang, "report.unknown_school"),
                NONE,
                NONE,
                NONE,
                str(unknown["lwoo"]),
                str(unknown["pro"]),
                NONE,
                NONE,
            ]
        )
    return school_rows


def _h2(lang: str, code: str, **params: Any) -> str:
    return f"<h2>{escape(say(lang, code, **params))}</h2>"


def region_report(statistics: Mapping[str, Any], lang: str = "nl") -> str:
    """The page of one region on one count date."""
    figures = statistics["figures"]
    flows = figures["decisions"]
    year = flows["school_year"]
    mix = mix_chart(
        say(lang, "report.mix_title", year=year),
        [(a, flows["by_arrangement"][a]["by_outcome"]) for a in ARRANGEMENTS],
        say(lang, "report.mix_empty", year=year),
        lang,
    )
    sections = [
        _cards(figures, lang),
        _h2(lang, "report.trend"),
        _trend_chart(statistics["trend"], lang),
        _h2(lang, "report.per_school"),
        _school_chart(figures["schools"], lang),
        _table(
            say(lang, "report.school_head").split("|"), _school_rows(figures, lang), {3, 5, 6, 7, 8}
        ),
        _h2(lang, "report.by_kind"),
        _kind_table(figures["by_kind"], lang),
        _h2(lang, "report.decisions_of", year=year),
        mix,
        _reasons_table(flows, lang),
        _definitions(lang),
    ]
    name = statistics.get("name") or statistics["region_id"]
    return _page(
        say(lang, "report.region_title", name=name, region=statistics["region_id"]),
        say(
            lang,
            "report.region_subtitle",
            teldatum=statistics["teldatum"],
            year=year,
            start=flows["from"],
            end=flows["until"],
        ),
        sections,
        lang,
    )


def _national_kinds(rows: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    total: dict[str, dict[str, Any]] = {}
    for row in rows:
        for kind, figures in row["by_kind"].items():
            into = total.setdefault(
                kind, dict.fromkeys(("schools", "small_schools", "students", "lwoo", "pro"), 0)
            )
            for key in into:
                into[key] += figures[key]
    for into in total.values():
        students = into["students"]
        into["shares"] = {a: share(into[a], students) for a in ARRANGEMENTS}
    return total


def _share_series(
    rows: Sequence[Mapping[str, Any]], budget: Mapping[str, Any] | None, lang: str
) -> list[Series]:
    """Each region's share of the national allocations, and of the budget where it is known."""
    share_series: list[Series] = [
        (
            say(lang, "report.series_allocations"),
            COLOURS["allocation"],
            [float(Decimal(r["allocation_share"] or 0)) for r in rows],
        )
    ]
    if budget is not None:
        share_series.append(
            (
                say(lang, "report.series_budget", year=budget["year"]),
                COLOURS["budget"],
                [float(Decimal(r["budget_share"] or 0)) for r in rows],
            )
        )
    return share_series


def _region_rows(rows: Sequence[Mapping[str, Any]], lang: str) -> list[list[str]]:
    return [
        [
            r["region_id"],
            r["name"] or "",
            number(r["students"]),
            str(r["allocations"]["lwoo"]),
            str(r["allocations"]["pro"]),
            percent(r["shares"]["total"], lang),
            percent(r["allocation_share"], lang),
            percent(r["budget_share"], lang),
            points(r["gap"], lang),
        ]
        for r in rows
    ]


def _budget_note(budget: Mapping[str, Any] | None, lang: str) -> str:
    if budget is None:
        return say(lang, "report.no_budget")
    if budget["basis"]:
        return say(lang, "report.budget_basis", year=budget["year"], basis=budget["basis"])
    return say(lang, "report.budget", year=budget["year"])


def national_report(statistics: Mapping[str, Any], lang: str = "nl") -> str:
    """The national page: totals, trend, and each region's allocation share beside its budget."""
    national = statistics["national"]
    rows = statistics["regions"]
    budget = statistics["budget"]
    labels = [f"{r['region_id']} {r['name'] or ''}".strip() for r in rows]
    sections = [
        _cards(national, lang),
        _h2(lang, "report.national_trend"),
        _trend_chart(statistics["trend"], lang),
        _h2(lang, "report.per_region"),
        bar_chart(
            say(lang, "report.region_chart"),
            labels,
            _share_series(rows, budget, lang),
            say(lang, "report.region_chart_empty"),
            as_percent=True,
            lang=lang,
        ),
        f'<p class="note">{escape(_budget_note(budget, lang))}</p>',
        _table(
            say(lang, "report.region_head").split("|"),
            _region_rows(rows, lang),
            {2, 3, 4, 5, 6, 7, 8},
        ),
        _h2(lang, "report.mix_regions"),
        mix_chart(
            say(lang, "report.mix_regions_title"),
            [(r["region_id"], r["decisions"]["by_outcome"]) for r in rows],
            say(lang, "report.no_decisions"),
            lang,
        ),
        _h2(lang, "report.by_kind_all"),
        _kind_table(_national_kinds(rows), lang),
        _definitions(lang),
    ]
    return _page(
        say(lang, "report.national_title"),
        say(lang, "report.national_subtitle", teldatum=statistics["teldatum"], regions=len(rows)),
        sections,
        lang,
    )
