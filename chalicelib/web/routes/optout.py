"""A region's opt-out notices: notify one (or a re-entry), and the state on a date."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.web import http
from chalicelib.web.http import ANY_CONTENT_TYPE, handled, json_response
from chalicelib.web.operation import operation
from chalicelib.web.routes.common import REGION_ROLES, caller, current, framework_param

bp = Blueprint(__name__)


@bp.route("/v1/regions/{region_id}/opt-out", methods=["PUT"], content_types=ANY_CONTENT_TYPE)
@operation(
    "Notify an opt-out (or a re-entry)",
    ok=(200, "OptOutView"),
    body="OptOutNotice",
    errors=(409, 422),
    query=("framework",),
)
@handled
def put_opt_out(region_id: str) -> Response:
    from chalicelib.models.optout import OptOutNotice

    svc = caller(bp, REGION_ROLES, region_id)
    notice = http.parse_body(current(bp), OptOutNotice)
    return json_response(svc.optout.put_opt_out(region_id, notice, framework_param(bp)))


@bp.route("/v1/regions/{region_id}/opt-out", methods=["GET"])
@operation("The opt-out in force, and its history", ok=(200, "OptOutView"), query=("date",))
@handled
def get_opt_out(region_id: str) -> Response:
    svc = caller(bp, REGION_ROLES, region_id)
    return json_response(svc.optout.opt_out(region_id, http.query_date(current(bp))))
