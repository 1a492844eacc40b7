"""Tenant isolation on every route chalice serves that has a {region_id}: a token of region
VO2001 on VO2002's path is a 403, whatever the route (a new route is covered by being served:
the route table is walked, not the document). A ministry token is refused every write."""

from __future__ import annotations

from typing import Any

import pytest

from app import app
from chalicelib.web.operation import declared
from tests.api.conftest import Api

FILL = {"decision_id": "0" * 32, "batch_id": "0" * 32, "plan_id": "0" * 32, "run_id": "0" * 32,
        "token_id": "0" * 32, "teldatum": "2017-10-01", "year": "2017"}  # fmt: skip


def operations(with_region: bool) -> list[Any]:
    """The routes that need a token: every one but those declared public."""
    found = []
    for template, methods in app.routes.items():
        if ("{region_id}" in template) != with_region:
            continue
        for method, entry in methods.items():
            declaration = declared(entry.view_function)
            if declaration is not None and declaration.public:
                continue
            found.append(pytest.param(method, template, id=f"{method} {template}"))
    return found


def concrete(template: str, region: str, method: str) -> str:
    """The path, with the query a listing of decisions needs (an operation refuses a query
    parameter it does not take, before anything else: the document is public)."""
    path = template.replace("{region_id}", region)
    for name, value in FILL.items():
        path = path.replace(f"{{{name}}}", value)
    listing = method == "GET" and path.endswith("/decisions")
    return path + ("?student_ref=ll-2017-0042" if listing else "")


@pytest.fixture
def tokens(api: Api) -> dict[str, str]:
    api.region("VO2001")
    api.region("VO2002")
    return {"region": api.token("VO2001"), "ministry": api.token(None, "ministry")}


@pytest.mark.parametrize(("method", "template"), operations(with_region=True))
def test_a_region_token_gets_403_on_every_route_of_another_region(
    api: Api, tokens: dict[str, str], method: str, template: str
) -> None:
    status, body, _ = api.call(
        method, concrete(template, "VO2002", method), {}, token=tokens["region"]
    )
    assert status == 403, body
    assert body["error"]["code"] == "forbidden"


@pytest.mark.parametrize(("method", "template"), operations(with_region=True))
def test_without_a_token_every_region_route_is_401(api: Api, method: str, template: str) -> None:
    status, body, _ = api.call(method, concrete(template, "VO2001", method), {}, token=None)
    assert status == 401, body


@pytest.mark.parametrize(
    ("method", "template"),
    [p for p in operations(with_region=True) + operations(with_region=False)
     if p.values[0] in ("PUT", "POST") and not p.values[1].endswith(("/validate", "/impact"))],
)  # fmt: skip
def test_a_ministry_token_writes_nothing(
    api: Api, tokens: dict[str, str], method: str, template: str
) -> None:
    status, body, _ = api.call(
        method, concrete(template, "VO2001", method), {}, token=tokens["ministry"]
    )
    assert status == 403, body
