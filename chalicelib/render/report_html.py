"""The monitoring report: one self-contained HTML page with inline SVG charts.

Nothing is loaded from outside and there is no JavaScript: the page reads the same in any browser,
printed, or saved to disk. Input is the JSON of the statistics routes
(`chalicelib/services/statistics.py`), so the CLI can render a page from an exported JSON as well.
Every text that comes from data is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from html import escape
from typing import Any

from chalicelib.domain.statistics import share
from chalicelib.models.common import ARRANGEMENTS, OUTCOMES

COLOURS = {
    "lwoo": "#1f78b4",
    "pro": "#e66101",
    "granted": "#1b9e77",
    "refused": "#d95f02",
    "incomplete": "#7570b3",
    "allocation": "#1f78b4",
    "budget": "#a6a6a6",
}
KIND_NAMES = {
    "aoc": "aoc (agricultural training centre)",
    "pro": "pro school",
    "vmbo_lwoo": "vmbo with lwoo licence",
    "vmbo": "vmbo without lwoo licence",
    "other": "other",
}
WIDTH = 760
NONE = "\u2013"  # an en dash: no figure
Series = tuple[str, str, Sequence[float]]

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


def percent(share: str | Decimal | None) -> str:
    if share is None:
        return NONE
    return f"{(Decimal(share) * 100).quantize(Decimal('0.01'))} %"


def number(value: int | None) -> str:
    return NONE if value is None else f"{value:,}".replace(",", "\u202f")


def _tick(value: float) -> float:
    """A round step (1, 2 or 5 times a power of ten, at least 1) for about four gridlines."""
    rough = max(value / 4, 1.0)
    magnitude = 10.0 ** math.floor(math.log10(rough))
    return next(m * magnitude for m in (1, 2, 5, 10) if rough <= m * magnitude)


def points(gap: str | None) -> str:
    """A difference of two shares, in percentage points with its sign."""
    if gap is None:
        return NONE
    return f"{(Decimal(gap) * 100).quantize(Decimal('0.01')):+} pp"


def _svg(height: float, title: str, body: list[str]) -> str:
    return (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" '
        f'height="{height:.0f}" viewBox="0 0 {WIDTH} {height:.0f}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>' + "".join(body) + "</svg>"
    )


def _legend(series: Sequence[tuple[str, str]], x: float, y: float) -> list[str]:
    parts = []
    for name, colour in series:
        parts.append(
            f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16:.1f}" y="{y:.1f}">{escape(name)}</text>'
        )
        x += 24 + 8 * len(name)
    return parts


def column_chart(
    title: str, categories: Sequence[str], series: Sequence[Series], empty: str
) -> str:
    """Grouped vertical bars: one group per category, one bar per series, values on top."""
    height, left, top, bottom = 280.0, 50.0, 36.0, 44.0
    plot_w, plot_h = WIDTH - left - 20, height - top - bottom
    values = [v for _, _, vs in series for v in vs]
    if not categories or not any(values):
        return _svg(80, title, [f'<text x="10" y="40">{escape(empty)}</text>'])
    step = _tick(max(values))
    ticks = math.ceil(max(values) / step)
    top_value = step * ticks
    body = _legend([(n, c) for n, c, _ in series], left, 18)
    for i in range(ticks + 1):
        value = step * i
        y = top + plot_h - plot_h * i / ticks
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{value:g}</text>'
        )
    group = plot_w / len(categories)
    bar = group * 0.7 / len(series)
    for i, category in enumerate(categories):
        x0 = left + group * i + group * 0.15
        for j, (name, colour, vs) in enumerate(series):
            value = vs[i]
            h = plot_h * value / top_value
            x, y = x0 + bar * j, top + plot_h - h
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{colour}"><title>{escape(name)} {escape(category)}: {value:g}</title>'
                f'</rect><text x="{x + bar / 2:.1f}" y="{y - 3:.1f}" '
                f'text-anchor="middle">{value:g}</text>'
            )
        body.append(
            f'<text x="{left + group * (i + 0.5):.1f}" y="{top + plot_h + 18:.1f}" '
            f'text-anchor="middle">{escape(category)}</text>'
        )
    body.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="#444"/>'
    )
    return _svg(height, title, body)


def bar_chart(
    title: str, labels: Sequence[str], series: Sequence[Series], empty: str, as_percent: bool
) -> str:
    """Grouped horizontal bars: one group per label (a school, a region), one bar per series."""
    left, top, right = 230.0, 30.0, 70.0
    row = 16 * len(series) + 10
    values = [v for _, _, vs in series for v in vs]
    if not labels or not any(values):
        return _svg(80, title, [f'<text x="10" y="40">{escape(empty)}</text>'])
    height = top + row * len(labels) + 10
    plot_w = WIDTH - left - right
    top_value = max(values)
    body = _legend([(n, c) for n, c, _ in series], left, 18)
    for i, label in enumerate(labels):
        y0 = top + row * i + 5
        body.append(
            f'<text x="{left - 8}" y="{y0 + row / 2:.1f}" text-anchor="end">'
            f"{escape(label[:34])}</text>"
        )
        for j, (name, colour, vs) in enumerate(series):
            value = vs[i]
            w = plot_w * value / top_value
            y = y0 + 16 * j
            shown = f"{value * 100:.2f} %" if as_percent else f"{value:g}"
            body.append(
                f'<rect x="{left}" y="{y:.1f}" width="{w:.1f}" height="13" fill="{colour}">'
                f"<title>{escape(name)} {escape(label)}: {shown}</title></rect>"
                f'<text x="{left + w + 4:.1f}" y="{y + 11:.1f}">{shown}</text>'
            )
    body.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - 8}" stroke="#444"/>')
    return _svg(height, title, body)


def mix_chart(title: str, rows: Sequence[tuple[str, Mapping[str, int]]], empty: str) -> str:
    """100 % stacked bars: the outcome mix of each row, counts in the segments."""
    left, top, row = 120.0, 30.0, 30.0
    if not any(sum(counts.values()) for _, counts in rows):
        return _svg(80, title, [f'<text x="10" y="40">{escape(empty)}</text>'])
    height = top + row * len(rows) + 10
    plot_w = WIDTH - left - 20
    body = _legend([(o, COLOURS[o]) for o in OUTCOMES], left, 18)
    for i, (label, counts) in enumerate(rows):
        y = top + row * i + 4
        total = sum(counts.values())
        body.append(
            f'<text x="{left - 8}" y="{y + 15:.1f}" text-anchor="end">{escape(label)}</text>'
        )
        if not total:
            body.append(f'<text x="{left}" y="{y + 15:.1f}" class="note">no decisions</text>')
            continue
        x = left
        for outcome in OUTCOMES:
            count = counts.get(outcome, 0)
            w = plot_w * count / total
            if w <= 0:
                continue
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="22" '
                f'fill="{COLOURS[outcome]}"><title>{escape(label)} {outcome}: {count} of '
                f"{total}</title></rect>"
            )
            if w > 28:
                body.append(
                    f'<text x="{x + w / 2:.1f}" y="{y + 15:.1f}" text-anchor="middle" '
                    f'style="fill:#fff">{count}</text>'
                )
            x += w
    return _svg(height, title, body)


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


def region_report(statistics: Mapping[str, Any]) -> str:
    """The page of one region on one count date."""
    figures = statistics["figures"]
    flows = figures["decisions"]
    schools = figures["schools"]
    with_students = [s for s in schools if s["students"]]
    school_chart = bar_chart(
        "Share of enrolment with an allocation, per school",
        [f"{s['brin']} {s['name']}" for s in with_students],
        [
            (a, COLOURS[a], [float(Decimal(s["shares"][a] or 0)) for s in with_students])
            for a in ARRANGEMENTS
        ],
        "No enrolment known on this count date: add it with PUT .../enrolments/{teldatum}.",
        as_percent=True,
    )
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
        school_chart,
        _table(
            ["BRIN", "school", "kind", "students", "small", "lwoo", "pro", "lwoo %", "pro %"],
            school_rows,
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


def national_report(statistics: Mapping[str, Any]) -> str:
    """The national page: totals, trend, and each region's allocation share beside its budget."""
    national = statistics["national"]
    rows = statistics["regions"]
    budget = statistics["budget"]
    labels = [f"{r['region_id']} {r['name'] or ''}".strip() for r in rows]
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
    table_rows = [
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
            share_series,
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
            table_rows,
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
