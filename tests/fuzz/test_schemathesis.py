"""Schemathesis over `GET /v1/openapi.json` on the running local stack (dynalite + chalice local).

Every operation of the document, with generated paths, query strings, headers and bodies, valid
and invalid ones (positive and negative generation modes), once with the local admin token and
once without a valid token. Each response must: not be a 5xx, have a status code the document
lists for the operation, a content type it lists, and a body matching the schema it gives.

`TOEWIJZING_FUZZ_EXAMPLES` sets the examples per operation and test (default 12, for `make
test`); `make fuzz` runs a longer pass. A failure prints the request as a curl command.
"""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from chalicelib.web.openapi import openapi_document
from tests.fuzz.conftest import ADMIN_TOKEN
from tests.support.local_server import LocalServer

pytestmark = pytest.mark.dynalite
EXAMPLES = int(os.environ.get("TOEWIJZING_FUZZ_EXAMPLES", "12"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
RUN = {"requests": 0}


def load_schema(coverage: bool = True) -> schemathesis.BaseSchema:
    """The document `GET /v1/openapi.json` serves (checked below), loaded at collection time.

    `schemathesis.pytest.from_fixture` (a schema loaded from the running stack) does not work
    with pytest 9 (it reads `Function._nodeid`), so the document comes from the code that serves
    it and `test_the_stack_serves_the_document_the_fuzzer_uses` proves they are the same.
    """
    loaded = schemathesis.openapi.from_dict(openapi_document())
    loaded.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        max_examples=EXAMPLES,
        allow_x00=True,
    )
    # TRACE and QUERY never reach the service: chalice local's HTTP server answers them with a
    # 501 HTML page of its own (API Gateway refuses them before the Lambda too).
    loaded.config.phases.coverage.unexpected_methods = {
        "get", "put", "post", "delete", "options", "patch"
    }  # fmt: skip
    # The coverage phase (boundary values, each constraint broken once, method probes) is
    # thousands of requests; the unauthenticated pass skips it: auth comes before anything else.
    loaded.config.phases.coverage.enabled = coverage
    return loaded


schema = load_schema()
unauthenticated = load_schema(coverage=False)


def test_the_stack_serves_the_document_the_fuzzer_uses(stack: LocalServer) -> None:
    with urllib.request.urlopen(f"{stack.url}/v1/openapi.json", timeout=30) as response:
        assert json.loads(response.read()) == json.loads(json.dumps(openapi_document()))


FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same examples on every run: a red CI is reproducible
    database=None,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@FUZZ_SETTINGS
def test_as_admin_no_5xx_and_every_response_as_documented(case: Case, stack: LocalServer) -> None:
    response = case.call(base_url=stack.url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    RUN["requests"] += 1
    case.validate_response(response, checks=CHECKS)


@unauthenticated.parametrize()
@FUZZ_SETTINGS
def test_without_a_valid_token_no_5xx_and_as_documented(case: Case, stack: LocalServer) -> None:
    if case.headers:
        case.headers.pop("Authorization", None)
    response = case.call(base_url=stack.url)
    RUN["requests"] += 1
    case.validate_response(response, checks=CHECKS)
    probe = case.method.upper() != case.operation.method.upper()
    if case.operation.definition.raw.get("security") != [] and not probe:
        # 400: a malformed region id; 405: a method probe; 415: chalice refuses a body's media
        # type before the route runs. Never a 2xx, 403 or 404: nothing is revealed.
        assert response.status_code in (400, 401, 405, 415), response.text


def test_the_server_logged_one_json_access_line_per_request_and_nothing_else(
    stack: LocalServer,
) -> None:
    """chalice local's own request lines aside, every JSON line the service wrote is an access
    line with exactly the allowed fields: no body, no query string, no header."""
    lines = Path(stack.log_path).read_text(encoding="utf-8", errors="replace").splitlines()
    records = [json.loads(line) for line in lines if line.startswith('{"time"')]
    access = [r for r in records if r["logger"] == "toewijzing.access"]
    # chalice local answers a few probes itself (e.g. OPTIONS, a path it cannot route).
    assert len(access) >= 0.9 * RUN["requests"] > 0
    fields = {"time", "level", "logger", "message", "request_id", "method", "route", "status",
              "duration_ms", "storage_calls", "storage_ms"}  # fmt: skip
    for record in access:
        assert set(record) == fields
        assert record["route"].startswith("/v1/") and "?" not in record["route"]
    assert not [r for r in records if r["level"] in ("ERROR", "CRITICAL")]
    assert ADMIN_TOKEN not in "\n".join(json.dumps(r) for r in records)
    print(f"fuzz: {RUN['requests']} requests, {len(access)} access log lines")
