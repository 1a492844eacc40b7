"""The OpenAPI paths of regions and their tokens (admin): a region's document; tokens made
with an expiry, listed without their secret, revoked at once."""

from __future__ import annotations

from typing import Any

from chalicelib.models.common import ID_PATTERN
from chalicelib.web.openapi_paths import _created_too, _op, path_parameter


def region_paths(region: dict[str, Any], authed: tuple[int, ...]) -> dict[str, Any]:
    """Regions and tokens (admin)."""
    token_id = path_parameter("token_id", ID_PATTERN)
    return {
        "/v1/regions/{region_id}": {
            "put": _created_too(
                _op("Create or replace a region", ("200", "Region"), authed, "RegionIn", [region])
            ),
            "get": _op("A region", ("200", "Region"), authed, params=[region]),
        },
        "/v1/regions/{region_id}/tokens": {
            "post": _op("A token for the region", ("201", "Token"), authed, "TokenIn", [region]),
            "get": _op(
                "The region's tokens (never their secret)",
                ("200", "TokenList"),
                authed,
                params=[region],
            ),
        },
        "/v1/regions/{region_id}/tokens/{token_id}": {
            "delete": _op(
                "Revoke a region token at once", ("204", None), authed, params=[region, token_id]
            ),
        },
        "/v1/tokens": {
            "post": _op("A ministry or admin token", ("201", "Token"), authed, "TokenIn"),
            "get": _op(
                "The ministry and admin tokens (never their secret)", ("200", "TokenList"), authed
            ),
        },
        "/v1/tokens/{token_id}": {
            "delete": _op(
                "Revoke a ministry or admin token at once", ("204", None), authed, params=[token_id]
            ),
        },
    }
