"""Public, read-only routes on the legal framework: the phase in force, the national criteria
(as data, and in words)."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.web import http
from chalicelib.web.http import handled, json_response, markdown_response
from chalicelib.web.operation import operation
from chalicelib.web.routes.common import current, framework_param
from chalicelib.wiring import services

bp = Blueprint(__name__)


@bp.route("/v1/framework", methods=["GET"])
@operation(
    "The legal phase in force",
    ok=(200, "FrameworkPhase"),
    errors=(400, 422),
    query=("date", "framework"),
    public=True,
)
@handled
def framework() -> Response:
    from chalicelib.services.frameworks import framework_view

    date = http.query_date(current(bp)) or services().today()
    return json_response(framework_view(framework_param(bp), date))


@bp.route("/v1/framework/national-criteria", methods=["GET"])
@operation(
    "The national criteria in force",
    ok=(200, "NationalCriteria"),
    errors=(400, 422),
    query=("date", "framework"),
    public=True,
    sends_headers=("X-Criteria-Version",),
)
@handled
def national_criteria() -> Response:
    from chalicelib.services.frameworks import national_criteria_view

    date = http.query_date(current(bp)) or services().today()
    version, definition = national_criteria_view(framework_param(bp), date)
    return json_response(definition, headers={"X-Criteria-Version": version})


@bp.route("/v1/framework/national-criteria.md", methods=["GET"])
@operation(
    "The national criteria in force, in words (Markdown)",
    ok=(200, "text/markdown"),
    errors=(400, 422),
    query=("date", "framework"),
    public=True,
    sends_headers=("X-Criteria-Version",),
)
@handled
def national_criteria_markdown() -> Response:
    from chalicelib.services.frameworks import national_criteria_markdown

    date = http.query_date(current(bp)) or services().today()
    version, text = national_criteria_markdown(framework_param(bp), date)
    return markdown_response(text, {"X-Criteria-Version": version})
