"""The OpenAPI paths of regions and their tokens (admin): a region's document; tokens made
with an expiry, listed without their secret, revoked at once."""

from __future__ import annotations

from typing import Any

from chalicelib.models.common import ID_PATTERN
from chalicelib.web.openapi_paths import (
    DATE_PATTERN,
    _created_too,
    _op,
    limit_query,
    path_parameter,
)


def _optional_body(operation: dict[str, Any]) -> dict[str, Any]:
    """A token's body may be left out: a token with the defaults (`routes/regions.py`)."""
    operation["requestBody"]["required"] = False
    return operation


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
            "post": _optional_body(
                _op("A token for the region", ("201", "Token"), authed, "TokenIn", [region])
            ),
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
            "post": _optional_body(
                _op("A ministry or admin token", ("201", "Token"), authed, "TokenIn")
            ),
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


def impact_run_paths(
    region: dict[str, Any], framework: dict[str, Any], authed: tuple[int, ...]
) -> dict[str, Any]:
    """Impact runs: a candidate's impact on the region's stored dossiers, in the worker."""
    run = path_parameter("run_id", ID_PATTERN)
    base = "/v1/regions/{region_id}/criteria/impact-runs"
    date = {"name": "date", "in": "query", "required": False,
            "schema": {"type": "string", "format": "date", "pattern": DATE_PATTERN}}  # fmt: skip
    cursor = {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string"}}
    page = [cursor, limit_query(1000)]
    return {
        base: {
            "post": _op(
                "Start an impact run over the region's retained dossiers",
                ("202", None),
                (*authed, 422),
                "ImpactRequest",
                [region, framework, date],
            ),
        },
        f"{base}/{{run_id}}": {
            "get": _op(
                "An impact run's status, and its counts when completed",
                ("200", None),
                authed,
                params=[region, run],
            ),
        },
        f"{base}/{{run_id}}/affected": {
            "get": _op(
                "The dossiers an impact run found affected, a page at a time",
                ("200", None),
                authed,
                params=[region, run, *page],
            ),
        },
    }
