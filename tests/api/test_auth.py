"""Authentication, roles and tenancy on every route of the contract."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import REGION, Api, request_body

DECISION = "0" * 32

# Every route that touches a region's data: (method, path template, body).
REGION_ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/v1/regions/{r}", None),
    ("POST", "/v1/regions/{r}/decisions", request_body()),
    ("GET", "/v1/regions/{r}/decisions?student_ref=ll-2017-0042", None),
    ("GET", "/v1/regions/{r}/decisions/{d}", None),
]
ADMIN_ROUTES: list[tuple[str, str, Any]] = [
    ("PUT", "/v1/regions/{r}", REGION),
    ("POST", "/v1/regions/{r}/tokens", {"role": "region"}),
    ("POST", "/v1/tokens", {"role": "ministry"}),
]
ALL_ROUTES = REGION_ROUTES + ADMIN_ROUTES


def path(template: str, region: str, decision: str = DECISION) -> str:
    return template.replace("{r}", region).replace("{d}", decision)


@pytest.fixture
def two_regions(api: Api) -> dict[str, str]:
    api.region("VO2001")
    api.region("VO2002")
    _, made, _ = api.call("POST", "/v1/regions/VO2002/decisions", request_body())
    return {"VO2001": api.token("VO2001"), "decision": made["decision_id"]}


@pytest.mark.parametrize(("method", "template", "body"), ALL_ROUTES)
def test_a_region_token_never_reaches_another_region(
    api: Api, two_regions: dict[str, str], method: str, template: str, body: Any
) -> None:
    target = path(template, "VO2002", two_regions["decision"])
    status, error, _ = api.call(method, target, body, token=two_regions["VO2001"])
    assert status == 403, error
    assert error["error"]["code"] == "forbidden"


@pytest.mark.parametrize(("method", "template", "body"), REGION_ROUTES)
def test_a_region_token_reaches_its_own_region(
    api: Api, two_regions: dict[str, str], method: str, template: str, body: Any
) -> None:
    _, made, _ = api.call("POST", "/v1/regions/VO2001/decisions", request_body())
    target = path(template, "VO2001", made["decision_id"])
    status, response, _ = api.call(method, target, body, token=two_regions["VO2001"])
    assert status in (200, 201), response


@pytest.mark.parametrize(("method", "template", "body"), ALL_ROUTES)
def test_without_a_valid_token_every_route_is_401(
    api: Api, method: str, template: str, body: Any
) -> None:
    api.region("VO2001")
    for token in (None, "not-a-token"):
        status, error, _ = api.call(method, path(template, "VO2001"), body, token=token)
        assert status == 401
        assert error["error"]["code"] == "unauthenticated"


@pytest.mark.parametrize(("method", "template", "body"), ALL_ROUTES)
def test_a_ministry_token_reads_no_region_data(
    api: Api, method: str, template: str, body: Any
) -> None:
    api.region("VO2001")
    ministry = api.token(None, "ministry")
    status, _, _ = api.call(method, path(template, "VO2001"), body, token=ministry)
    assert status == 403


def test_tokens_are_stored_only_as_hashes(api: Api) -> None:
    api.region("VO2001")
    token = api.token("VO2001")
    assert token not in repr(api.services.storage.__dict__)
    assert api.call("GET", "/v1/regions/VO2001", token=token)[0] == 200


def test_a_region_token_cannot_be_made_with_another_role(api: Api) -> None:
    api.region("VO2001")
    status, body, _ = api.call("POST", "/v1/regions/VO2001/tokens", {"role": "admin"})
    assert status == 400 and body["error"]["details"][0]["path"] == "/role"


def test_public_routes_need_no_token(api: Api) -> None:
    for route in ("/v1/health", "/v1/framework?date=2017-01-01", "/v1/openapi.json"):
        assert api.call("GET", route, token=None)[0] == 200
