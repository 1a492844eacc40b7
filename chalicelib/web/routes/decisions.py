"""Decisions: create (with Idempotency-Key), read, and list a student's decisions."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.web import http
from chalicelib.web.http import ANY_CONTENT_TYPE, handled, json_response
from chalicelib.web.operation import operation
from chalicelib.web.routes.common import (
    REGION_ROLES,
    caller,
    current,
    framework_param,
    object_id,
)

bp = Blueprint(__name__)


@bp.route("/v1/regions/{region_id}/decisions", methods=["POST"], content_types=ANY_CONTENT_TYPE)
@operation(
    "Decide an application",
    ok=(201, "Decision"),
    body="DecisionRequest",
    errors=(409, 422),
    query=("framework",),
    headers=("Idempotency-Key",),
    sends_headers=("Idempotent-Replayed",),
)
@handled
def create_decision(region_id: str) -> Response:
    from chalicelib.models.request import DecisionRequest

    svc = caller(bp, REGION_ROLES, region_id)
    body = http.parse_body(current(bp), DecisionRequest)
    key = current(bp).headers.get("idempotency-key")
    decision, replayed = svc.decisions.create_decision(region_id, body, key, framework_param(bp))
    return json_response(decision, 201, {"Idempotent-Replayed": str(replayed).lower()})


@bp.route("/v1/regions/{region_id}/decisions", methods=["GET"])
@operation(
    "A student's decisions", ok=(200, "DecisionPage"), query=("student_ref", "cursor", "limit")
)
@handled
def list_decisions(region_id: str) -> Response:
    svc = caller(bp, REGION_ROLES, region_id)
    request = current(bp)
    student_ref = http.query(request, "student_ref")
    if not student_ref:
        raise http.missing_query("student_ref")
    cursor, limit = http.query(request, "cursor"), http.query_limit(request)
    return json_response(svc.decisions.list_decisions(region_id, student_ref, cursor, limit))


@bp.route("/v1/regions/{region_id}/decisions/{decision_id}", methods=["GET"])
@operation("A decision", ok=(200, "Decision"))
@handled
def get_decision(region_id: str, decision_id: str) -> Response:
    svc = caller(bp, REGION_ROLES, region_id)
    object_id(decision_id, "decision_id")
    return json_response(svc.decisions.get_decision(region_id, decision_id))
