"""Regions and their tokens (the opt-out notices of a region: `optout.py`).

Tokens (admin only): made with an expiry (`expires_in_days`, at most a year), listed without
their secret, revoked at once; region tokens under the region, ministry and admin tokens under
`/v1/tokens`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint, Response

from chalicelib.web import http
from chalicelib.web.http import ANY_CONTENT_TYPE, handled, json_response
from chalicelib.web.operation import operation
from chalicelib.web.routes.common import ADMIN, REGION_ROLES, caller, current, object_id

if TYPE_CHECKING:
    from chalicelib.models.region import TokenIn

bp = Blueprint(__name__)


@bp.route("/v1/regions/{region_id}", methods=["PUT"], content_types=ANY_CONTENT_TYPE)
@operation("Create or replace a region", ok=((200, 201), "Region"), body="RegionIn")
@handled
def put_region(region_id: str) -> Response:
    from chalicelib.models.region import RegionIn

    svc = caller(bp, ADMIN, region_id)
    region, created = svc.regions.put_region(region_id, http.parse_body(current(bp), RegionIn))
    return json_response(region, 201 if created else 200)


@bp.route("/v1/regions/{region_id}", methods=["GET"])
@operation("A region", ok=(200, "Region"))
@handled
def get_region(region_id: str) -> Response:
    return json_response(caller(bp, REGION_ROLES, region_id).regions.region(region_id))


def token_body() -> TokenIn:
    from chalicelib.models.region import TokenIn

    has_body = bool(http.body_bytes(current(bp)).strip())
    return http.parse_body(current(bp), TokenIn) if has_body else TokenIn()


@bp.route("/v1/regions/{region_id}/tokens", methods=["POST"], content_types=ANY_CONTENT_TYPE)
@operation("A token for the region", ok=(201, "Token"), body="TokenIn", body_required=False)
@handled
def create_region_token(region_id: str) -> Response:
    svc = caller(bp, ADMIN, region_id)
    return json_response(svc.auth.create_token(region_id, token_body()), 201)


@bp.route("/v1/tokens", methods=["POST"], content_types=ANY_CONTENT_TYPE)
@operation("A ministry or admin token", ok=(201, "Token"), body="TokenIn", body_required=False)
@handled
def create_token() -> Response:
    return json_response(caller(bp, ADMIN).auth.create_token(None, token_body()), 201)


@bp.route("/v1/regions/{region_id}/tokens", methods=["GET"])
@operation("The region's tokens (never their secret)", ok=(200, "TokenList"))
@handled
def list_region_tokens(region_id: str) -> Response:
    return json_response(caller(bp, ADMIN, region_id).auth.list_tokens(region_id))


@bp.route("/v1/regions/{region_id}/tokens/{token_id}", methods=["DELETE"])
@operation("Revoke a region token at once", ok=(204, None))
@handled
def revoke_region_token(region_id: str, token_id: str) -> Response:
    svc = caller(bp, ADMIN, region_id)
    svc.auth.revoke_token(region_id, object_id(token_id, "token_id"))
    return Response(body="", status_code=204)


@bp.route("/v1/tokens", methods=["GET"])
@operation("The ministry and admin tokens (never their secret)", ok=(200, "TokenList"))
@handled
def list_tokens() -> Response:
    return json_response(caller(bp, ADMIN).auth.list_tokens(None))


@bp.route("/v1/tokens/{token_id}", methods=["DELETE"])
@operation("Revoke a ministry or admin token at once", ok=(204, None))
@handled
def revoke_token(token_id: str) -> Response:
    svc = caller(bp, ADMIN)
    svc.auth.revoke_token(None, object_id(token_id, "token_id"))
    return Response(body="", status_code=204)
