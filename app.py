"""toewijzing: the HTTP routes of ../shared/design/api.md. Thin: parse, call a service, respond."""

from __future__ import annotations

from typing import Any

from chalice import Chalice, Response
from chalice.app import Request

from chalicelib import http
from chalicelib.frameworks import framework_view, national_criteria_view
from chalicelib.http import ANY_CONTENT_TYPE, handled, json_response
from chalicelib.legal.timeline import DEFAULT_FRAMEWORK
from chalicelib.models.region import REGION_ID_PATTERN, RegionIn, TokenIn
from chalicelib.models.request import DecisionRequest
from chalicelib.openapi import openapi_document
from chalicelib.services import Principal, Services
from chalicelib.wiring import services

app = Chalice(app_name="toewijzing")
REGION_ROLES = ("admin", "region")
DECISION_ID = r"^[0-9a-f]{32}$"


@app.middleware("http")
def contract_errors(event: Request, get_response: Any) -> Response:
    return http.to_contract_shape(get_response(event), http.request_id(event))


def request() -> Request:
    current = app.current_request
    assert current is not None
    return current


def caller(roles: tuple[str, ...], region_id: str | None = None) -> Services:
    """The services, once the caller is authenticated and allowed (403 across regions)."""
    svc = services()
    who: Principal = svc.authenticate(request().headers.get("authorization"))
    if region_id is not None:
        http.path_id(region_id, REGION_ID_PATTERN, "region_id")
    svc.authorize(who, roles, region_id)  # type: ignore[arg-type]
    return svc


def framework_param() -> str:
    return http.query(request(), "framework") or DEFAULT_FRAMEWORK


@app.route("/v1/health", methods=["GET"])
def health() -> Response:
    return json_response({"status": "ok"})


@app.route("/v1/openapi.json", methods=["GET"])
def openapi() -> Response:
    return json_response(openapi_document())


@app.route("/v1/framework", methods=["GET"])
@handled
def framework() -> Response:
    date = http.query_date(request()) or services().today()
    return json_response(framework_view(framework_param(), date))


@app.route("/v1/framework/national-criteria", methods=["GET"])
@handled
def national_criteria() -> Response:
    date = http.query_date(request()) or services().today()
    version, definition = national_criteria_view(framework_param(), date)
    return json_response(definition, headers={"X-Criteria-Version": version})


@app.route("/v1/regions/{region_id}", methods=["PUT"], content_types=ANY_CONTENT_TYPE)
@handled
def put_region(region_id: str) -> Response:
    svc = caller(("admin",), region_id)
    region, created = svc.put_region(region_id, http.parse_body(request(), RegionIn))
    return json_response(region, 201 if created else 200)


@app.route("/v1/regions/{region_id}", methods=["GET"])
@handled
def get_region(region_id: str) -> Response:
    return json_response(caller(REGION_ROLES, region_id).get_region(region_id))


def token_body() -> TokenIn:
    has_body = bool(http.body_bytes(request()).strip())
    return http.parse_body(request(), TokenIn) if has_body else TokenIn()


@app.route("/v1/regions/{region_id}/tokens", methods=["POST"], content_types=ANY_CONTENT_TYPE)
@handled
def create_region_token(region_id: str) -> Response:
    svc = caller(("admin",), region_id)
    return json_response(svc.create_token(region_id, token_body()), 201)


@app.route("/v1/tokens", methods=["POST"], content_types=ANY_CONTENT_TYPE)
@handled
def create_token() -> Response:
    return json_response(caller(("admin",)).create_token(None, token_body()), 201)


@app.route("/v1/regions/{region_id}/decisions", methods=["POST"], content_types=ANY_CONTENT_TYPE)
@handled
def create_decision(region_id: str) -> Response:
    svc = caller(REGION_ROLES, region_id)
    body = http.parse_body(request(), DecisionRequest)
    key = request().headers.get("idempotency-key")
    decision, replayed = svc.create_decision(region_id, body, key, framework_param())
    return json_response(decision, 201, {"Idempotent-Replayed": str(replayed).lower()})


@app.route("/v1/regions/{region_id}/decisions", methods=["GET"])
@handled
def list_decisions(region_id: str) -> Response:
    svc = caller(REGION_ROLES, region_id)
    student_ref = http.query(request(), "student_ref")
    if not student_ref:
        raise http.missing_query("student_ref")
    page = svc.list_decisions(
        region_id, student_ref, http.query(request(), "cursor"), http.query_limit(request())
    )
    return json_response(page)


@app.route("/v1/regions/{region_id}/decisions/{decision_id}", methods=["GET"])
@handled
def get_decision(region_id: str, decision_id: str) -> Response:
    svc = caller(REGION_ROLES, region_id)
    http.path_id(decision_id, DECISION_ID, "decision_id")
    return json_response(svc.get_decision(region_id, decision_id))
