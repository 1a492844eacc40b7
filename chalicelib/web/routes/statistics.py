"""Monitoring: enrolments, budget shares, statistics and report pages of a region and the country.

Who may do what: enrolments are written by the region (or admin) and read by the region, the
ministry and admin; a region's statistics and report are read by that region, the ministry (every
region) and admin; the national statistics, report and budget shares are read by the ministry
and admin; budget shares are written by admin only. The ministry writes nothing and never reaches
decisions (their routes need admin or the region).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from chalice.app import Blueprint, Response

from chalicelib.web import http
from chalicelib.web.http import ANY_CONTENT_TYPE, handled, json_response
from chalicelib.web.operation import operation
from chalicelib.web.routes.common import ADMIN, REGION_ROLES, caller, current

if TYPE_CHECKING:
    from chalicelib.services.statistics import Statistics
    from chalicelib.storage.ports import Role

bp = Blueprint(__name__)
READERS: tuple[Role, ...] = ("admin", "region", "ministry")
NATIONAL: tuple[Role, ...] = ("admin", "ministry")
HTML = "text/html; charset=utf-8"
# The report loads nothing: no scripts at all, styles and pictures only inline; no page may
# frame it (clickjacking).
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"


def html_response(text: str) -> Response:
    return Response(
        body=text,
        status_code=200,
        headers={"Content-Type": HTML, "Content-Security-Policy": REPORT_CSP},
    )


def _stats(roles: tuple[Role, ...], region_id: str | None = None) -> Statistics:
    """The statistics use cases, once the caller is authenticated and allowed."""
    return caller(bp, roles, region_id).statistics


def _teldatum_query(stats: Statistics) -> dt.date:
    """`?teldatum=YYYY-10-01`; default the latest 1 October on or before today."""
    from chalicelib.services.statistics import parse_teldatum

    value = http.query(current(bp), "teldatum")
    today = stats.clock().date()
    if value is not None:
        return parse_teldatum(value, "?teldatum", today)
    this_year = dt.date(today.year, 10, 1)
    return this_year if this_year <= today else dt.date(today.year - 1, 10, 1)


@bp.route(
    "/v1/regions/{region_id}/enrolments/{teldatum}",
    methods=["PUT"],
    content_types=ANY_CONTENT_TYPE,
)
@operation(
    "Students per school on a count date (a new version)",
    ok=((200, 201), "Enrolment"),
    body="EnrolmentIn",
    errors=(422,),
)
@handled
def put_enrolment(region_id: str, teldatum: str) -> Response:
    from chalicelib.models.statistics import EnrolmentIn
    from chalicelib.services.statistics import parse_teldatum

    stats = _stats(REGION_ROLES, region_id)
    date = parse_teldatum(teldatum, "{teldatum}", stats.clock().date())
    body = http.parse_body(current(bp), EnrolmentIn)
    document, created = stats.put_enrolment(region_id, date, body)
    return json_response(document, 201 if created else 200)


@bp.route("/v1/regions/{region_id}/enrolments/{teldatum}", methods=["GET"])
@operation("The enrolment on a count date", ok=(200, "Enrolment"))
@handled
def get_enrolment(region_id: str, teldatum: str) -> Response:
    from chalicelib.services.statistics import parse_teldatum

    stats = _stats(READERS, region_id)
    date = parse_teldatum(teldatum, "{teldatum}", stats.clock().date())
    return json_response(stats.enrolment(region_id, date))


@bp.route("/v1/regions/{region_id}/enrolments/{teldatum}", methods=["DELETE"])
@operation("Withdraw the enrolment of a count date (any 1 October)", ok=(204, None))
@handled
def delete_enrolment(region_id: str, teldatum: str) -> Response:
    """Withdraw a count date's enrolment. Any 1 October, without the range of a new one: a
    version stored before dates were checked (0001-10-01) can be withdrawn too."""
    from chalicelib.services.statistics import parse_teldatum

    stats = _stats(REGION_ROLES, region_id)
    stats.delete_enrolment(region_id, parse_teldatum(teldatum, "{teldatum}"))
    return Response(body="", status_code=204)


@bp.route("/v1/regions/{region_id}/statistics", methods=["GET"])
@operation(
    "Allocations in force, shares, schools by kind, decisions and trend",
    ok=(200, "RegionStatistics"),
    query=("teldatum",),
)
@handled
def region_statistics(region_id: str) -> Response:
    stats = _stats(READERS, region_id)
    return json_response(stats.region_view(region_id, _teldatum_query(stats)))


@bp.route("/v1/regions/{region_id}/report", methods=["GET"])
@operation(
    "The region's monitoring report (HTML, inline SVG charts)",
    ok=(200, "text/html"),
    query=("teldatum",),
)
@handled
def region_report_page(region_id: str) -> Response:
    from chalicelib.render.report_html import region_report

    stats = _stats(READERS, region_id)
    figures = stats.region(region_id, _teldatum_query(stats))
    return html_response(region_report(figures, http.language(current(bp))))


@bp.route("/v1/statistics", methods=["GET"])
@operation(
    "Every region's figures, national totals and budget gaps (ministry)",
    ok=(200, "NationalStatistics"),
    query=("teldatum",),
)
@handled
def national_statistics() -> Response:
    stats = _stats(NATIONAL)
    return json_response(stats.national_view(_teldatum_query(stats)))


@bp.route("/v1/report", methods=["GET"])
@operation(
    "The national monitoring report (HTML, inline SVG charts)",
    ok=(200, "text/html"),
    query=("teldatum",),
)
@handled
def national_report_page() -> Response:
    from chalicelib.render.report_html import national_report

    stats = _stats(NATIONAL)
    figures = stats.national(_teldatum_query(stats))
    return html_response(national_report(figures, http.language(current(bp))))


@bp.route("/v1/budget-shares/{year}", methods=["PUT"], content_types=ANY_CONTENT_TYPE)
@operation(
    "Each region's budget share in a year (admin)",
    ok=((200, 201), "BudgetShares"),
    body="BudgetSharesIn",
    errors=(422,),
)
@handled
def put_budget_shares(year: str) -> Response:
    from chalicelib.models.statistics import BudgetSharesIn
    from chalicelib.services.statistics import parse_year

    stats = _stats(ADMIN)
    number = parse_year(year)
    body = http.parse_body(current(bp), BudgetSharesIn)
    document, created = stats.put_budget_shares(number, body)
    return json_response(document, 201 if created else 200)


@bp.route("/v1/budget-shares/{year}", methods=["GET"])
@operation("The budget shares of a year", ok=(200, "BudgetShares"))
@handled
def get_budget_shares(year: str) -> Response:
    from chalicelib.services.statistics import parse_year

    stats = _stats(NATIONAL)
    return json_response(stats.budget_shares(parse_year(year)))
