"""The monitoring report: one self-contained HTML page with inline SVG charts.

Nothing is loaded from outside and there is no JavaScript: the page reads the same in any browser,
printed, or saved to disk. Input is the JSON of the statistics routes
(`chalicelib/services/statistics.py`), so the CLI can render a page from an exported JSON as well.
Every text that comes from data is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from html import escape
from typing import Any

from chalicelib.domain.statistics import share
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

KIND_NAMES = {
    "aoc": "aoc (agricultural training centre)",
    "pro": "pro school",
    "vmbo_lwoo": "vmbo with lwoo licence",
    "vmbo": "vmbo without lwoo licence",
    "other": "other",
}

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


def _page(title: str, subtitle: str, sections: list[str]) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
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


def _cards(figures: Mapping[str, Any]) -> str:
    counts, shares = figures["allocations"], figures["shares"]
    cards = [
        ("lwoo in force", number(counts["lwoo"]), percent(shares["lwoo"])),
        ("pro in force", number(counts["pro"]), percent(shares["pro"])),
        ("students", number(figures["students"]), "enrolment on the count date"),
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


def _trend_chart(trend: Sequence[Mapping[str, Any]]) -> str:
    dates = [t["teldatum"] for t in trend]
    series: list[Series] = [
        (a, COLOURS[a], [t["allocations"][a] for t in trend]) for a in ARRANGEMENTS
    ]
    return column_chart(
        "Allocations in force per count date", dates, series, "No allocations on any count date."
    )


def _kind_table(by_kind: Mapping[str, Mapping[str, Any]]) -> str:
    rows = [
        [
            KIND_NAMES[kind],
            str(row["schools"]),
            str(row["small_schools"]),
            number(row["students"]),
            str(row["lwoo"]),
            str(row["pro"]),
            percent(row["shares"]["lwoo"]),
            percent(row["shares"]["pro"]),
        ]
        for kind, row in by_kind.items()
    ]
    head = ["kind", "schools", "small", "students", "lwoo", "pro", "lwoo share", "pro share"]
    return _table(head, rows, {1, 2, 3, 4, 5, 6, 7})


def _reasons_table(flows: Mapping[str, Any]) -> str:
    rows = []
    for arrangement in ARRANGEMENTS:
        reasons = flows["by_arrangement"][arrangement]["by_reason"]
        for outcome in OUTCOMES:
            for reason, count in reasons[outcome].items():
                rows.append([arrangement, outcome, reason, str(count)])
    if not rows:
        return '<p class="note">No decisions in this school year.</p>'
    return _table(["arrangement", "outcome", "route or missing evidence", "decisions"], rows, {3})


DEFINITIONS = (
    '<h2>How these figures are counted</h2><ul class="note">'
    "<li>An allocation is in force on the count date (teldatum, 1 October) when it was granted "
    "on or before that day, its validity has started and not ended, and no later grant for the "
    "same student and arrangement replaced it.</li>"
    "<li>Shares are allocations divided by the enrolment on the count date, computed exactly "
    "and rounded to 0.01 %.</li>"
    "<li>The decisions of a count date are those of the school year before it: 1 August of the "
    "previous year to 31 July.</li>"
    "<li>A school is small below 60 students (a pro-only school) or 130 (other schools), the "
    "pupil minimum of UB WVO 2020 art. 6.1.</li>"
    "<li>Allocations are counted at the school that applied; those without a school of the "
    "region are listed as unknown school.</li></ul>"
)


def _school_chart(schools: Sequence[Mapping[str, Any]]) -> str:
    with_students = [s for s in schools if s["students"]]
    return bar_chart(
        "Share of enrolment with an allocation, per school",
        [f"{s['brin']} {s['name']}" for s in with_students],
        [
            (a, COLOURS[a], [float(Decimal(s["shares"][a] or 0)) for s in with_students])
            for a in ARRANGEMENTS
        ],
        "No enrolment known on this count date: add it with PUT .../enrolments/{teldatum}.",
        as_percent=True,
    )


def _school_rows(figures: Mapping[str, Any]) -> list[list[str]]:
    """A row per school, and one for allocations at no school of the region."""
    schools = figures["schools"]
    school_rows = [
        [
            s["brin"],
            s["name"],
            KIND_NAMES[s["kind"]],
            number(s["students"]),
            {True: "yes", False: "no", None: NONE}[s["small"]],
            str(s["allocations"]["lwoo"]),
            str(s["allocations"]["pro"]),
            percent(s["shares"]["lwoo"]),
            percent(s["shares"]["pro"]),
        ]
        for s in schools
    ]
    unknown = figures["unknown_school"]
    if unknown["total"]:
        school_rows.append(
            [
                NONE,
                "unknown school",
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


def region_report(statistics: Mapping[str, Any]) -> str:
    """The page of one region on one count date."""
    figures = statistics["figures"]
    flows = figures["decisions"]
    mix = mix_chart(
        f"Outcome of the decisions of school year {flows['school_year']}",
        [(a, flows["by_arrangement"][a]["by_outcome"]) for a in ARRANGEMENTS],
        f"No decisions in school year {flows['school_year']}.",
    )
    sections = [
        _cards(figures),
        "<h2>Trend per arrangement</h2>",
        _trend_chart(statistics["trend"]),
        "<h2>Shares per school</h2>",
        _school_chart(figures["schools"]),
        _table(
            ["BRIN", "school", "kind", "students", "small", "lwoo", "pro", "lwoo %", "pro %"],
            _school_rows(figures),
            {3, 5, 6, 7, 8},
        ),
        "<h2>Schools by kind</h2>",
        _kind_table(figures["by_kind"]),
        f"<h2>Decisions of school year {escape(flows['school_year'])}</h2>",
        mix,
        _reasons_table(flows),
        DEFINITIONS,
    ]
    name = statistics.get("name") or statistics["region_id"]
    return _page(
        f"Monitoring lwoo and pro: {name} ({statistics['region_id']})",
        f"Count date (teldatum) {statistics['teldatum']}; decisions of school year "
        f"{flows['school_year']} ({flows['from']} to {flows['until']}).",
        sections,
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
    rows: Sequence[Mapping[str, Any]], budget: Mapping[str, Any] | None
) -> list[Series]:
    """Each region's share of the national allocations, and of the budget where it is known."""
    share_series: list[Series] = [
        (
            "share of national allocations",
            COLOURS["allocation"],
            [float(Decimal(r["allocation_share"] or 0)) for r in rows],
        )
    ]
    if budget is not None:
        share_series.append(
            (
                f"budget share {budget['year']}",
                COLOURS["budget"],
                [float(Decimal(r["budget_share"] or 0)) for r in rows],
            )
        )
    return share_series


def _region_rows(rows: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    return [
        [
            r["region_id"],
            r["name"] or "",
            number(r["students"]),
            str(r["allocations"]["lwoo"]),
            str(r["allocations"]["pro"]),
            percent(r["shares"]["total"]),
            percent(r["allocation_share"]),
            percent(r["budget_share"]),
            points(r["gap"]),
        ]
        for r in rows
    ]


def national_report(statistics: Mapping[str, Any]) -> str:
    """The national page: totals, trend, and each region's allocation share beside its budget."""
    national = statistics["national"]
    rows = statistics["regions"]
    budget = statistics["budget"]
    labels = [f"{r['region_id']} {r['name'] or ''}".strip() for r in rows]
    basis = (
        "No budget shares given: PUT /v1/budget-shares/{year}."
        if budget is None
        else f"Budget shares of {budget['year']}"
        + (f" ({budget['basis']})" if budget["basis"] else "")
        + "; the gap is the share of allocations minus the budget share."
    )
    sections = [
        _cards(national),
        "<h2>National trend per arrangement</h2>",
        _trend_chart(statistics["trend"]),
        "<h2>Allocations and budget per region</h2>",
        bar_chart(
            "Share of national lwoo and pro allocations, and budget share, per region",
            labels,
            _share_series(rows, budget),
            "No allocations in force on this count date.",
            as_percent=True,
        ),
        f'<p class="note">{escape(basis)}</p>',
        _table(
            [
                "region",
                "name",
                "students",
                "lwoo",
                "pro",
                "of enrolment",
                "of national",
                "budget",
                "gap",
            ],
            _region_rows(rows),
            {2, 3, 4, 5, 6, 7, 8},
        ),
        "<h2>Outcome of the decisions per region</h2>",
        mix_chart(
            "Outcome of the decisions of the school year before the count date, per region",
            [(r["region_id"], r["decisions"]["by_outcome"]) for r in rows],
            "No decisions in this school year.",
        ),
        "<h2>Schools by kind, all regions</h2>",
        _kind_table(_national_kinds(rows)),
        DEFINITIONS,
    ]
    return _page(
        "Monitoring lwoo and pro: all regions",
        f"Count date (teldatum) {statistics['teldatum']}; {len(rows)} regions.",
        sections,
    )
