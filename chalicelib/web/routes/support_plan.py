"""Support plans: validate (dry run), store a draft, read, publish, the lwoo/pro section as
Markdown."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint, Response

from chalicelib.web import http
from chalicelib.web.http import ANY_CONTENT_TYPE, handled, json_response, markdown_response
from chalicelib.web.operation import operation
from chalicelib.web.routes.common import (
    REGION_ROLES,
    caller,
    current,
    framework_param,
    object_id,
)

if TYPE_CHECKING:
    from chalicelib.services.support_plan import SupportPlans

bp = Blueprint(__name__)
BASE = "/v1/regions/{region_id}/support-plans"


def _plans(region_id: str) -> SupportPlans:
    return caller(bp, REGION_ROLES, region_id).support_plan


def _plan_id(plan_id: str) -> str:
    return object_id(plan_id, "plan_id")


@bp.route(f"{BASE}/validate", methods=["POST"], content_types=ANY_CONTENT_TYPE)
@operation(
    "Validate a support plan (dry run): every missing or late item",
    ok=(200, "Validation"),
    body="SupportPlan",
    errors=(422,),
    query=("framework", "date"),
)
@handled
def validate(region_id: str) -> Response:
    from chalicelib.models.support_plan import SupportPlan

    plans = _plans(region_id)
    plan = http.parse_body(current(bp), SupportPlan)
    date = http.query_date(current(bp))
    return json_response(plans.validate(region_id, plan, framework_param(bp), date))


@bp.route(BASE, methods=["POST"], content_types=ANY_CONTENT_TYPE)
@operation(
    "Store a draft support plan",
    ok=(201, "PlanCreated"),
    body="SupportPlan",
    errors=(422,),
    query=("framework",),
    sends_headers=("Location",),
)
@handled
def create(region_id: str) -> Response:
    from chalicelib.models.support_plan import SupportPlan

    plans = _plans(region_id)
    plan = http.parse_body(current(bp), SupportPlan)
    created = plans.create(region_id, plan, framework_param(bp))
    location = f"/v1/regions/{region_id}/support-plans/{created.id}"
    return json_response(created, 201, headers={"Location": location})


@bp.route(BASE, methods=["GET"])
@operation("The region's support plans", ok=(200, "PlanList"))
@handled
def list_plans(region_id: str) -> Response:
    return json_response(_plans(region_id).list_plans(region_id))


@bp.route(f"{BASE}/{{plan_id}}", methods=["GET"])
@operation("A support plan and its status", ok=(200, "PlanView"))
@handled
def get(region_id: str, plan_id: str) -> Response:
    plans = _plans(region_id)
    return json_response(plans.get(region_id, _plan_id(plan_id)))


@bp.route(f"{BASE}/{{plan_id}}/publish", methods=["POST"], content_types=ANY_CONTENT_TYPE)
@operation(
    "Publish a support plan (422 plan_not_publishable with findings)",
    ok=(200, "PublishedPlan"),
    errors=(409, 422),
    query=("date",),
)
@handled
def publish(region_id: str, plan_id: str) -> Response:
    plans = _plans(region_id)
    date = http.query_date(current(bp))
    return json_response(plans.publish(region_id, _plan_id(plan_id), date))


@bp.route(f"{BASE}/{{plan_id}}/lwoo-pro.md", methods=["GET"])
@operation("The plan's lwoo/pro section as Markdown", ok=(200, "text/markdown"))
@handled
def lwoo_pro(region_id: str, plan_id: str) -> Response:
    plans = _plans(region_id)
    return markdown_response(plans.lwoo_pro_markdown(region_id, _plan_id(plan_id)))
