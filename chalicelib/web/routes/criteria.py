"""A region's own criteria: validate (dry run), store a version, list, in force, impact (at
once on the dossiers sent, or as a run over the region's stored dossiers)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint, Response

from chalicelib.messages import msg
from chalicelib.web import http
from chalicelib.web.http import ANY_CONTENT_TYPE, handled, json_response
from chalicelib.web.operation import operation
from chalicelib.web.routes.common import REGION_ROLES, caller, current, framework_param, object_id

if TYPE_CHECKING:
    from chalicelib.services.impact_runs import ImpactRuns

bp = Blueprint(__name__)
BASE = "/v1/regions/{region_id}/criteria"


@bp.route(f"{BASE}/validate", methods=["POST"], content_types=ANY_CONTENT_TYPE)
@operation(
    "Validate criteria (dry run)",
    ok=(200, "Validation"),
    body="CriteriaDefinition",
    errors=(422,),
    query=("framework", "date"),
)
@handled
def validate(region_id: str) -> Response:
    from chalicelib.models.criteria import CriteriaDefinition

    svc = caller(bp, REGION_ROLES, region_id)
    definition = http.parse_body(current(bp), CriteriaDefinition)
    date = http.query_date(current(bp))
    return json_response(
        svc.criteria.validate_criteria(region_id, definition, framework_param(bp), date)
    )


@bp.route(BASE, methods=["POST"], content_types=ANY_CONTENT_TYPE)
@operation(
    "Store a criteria version (200: the same version was stored before)",
    ok=((200, 201), "CriteriaVersion"),
    body="CriteriaDefinition",
    errors=(422,),
    query=("framework",),
)
@handled
def store(region_id: str) -> Response:
    from chalicelib.models.criteria import CriteriaDefinition

    svc = caller(bp, REGION_ROLES, region_id)
    definition = http.parse_body(current(bp), CriteriaDefinition)
    version, created = svc.criteria.store_criteria(region_id, definition, framework_param(bp))
    return json_response(version, 201 if created else 200)


@bp.route(BASE, methods=["GET"])
@operation("The region's criteria versions", ok=(200, "CriteriaVersionList"))
@handled
def list_versions(region_id: str) -> Response:
    return json_response(caller(bp, REGION_ROLES, region_id).criteria.list_criteria(region_id))


@bp.route(f"{BASE}/in-force", methods=["GET"])
@operation(
    "The criteria decisions use on a date",
    ok=(200, "CriteriaInForce"),
    errors=(422,),
    query=("date", "framework"),
)
@handled
def in_force(region_id: str) -> Response:
    svc = caller(bp, REGION_ROLES, region_id)
    date = http.query_date(current(bp)) or svc.today()
    return json_response(svc.criteria.criteria_in_force(region_id, date, framework_param(bp)))


@bp.route(f"{BASE}/impact", methods=["POST"], content_types=ANY_CONTENT_TYPE)
@operation(
    "Impact of a candidate definition",
    ok=(200, "ImpactResult"),
    body="ImpactRequest",
    errors=(422,),
    query=("framework", "date"),
)
@handled
def impact(region_id: str) -> Response:
    from chalicelib.models.impact import ImpactRequest

    svc = caller(bp, REGION_ROLES, region_id)
    body = http.parse_body(current(bp), ImpactRequest)
    dossiers = list(body.dossiers) if body.dossiers is not None else None
    date = http.query_date(current(bp))
    report = svc.impact.criteria_impact(
        region_id, body.definition, dossiers, framework_param(bp), date
    )
    return json_response(report)


@bp.route(f"{BASE}/impact-runs", methods=["POST"], content_types=ANY_CONTENT_TYPE)
@operation(
    "Start an impact run over the region's retained dossiers",
    ok=(202, "ImpactRunAccepted"),
    body="ImpactRequest",
    errors=(422,),
    query=("framework", "date"),
    sends_headers=("Location",),
)
@handled
def start_impact_run(region_id: str) -> Response:
    """The impact over the region's own retained dossiers, in the worker (README)."""
    from chalicelib.errors import RequestValidationError
    from chalicelib.models.impact import ImpactRequest

    caller(bp, REGION_ROLES, region_id)
    body = http.parse_body(current(bp), ImpactRequest)
    if body.dossiers is not None:
        raise RequestValidationError(
            msg("impact.run_reads_stored"),
            [{"path": "dossiers", "code": "extra_forbidden", "message": msg("detail.not_in_run")}],
        )
    date = http.query_date(current(bp))
    runs = _runs()
    accepted = runs.accept(region_id, body.definition, framework_param(bp), date)
    return json_response(accepted, 202, {"Location": accepted.status_url})


@bp.route(f"{BASE}/impact-runs/{{run_id}}", methods=["GET"])
@operation("An impact run's status, and its counts when completed", ok=(200, "ImpactRunStatus"))
@handled
def impact_run(region_id: str, run_id: str) -> Response:
    caller(bp, REGION_ROLES, region_id)
    object_id(run_id, "run_id")
    return json_response(_runs().status(region_id, run_id))


@bp.route(f"{BASE}/impact-runs/{{run_id}}/affected", methods=["GET"])
@operation(
    "The dossiers an impact run found affected, a page at a time",
    ok=(200, "AffectedPage"),
    query=("cursor", "limit:1000"),
)
@handled
def impact_run_affected(region_id: str, run_id: str) -> Response:
    caller(bp, REGION_ROLES, region_id)
    object_id(run_id, "run_id")
    request = current(bp)
    limit = http.query_limit(request, 100, 1000)
    return json_response(_runs().affected(region_id, run_id, http.query(request, "cursor"), limit))


def _runs() -> ImpactRuns:
    from chalicelib.services.impact_runs import ImpactRuns
    from chalicelib.wiring import batches

    return ImpactRuns(batches())
