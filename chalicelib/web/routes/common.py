"""What every route needs: the current request, the authenticated caller, common parameters.

Route modules import at the top only chalice, `chalicelib.web.http` and this module; a handler
imports its models and use cases in its body, on first use (cold start: chalicelib/wiring.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint, Request

from chalicelib.messages import msg
from chalicelib.web import http
from chalicelib.wiring import services

if TYPE_CHECKING:
    from chalicelib.services import Services
    from chalicelib.storage.ports import Role

REGION_ROLES: tuple[Role, ...] = ("admin", "region")
ADMIN: tuple[Role, ...] = ("admin",)


def current(blueprint: Blueprint) -> Request:
    request = blueprint.current_request
    assert request is not None, "only called while a request is being handled"
    return request


def caller(blueprint: Blueprint, roles: tuple[Role, ...], region_id: str | None = None) -> Services:
    """The services, once the caller is authenticated and allowed (403 across regions)."""
    from chalicelib.models.region import REGION_ID_PATTERN

    svc = services()
    who = svc.auth.authenticate(current(blueprint).headers.get("authorization"))
    if region_id is not None:
        http.path_id(region_id, REGION_ID_PATTERN, "region_id")
    svc.auth.authorize(who, roles, region_id)
    return svc


def object_id(value: str, what: str) -> str:
    """A decision, batch, plan or upload id from the path or query, checked against the one
    pattern of the ids this service hands out."""
    from chalicelib.models.common import ID_PATTERN

    return http.path_id(value, ID_PATTERN, what)


def framework_param(blueprint: Blueprint) -> str:
    """`?framework=`, checked here: a route that never reads the framework (an impact with no
    dossiers) must refuse an unknown one too, not echo it back."""
    from chalicelib.errors import UnknownFrameworkError
    from chalicelib.legal.timeline import DEFAULT_FRAMEWORK, FRAMEWORK_IDS

    given = http.query(current(blueprint), "framework")
    value = DEFAULT_FRAMEWORK if given is None else given  # `?framework=` (empty) is no framework
    if value not in FRAMEWORK_IDS:
        raise UnknownFrameworkError(
            msg("error.unknown_framework", framework=value[:40], known=list(FRAMEWORK_IDS))
        )
    return value
