"""Every answer an API test gets is checked against `GET /v1/openapi.json`: its status is one
the operation documents, and a JSON body matches the schema documented for that status (with
format checks). So the whole API suite, not only the fuzzer, holds the routes to the document
and the document to the routes (`Api.call` in tests/api/conftest.py calls `check`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from chalicelib.web.openapi import openapi_document


@cache
def _operations() -> list[tuple[re.Pattern[str], str, dict[str, Any]]]:
    found = []
    for template, item in openapi_document()["paths"].items():
        pattern = re.sub(r"\\{[a-z_]+\\}", "[^/]+", re.escape(template))
        found.append((re.compile(f"^{pattern}$"), template, item))
    return found


@cache
def _validator(ref: str) -> Draft202012Validator:
    components = openapi_document()["components"]
    return Draft202012Validator(
        {"$ref": ref, "components": components}, format_checker=FormatChecker()
    )


CONDITIONAL = {"Link"}  # only when there is a next page


def check(
    method: str,
    path: str,
    status: int,
    content_type: str,
    body: Any,
    headers: Mapping[str, str] | None = None,
) -> None:
    """Fail when the answer is not as the document says (unknown paths and methods aside:
    their 404 and 405 are the error shape, tested in tests/api/test_errors.py): its status,
    media type, body, and the response headers the document names (sent when documented,
    documented when sent)."""
    bare = path.split("?")[0]
    matched = [(t, item) for pattern, t, item in _operations() if pattern.match(bare)]
    if not matched:
        return
    # A literal path wins over a template ("/criteria/in-force" over "/criteria/{...}").
    template, item = min(matched, key=lambda m: m[0].count("{"))
    operation = item.get(method.lower())
    if operation is None or status == 500:
        return  # a 500 is a bug, documented by no operation (tests/api/test_errors.py)
    documented = operation["responses"]
    assert str(status) in documented, f"{method} {template} answered {status}: not documented"
    if headers is not None:
        _check_headers(f"{method} {template} {status}", documented[str(status)], headers)
    media = content_type.split(";")[0].strip()
    content = documented[str(status)].get("content", {})
    if status == 204 or body is None:
        assert not content or status >= 300, f"{method} {template} {status}: no body"
        return
    assert media in content, f"{method} {template} {status}: {media} is not documented"
    schema = content[media]["schema"]
    if media == "application/json":
        errors = sorted(_validator(schema["$ref"]).iter_errors(body), key=str)
        assert not errors, (
            f"{method} {template} {status}: {errors[0].message} at {errors[0].json_path}"
        )


def _check_headers(where: str, response: dict[str, Any], headers: Mapping[str, str]) -> None:
    named = {"Location", "Idempotent-Replayed", "X-Criteria-Version", "Retry-After", "Link"}
    documented = set(response.get("headers", {}))
    sent = {name for name in named if name in headers}
    assert sent <= documented, f"{where} sent {sorted(sent - documented)}: not documented"
    missing = documented - sent - CONDITIONAL
    assert not missing, f"{where} did not send {sorted(missing)}"
