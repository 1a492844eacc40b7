"""A client generated from `GET /v1/openapi.json` (tests/client/conftest.py) walks the README's
"Trying it, step by step" on the local stack: framework, region, token, decision (with an
Idempotency-Key), read back, opt-out, criteria validate/store/in-force, support plan
validation, and a JSON batch followed to its results. Every call goes through the generated
function of its operation, and every answer must parse into the generated model the document
names for its status.
Every response but a 204 has its schema (`tests/api/test_document_routes.py`), so every
answer of the walk is a generated model (or, for Markdown and HTML, the text).
"""

from __future__ import annotations

import importlib
import json
import re
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from chalicelib.web.openapi import openapi_document
from tests.fuzz.conftest import ADMIN_TOKEN
from tests.support.local_server import LocalServer

pytestmark = pytest.mark.dynalite
ROOT = Path(__file__).resolve().parents[2]
EX = ROOT / "criteria_schemas" / "examples"
REGION = "VO2001"


class Walk:
    """Calls operations through the generated client, by their label in the document."""

    def __init__(self, package: ModuleType, url: str) -> None:
        self.package = package
        self.models = importlib.import_module(f"{package.__name__}.models")
        self.anonymous = package.Client(base_url=url, raise_on_unexpected_status=True)
        self.admin = package.AuthenticatedClient(
            base_url=url, token=ADMIN_TOKEN, raise_on_unexpected_status=True
        )
        self.client = self.admin
        self.document = openapi_document()
        self.walked: list[str] = []

    def call(self, label: str, status: int, client: Any = None, **arguments: Any) -> Any:
        """Call the operation `label` ("POST /v1/..."), expect `status`, and return the parsed
        model (Markdown or HTML: the text)."""
        name = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")
        module = importlib.import_module(f"{self.package.__name__}.api.default.{name}")
        response = module.sync_detailed(client=client or self.client, **arguments)
        assert response.status_code == status, (label, response.content[:500])
        self.walked.append(f"{label} {status}")
        return self.parsed(label, status, response)

    def json(self, label: str, status: int, client: Any = None, **arguments: Any) -> Any:
        """`call`, and the parsed model as JSON data (`to_dict`), for the walk to read."""
        answer = self.call(label, status, client, **arguments)
        return answer.to_dict() if hasattr(answer, "to_dict") else answer

    def parsed(self, label: str, status: int, response: Any) -> Any:
        method, path = label.split(" ", 1)
        documented = self.document["paths"][path][method.lower()]["responses"][str(status)]
        media, content = next(iter(documented.get("content", {}).items()), (None, {}))
        schema = content.get("schema")
        assert schema is not None, f"{label} {status} has no schema"
        if "$ref" in schema:
            # the generator's class name: "CriteriaDefinition-Output" is CriteriaDefinitionOutput
            model = getattr(self.models, re.sub(r"[^A-Za-z0-9]", "", schema["$ref"].split("/")[-1]))
            assert isinstance(response.parsed, model), (label, type(response.parsed))
        elif media == "application/json":
            assert response.parsed is not None, label
        else:  # Markdown or HTML: the client hands back the text
            assert isinstance(response.parsed, str) and response.parsed, label
        return response.parsed

    def body(self, model: str, name: str) -> Any:
        document = json.loads((EX / name).read_text(encoding="utf-8"))
        return getattr(self.models, model).from_dict(document)


@pytest.fixture
def walk(generated: tuple[ModuleType, str], stack: LocalServer) -> Walk:
    return Walk(generated[0], stack.url)


def test_the_readme_walkthrough_through_the_generated_client(walk: Walk) -> None:
    """The README's curl lines, one by one, with the generated client."""
    m = walk.models
    framework = walk.json("GET /v1/framework", 200, walk.anonymous, date=_date("2017-03-01"))
    assert framework["phase"]
    national = walk.call(
        "GET /v1/framework/national-criteria", 200, walk.anonymous, date=_date("2023-03-01")
    )
    assert national.arrangements is not None
    region = walk.call(
        "PUT /v1/regions/{region_id}", 201, region_id=REGION,
        body=walk.body("RegionIn", "support-plan/region.json"),
    )  # fmt: skip
    assert region.region_id == REGION
    token = walk.call("POST /v1/regions/{region_id}/tokens", 201, region_id=REGION)
    assert token.role == "region" and token.region_id == REGION
    walk.client = walk.package.AuthenticatedClient(
        base_url=walk.admin._base_url, token=token.token, raise_on_unexpected_status=True
    )

    request = walk.body("DecisionRequest", "decision-request/valid/pro-all-four-domains.json")
    decision = walk.call(
        "POST /v1/regions/{region_id}/decisions", 201, region_id=REGION, body=request,
        idempotency_key="try-1",
    )  # fmt: skip
    assert isinstance(decision, m.Decision) and decision.volgnummer
    again = walk.call(
        "POST /v1/regions/{region_id}/decisions", 201, region_id=REGION, body=request,
        idempotency_key="try-1",
    )  # fmt: skip
    assert again.decision_id == decision.decision_id  # the key replays the first decision
    page = walk.call(
        "GET /v1/regions/{region_id}/decisions", 200, region_id=REGION,
        student_ref=request.student.ref,
    )  # fmt: skip
    assert [d.decision_id for d in page.items] == [decision.decision_id]
    read = walk.call(
        "GET /v1/regions/{region_id}/decisions/{decision_id}", 200, region_id=REGION,
        decision_id=decision.decision_id,
    )  # fmt: skip
    assert read.to_dict() == decision.to_dict()
    missing = walk.call(
        "GET /v1/regions/{region_id}/decisions/{decision_id}", 404, region_id=REGION,
        decision_id="0" * 32,
    )  # fmt: skip
    assert missing.error.code == "not_found"

    opt_out = walk.json(
        "PUT /v1/regions/{region_id}/opt-out", 200, region_id=REGION,
        body=walk.body("OptOutNotice", "support-plan/opt-out.json"),
    )  # fmt: skip
    assert opt_out
    criteria = walk.body("CriteriaDefinition", "support-plan/criteria.json")
    findings = walk.json(
        "POST /v1/regions/{region_id}/criteria/validate", 200, region_id=REGION, body=criteria
    )
    assert findings["valid"] is True, findings
    label = "POST /v1/regions/{region_id}/criteria"
    stored = walk.json(label, 201, region_id=REGION, body=criteria)
    in_force = walk.json(
        "GET /v1/regions/{region_id}/criteria/in-force", 200, region_id=REGION,
        date=_date("2024-09-01"),
    )  # fmt: skip
    assert in_force["arrangements"]["lwoo"]["version_id"] == stored["version_id"], in_force
    plan = walk.json(
        "POST /v1/regions/{region_id}/support-plans/validate", 200, region_id=REGION,
        body=walk.body("SupportPlan", "support-plan/plan.json"),
    )  # fmt: skip
    assert plan["valid"] is True, plan
    batch_of_one(walk, request.to_dict())


def batch_of_one(walk: Walk, request: dict[str, Any]) -> None:
    """A JSON batch (README "Batches"): submit, wait until it is done, read its rows."""
    body = walk.models.BatchItems.from_dict({"items": [request]})
    accepted = walk.json("POST /v1/regions/{region_id}/batches", 202, region_id=REGION, body=body)
    batch_id = accepted["batch_id"]
    label = "GET /v1/regions/{region_id}/batches/{batch_id}"
    status = walk.json(label, 200, region_id=REGION, batch_id=batch_id)
    deadline = time.monotonic() + 60
    while status["status"] not in ("completed", "failed") and time.monotonic() < deadline:
        time.sleep(0.2)
        status = walk.json(label, 200, region_id=REGION, batch_id=batch_id)
    assert status["status"] == "completed", status
    rows = walk.json(f"{label}/results", 200, region_id=REGION, batch_id=batch_id)["items"]
    assert [(r["row"], r["status"]) for r in rows] == [(1, "decided")], rows
    assert rows[0]["student_ref"] == request["student"]["ref"]


def _date(text: str) -> Any:
    import datetime as dt

    return dt.date.fromisoformat(text)
