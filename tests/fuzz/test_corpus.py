"""A corpus of hostile inputs (tests/fuzz/corpus/), each sent over HTTP to the decision and
criteria routes of the running local stack: every one gets a 4xx in the contract's error shape.
And hostile batches (`batch-*`, written by tests/fuzz/make_batch_corpus.py), each submitted to
the batch route: `batches.json` gives the status of the submission and, when accepted, the
state the batch ends in and each row's status (issue 17: every upload ends, budgets).

Files: `decision-*` go to the decision route, `criteria-*` to the two criteria routes, `any-*`
to all three; the extension gives the Content-Type (.json application/json, .xml
application/xml, .csv text/csv, .urlencoded application/x-www-form-urlencoded). `generated.json`
describes the inputs too big to keep as files (10 MB, deep nesting): prefix + repeat * times +
middle + close * times. `paths.txt` lists hostile paths (traversal, NUL, CR/LF, 5000 chars).
`expected.json` names the exact status of some bodies (any other: a 4xx). `requests.json` holds
whole exchanges (issue 17: dates, enrolments, tokens, idempotency, free text), each a list of
steps with method, path, body, headers and the exact status; a step with `save` keeps the
`token` and `token_id` of its answer for later steps' `{token}` and `{token_id}`.
"""

from __future__ import annotations

import http.client
import json
import time
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import request_body
from tests.fuzz.conftest import ADMIN_TOKEN
from tests.support.local_server import LocalServer

pytestmark = pytest.mark.dynalite
CORPUS = Path(__file__).parent / "corpus"
ROUTES = {
    "decision": ["/v1/regions/VO2001/decisions"],
    "criteria": ["/v1/regions/VO2001/criteria/validate", "/v1/regions/VO2001/criteria"],
}
ROUTES["any"] = ROUTES["decision"] + ROUTES["criteria"]
MEDIA = {
    ".json": "application/json",
    ".xml": "application/xml",
    ".csv": "text/csv",
    ".urlencoded": "application/x-www-form-urlencoded",
}
# Lenient but harmless: JSON parsers may accept a BOM or UTF-16 (RFC 8259 section 8.1).
MAY_SUCCEED = {"any-bom-prefixed.json", "any-utf16.json"}


NOT_BODIES = {"generated.json", "expected.json", "requests.json"}
EXPECTED: dict[str, int] = {
    name: status
    for name, status in json.loads((CORPUS / "expected.json").read_text(encoding="utf-8")).items()
    if not name.startswith("_")
}


def corpus_files() -> list[Path]:
    return sorted(
        p
        for p in CORPUS.iterdir()
        if p.suffix in MEDIA and p.name not in NOT_BODIES and not p.name.startswith("batch")
    )


BATCHES: dict[str, dict[str, Any]] = json.loads((CORPUS / "batches.json").read_text("utf-8"))
BATCH_MEDIA = {**MEDIA, ".zip": "application/zip"}
OSO_QUERY = ("arrangement=lwoo&date=2016-03-01&board_motivation=true&parent_view=true"
             "&expert_advice=orthopedagoog,maatschappelijk_werker")  # fmt: skip


def batch_request(name: str) -> tuple[str, bytes, str | None]:
    """The query, body and Content-Type of the corpus batch `name` (batches.json)."""
    spec = BATCHES[name]
    query = OSO_QUERY if spec.get("query") == "oso" else spec.get("query", "")
    path = CORPUS / name
    if not path.exists():
        return f"?{query}", b"", None
    body = path.read_bytes()
    for marker, (text, times) in spec.get("expand", {}).items():
        body = body.replace(marker.encode(), text.encode() * times)
    return f"?{query}" if query else "", body, BATCH_MEDIA[path.suffix]


def batch_outcome(call: Any, name: str, status: int, raw: bytes, content_type: str) -> None:
    """Check the submission of corpus batch `name` and, through `call(path) -> dict`, the state
    its batch ends in and its rows."""
    spec = BATCHES[name]
    assert status == spec["submit"], (status, raw[:300])
    if status >= 400:
        assert_contract_error(status, raw, content_type)
        assert len(raw) <= spec.get("max_error_bytes", 5_000)
        return
    accepted = json.loads(raw)
    batch = call(accepted["status_url"])
    for _ in range(300):
        if batch["status"] in ("completed", "failed"):
            break
        time.sleep(0.2)
        batch = call(accepted["status_url"])
    assert batch["status"] == spec["batch"], batch
    rows = call(accepted["results_url"] + "?limit=1000")["items"]
    assert [r["status"] for r in rows] == spec["rows"], rows


def generated() -> dict[str, bytes]:
    specs = json.loads((CORPUS / "generated.json").read_text(encoding="utf-8"))
    return {
        name: (
            s["prefix"] + s["repeat"] * s["times"] + s["middle"] + s["close"] * s["times"]
        ).encode()
        for name, s in specs.items()
    }


def cases() -> list[Any]:
    found = []
    for path in corpus_files():
        kind = path.name.split("-")[0]
        for route in ROUTES[kind]:
            found.append(
                pytest.param(path.name, route, id=f"{path.name}->{route.rsplit('/', 2)[-1]}")
            )
    for name in generated():
        for route in ROUTES["any"]:
            found.append(pytest.param(name, route, id=f"{name}->{route.rsplit('/', 2)[-1]}"))
    return found


def send(
    server: LocalServer,
    method: str,
    path: str,
    body: bytes = b"",
    content_type: str | None = None,
    extra: dict[str, str] | None = None,
) -> tuple[int, bytes, str]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", **(extra or {})}
    if content_type is not None:
        headers["Content-Type"] = content_type
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read(), response.getheader("Content-Type") or ""
    finally:
        conn.close()


def assert_contract_error(status: int, raw: bytes, content_type: str) -> None:
    assert 400 <= status < 500, (status, raw[:300])
    assert content_type.startswith("application/json"), content_type
    body = json.loads(raw)
    assert set(body) == {"error"}, body
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


@pytest.mark.parametrize(("name", "route"), cases())
def test_every_hostile_body_gets_a_4xx_in_the_error_shape(
    stack: LocalServer, name: str, route: str
) -> None:
    big = generated()
    if name in big:
        body, media = big[name], "application/json"
    else:
        body, media = (CORPUS / name).read_bytes(), MEDIA[Path(name).suffix]
    status, raw, content_type = send(stack, "POST", route, body, media)
    if name in MAY_SUCCEED and status in (200, 201):
        return
    assert_contract_error(status, raw, content_type)
    if name in EXPECTED:
        assert status == EXPECTED[name], raw[:300]
    if len(body) > 1_000_000:
        assert status == 413
    if media != "application/json":
        assert status == 415


@pytest.mark.parametrize(
    "content_type",
    [None, "", "text/plain", "multipart/form-data; boundary=x", "application/json-patch+json",
     "application/x-www-form-urlencoded", "application/xml", "text/json"],
)  # fmt: skip
@pytest.mark.parametrize("route", ROUTES["any"])
def test_a_valid_body_with_the_wrong_content_type_is_refused_or_read_as_json(
    stack: LocalServer, route: str, content_type: str | None
) -> None:
    """A missing Content-Type is read as JSON (the contract's default); any other is a 415."""
    body = json.dumps(request_body()).encode()
    status, raw, media = send(stack, "POST", route, body, content_type)
    if content_type in (None, ""):
        assert status < 500, raw[:300]
        if status >= 400:
            assert_contract_error(status, raw, media)
        return
    assert status == 415, raw[:300]
    assert_contract_error(status, raw, media)


@pytest.mark.parametrize(
    "path", (CORPUS / "paths.txt").read_text(encoding="utf-8").split(), ids=lambda p: p[:60]
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_hostile_paths_are_refused_without_reaching_data(
    stack: LocalServer, path: str, method: str
) -> None:
    """Never a 2xx or a 5xx. The service answers 400 (the id does not match its pattern); a path
    chalice local cannot route at all gets its own 403 (as API Gateway's), never our data."""
    body = json.dumps(request_body()).encode() if method == "POST" else b""
    query = "?student_ref=ll-2017-0042" if method == "GET" else ""
    status, raw, media = send(stack, method, path + query, body, "application/json")
    assert 400 <= status < 500, (status, raw[:300])
    if status != 403:
        assert_contract_error(status, raw, media)


def exchanges() -> list[Any]:
    found = json.loads((CORPUS / "requests.json").read_text(encoding="utf-8"))
    return [pytest.param(e["steps"], id=e["name"]) for e in found]


@pytest.mark.parametrize("steps", exchanges())
def test_every_exchange_gets_its_status(stack: LocalServer, steps: list[dict[str, Any]]) -> None:
    saved: dict[str, str] = {}
    for step in steps:
        path = step["path"].format(**saved)
        headers = dict(step.get("headers", {}))
        if "token" in step:
            headers["Authorization"] = "Bearer " + step["token"].format(**saved)
        body = json.dumps(step["body"]).encode() if "body" in step else b""
        media = "application/json" if "body" in step else None
        status, raw, content_type = send(stack, step["method"], path, body, media, headers)
        assert status == step["status"], (step["method"], path, raw[:300])
        if status >= 400:
            assert_contract_error(status, raw, content_type)
        if step.get("save"):
            answer = json.loads(raw)
            saved.update(token=answer["token"], token_id=answer["token_id"])


@pytest.mark.parametrize("name", sorted(BATCHES))
def test_every_hostile_batch_ends_in_its_expected_state(stack: LocalServer, name: str) -> None:
    query, body, media = batch_request(name)
    status, raw, content_type = send(stack, "POST", f"/v1/regions/VO2001/batches{query}", body,
                                     media)  # fmt: skip

    def call(path: str) -> Any:
        answer, content, _ = send(stack, "GET", path)
        assert answer == 200, content[:300]
        return json.loads(content)

    batch_outcome(call, name, status, raw, content_type)
