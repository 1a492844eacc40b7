"""Schemathesis over `GET /v1/openapi.json` on the running local stack (dynalite + chalice local).

Every operation of the document, with generated paths, query strings, headers and bodies, valid
and invalid ones (positive and negative generation modes), once with the local admin token and
once without a valid token; and stateful chains along the links schemathesis infers. Every check
schemathesis has runs on every response (`test_every_check_schemathesis_has_is_on`): no 5xx;
status code, content type, headers and body as documented; schema-valid data accepted and
schema-violating data refused (ALSO_REFUSED names, per operation and with its reason, what the
document cannot state); a missing required header refused; an undocumented method a 405; auth
enforced (ignored_auth re-sends an admin request without a token and with a wrong one); a
resource there after its creation and gone after its deletion.

`TOEWIJZING_FUZZ_EXAMPLES` sets the examples per operation and test (default 12, for `make
test`); `make fuzz` runs a longer pass. A failure prints the request as a curl command.
"""

from __future__ import annotations

import copy
import json
import os
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case, GenerationMode

from chalicelib.web.openapi import openapi_document
from tests.fuzz.conftest import ADMIN_TOKEN
from tests.support.local_server import LocalServer

pytestmark = pytest.mark.dynalite
EXAMPLES = int(os.environ.get("TOEWIJZING_FUZZ_EXAMPLES", "12"))
STEPS = 6  # the longest chain of one stateful scenario
RUN = {"requests": 0}
ACCEPTS = ["2xx", "3xx", "401", "403", "404", "409", "429"]  # schemathesis's default, less 5xx
# positive_data_acceptance: a request the document calls valid must be accepted. These
# operations may also refuse one, for a reason no JSON Schema can state; each names its reason.
LEGAL = "422 no_legal_phase: a date before 2016 has no legal phase in force"
RULES = "400: a rule across fields (a model validator; e.g. dates in 1900-2099, each domain once)"
CURSOR = "400: a cursor must be one the service handed out"
TELDATUM = "400: a count date after next year (the range moves with today)"
REGION = "/v1/regions/{region_id}"
ALSO_REFUSED: dict[str, tuple[list[str], str]] = {
    "GET /v1/framework": (["422"], LEGAL),
    "GET /v1/framework/national-criteria": (["422"], LEGAL),
    "GET /v1/framework/national-criteria.md": (["422"], LEGAL),
    f"POST {REGION}/decisions": (["400", "422"], f"{RULES}; {LEGAL}"),
    f"GET {REGION}/decisions": (["400"], CURSOR),
    f"PUT {REGION}/opt-out": (["400", "422"], f"{RULES}; {LEGAL}; or opt_out_not_permitted"),
    f"POST {REGION}/criteria/validate": (["400", "422"], f"{RULES}; {LEGAL}"),
    f"POST {REGION}/criteria": (["400", "422"], f"{RULES}; {LEGAL}; or criteria_not_permitted"),
    f"GET {REGION}/criteria/in-force": (["422"], LEGAL),
    f"POST {REGION}/criteria/impact": (["400", "422"], f"{RULES}; {LEGAL}"),
    f"POST {REGION}/criteria/impact-runs": (["400", "422"], f"{RULES}; {LEGAL}"),
    f"GET {REGION}/criteria/impact-runs/{{run_id}}/affected": (["400"], CURSOR),
    f"POST {REGION}/support-plans/validate": (["400", "422"], f"{RULES}; {LEGAL}"),
    f"POST {REGION}/support-plans": (["400", "422"], f"{RULES}; {LEGAL}"),
    f"POST {REGION}/support-plans/{{plan_id}}/publish": (
        ["422"], "422 plan_not_publishable: the stored plan decides"),
    f"PUT {REGION}": (["400"], "400: schools must name boards of the body"),
    f"POST {REGION}/tokens": (["400"], "400: TokenIn allows any role; here only region"),
    "POST /v1/tokens": (["400"], "400: a region token is made under its region"),
    "PUT /v1/budget-shares/{year}": (["400"], "400: the shares must sum to 1"),
    f"PUT {REGION}/enrolments/{{teldatum}}": (
        ["400", "422"], f"{RULES}; {TELDATUM}; 422 unknown_school: the region's schools"),
    f"POST {REGION}/batches": (
        ["400", "415", "422"], "CSV, XML and zip bodies have a grammar of their own; OSO needs "
        "?arrangement and ?date; ?upload_id needs ?format"),
    f"GET {REGION}/batches/{{batch_id}}/results": (["400"], CURSOR),
    f"POST {REGION}/batches/uploads": (
        ["422"], "422 uploads_unavailable: the local stack has no upload bucket"),
    **{
        f"{method} {path}": (["400"], TELDATUM)
        for method, path in [
            ("GET", f"{REGION}/enrolments/{{teldatum}}"),
            ("DELETE", f"{REGION}/enrolments/{{teldatum}}"),
            ("GET", f"{REGION}/statistics"),
            ("GET", f"{REGION}/report"),
            ("GET", "/v1/statistics"),
            ("GET", "/v1/report"),
        ]
    },
}  # fmt: skip


REJECTS = ["400", "401", "403", "404", "405", "406", "409", "415", "422", "428", "429"]


def checks_config() -> schemathesis.Config:
    """Every check schemathesis has, with ALSO_REFUSED's statuses for those operations; and
    negative_data_rejection takes a 413 where the document lists it (a body over 1 MB, e.g.
    more items than maxItems allows, is refused before it is read)."""
    operations: list[dict[str, Any]] = [
        {
            "include-name": name,
            "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTS, *also]}},
        }
        for name, (also, _reason) in ALSO_REFUSED.items()
    ]
    for path, item in openapi_document()["paths"].items():
        for method, operation in item.items():
            if "413" in operation["responses"]:
                rejects = {"negative_data_rejection": {"expected-statuses": [*REJECTS, "413"]}}
                operations.append({"include-name": f"{method.upper()} {path}", "checks": rejects})
    return schemathesis.Config.from_dict({"operations": operations})


def zip_body(_ctx: schemathesis.SerializationContext, value: Any) -> bytes:
    """A batch's zip body is bytes to the fuzzer (the hostile archives are in the corpus)."""
    return value if isinstance(value, bytes) else str(value).encode()


schemathesis.serializer("application/zip")(zip_body)


def load_schema(coverage: bool = True) -> schemathesis.BaseSchema:
    """The document `GET /v1/openapi.json` serves (checked below), loaded at collection time.

    `schemathesis.pytest.from_fixture` (a schema loaded from the running stack) does not work
    with pytest 9 (it reads `Function._nodeid`), so the document comes from the code that serves
    it and `test_the_stack_serves_the_document_the_fuzzer_uses` proves they are the same.
    """
    # A copy: schemathesis writes into the document it is given (the links it infers), and
    # openapi_document() is cached.
    document = copy.deepcopy(openapi_document())
    loaded = schemathesis.openapi.from_dict(document, config=checks_config())
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


def test_every_check_schemathesis_has_is_on() -> None:
    from schemathesis.checks import CHECKS, load_all_checks

    load_all_checks()
    names = CHECKS.get_all_names()
    assert len(names) >= 14 and "negative_data_rejection" in names
    for loaded in (schema, unauthenticated):
        for result in loaded.get_all_operations():
            operation = result.ok()
            config = loaded.config.checks_config_for(operation=operation)
            off = [name for name in names if not getattr(config, name).enabled]
            assert off == [], (operation.label, off)


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
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    response = case.call(base_url=stack.url, headers=admin)
    RUN["requests"] += 1
    case.validate_response(response, headers=admin, transport_kwargs={"base_url": stack.url})


@unauthenticated.parametrize()
@FUZZ_SETTINGS
def test_without_a_valid_token_no_5xx_and_as_documented(case: Case, stack: LocalServer) -> None:
    if case.headers:
        case.headers.pop("Authorization", None)
    response = case.call(base_url=stack.url)
    RUN["requests"] += 1
    case.validate_response(response, transport_kwargs={"base_url": stack.url})
    probe = case.method.upper() != case.operation.method.upper()
    if case.operation.definition.raw.get("security") != [] and not probe:
        # 400: a malformed region id; 405: a method probe; 415: chalice refuses a body's media
        # type before the route runs. Never a 2xx, 403 or 404: nothing is revealed.
        assert response.status_code in (400, 401, 405, 415), response.text


Workflow = schema.as_state_machine()


def test_workflows_as_admin_every_check_on_every_step(stack: LocalServer) -> None:
    """Stateful: chains of operations along the links schemathesis infers from the document
    (a token made, then revoked; a decision made, then read), so that the checks that look back
    at earlier steps (use_after_free, ensure_resource_availability, object_level_authorization)
    run too; each step with every check, as above."""
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}

    class AsAdmin(Workflow):  # type: ignore[misc,valid-type]
        def get_call_kwargs(self, case: Case) -> dict[str, Any]:
            return {"base_url": stack.url, "headers": admin}

        def after_call(self, response: Any, case: Case) -> None:
            super().after_call(response, case)
            RUN["requests"] += 1

        def validate_response(self, response: Any, case: Case, **kwargs: Any) -> None:
            # `headers`: the token is ours, not generated (ignored_auth then probes without it)
            case.validate_response(
                response, headers=admin, transport_kwargs={"base_url": stack.url},
                recorder=self.recorder,
            )  # fmt: skip

    before = RUN["requests"]
    AsAdmin.run(settings=settings(FUZZ_SETTINGS, stateful_step_count=STEPS))
    print(f"stateful: {RUN['requests'] - before} requests")


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
