"""The HTTP glue shared by the route blueprints: bodies in, errors and JSON out.

Every route is wrapped by `@handled`, which answers an error of `chalicelib/errors.py` with its
class's status and the contract's error body. An error without a status of its own, and any
other exception, is a bug: chalice logs it with its stack trace and answers 500, which the
middleware (`to_contract_shape`) turns into `internal_error` with only the request id.

Part of what `import app` loads, so it loads no pydantic itself (chalicelib/wiring.py says why):
`parse_body` is handed a model class, whose import has loaded pydantic already.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import re
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from chalice.app import Request, Response

from chalicelib import errors, logs
from chalicelib.documents import error_body, parse_json, validation_details
from chalicelib.errors import MalformedJsonError
from chalicelib.messages import MARK, msg, negotiate, render_text, render_tree
from chalicelib.storage import metering
from chalicelib.web.operation import declared, query_names

if TYPE_CHECKING:
    from pydantic import BaseModel

log = logging.getLogger("toewijzing")
M = TypeVar("M", bound="BaseModel")
ANY_CONTENT_TYPE = ["*/*"]  # we check media types ourselves, to answer in our error shape
MAX_BODY_BYTES = 1_000_000
EARLIEST_DATE, LATEST_DATE = dt.date(1900, 1, 1), dt.date(2099, 12, 31)  # as models/common.py
# On every response: no MIME sniffing; and no copy in any cache (decisions, tokens and figures
# are about children or are secrets; the few public documents are cheap to compute again).
SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}

CHALICE_CODES = {
    400: "validation_error",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    500: "internal_error",
}


def request_id(request: Request | None) -> str:
    context = getattr(request, "context", None) or {}
    value = context.get("requestId")
    if isinstance(value, str):
        return value  # API Gateway's
    import uuid  # here, not at import: on Lambda (ids from API Gateway) it is never needed

    return uuid.uuid4().hex


def log_request(request: Request, rid: str, status: int, started: float) -> None:
    """The request's one access log line: its route template, never the concrete path; and
    the storage calls it made since `metering.start()` (at the start of the request)."""
    context = getattr(request, "context", None) or {}
    route = context.get("resourcePath")
    calls, storage_ms = metering.totals()
    logs.access(
        rid,
        str(getattr(request, "method", "")),
        route if isinstance(route, str) else "(unknown)",
        status,
        (time.perf_counter() - started) * 1e3,
        storage=(calls, storage_ms),
    )


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """`body`: a response model (`chalicelib/models/responses.py`: sent with the fields its
    document had, by their JSON names), a Decision (a dataclass) or plain JSON data."""
    return Response(
        body=json.dumps(json_data(body), ensure_ascii=False),
        status_code=status,
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )


def json_data(body: Any) -> Any:
    if hasattr(body, "model_dump"):  # a pydantic model (pydantic is loaded: it made it)
        return body.model_dump(mode="json", exclude_unset=True, by_alias=True)
    if hasattr(body, "__dataclass_fields__"):  # a Decision: slotted dataclasses, for speed
        return _adapter(body.__class__).dump_python(body, mode="json")
    return body


@functools.cache
def _adapter(kind: Any) -> Any:
    from pydantic import TypeAdapter  # loaded already: the service validated the body with it

    return TypeAdapter(kind)


def markdown_response(text: str, headers: dict[str, str] | None = None) -> Response:
    return Response(
        body=text,
        status_code=200,
        headers={"Content-Type": "text/markdown; charset=utf-8", **(headers or {})},
    )


def error_response(exc: errors.ToewijzingError) -> Response:
    status = exc.status
    details = exc.details if isinstance(exc, errors.RequestValidationError) else ()
    headers = (
        {"Retry-After": str(exc.extra.get("retry_after", 5))} if status in (429, 503) else None
    )
    return json_response(
        error_body(exc.code, exc.message, details=details, findings=exc.findings), status, headers
    )


def handled(view: Callable[..., Response]) -> Callable[..., Response]:
    """Map errors raised by a route to the contract's error responses; an error whose class
    has no status of its own (the base's 500) goes on to chalice, as any other bug does."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except errors.ToewijzingError as exc:
            if exc.status == errors.ToewijzingError.status:
                raise
            return error_response(exc)

    return wrapper


def unknown_query(request: Request, routes: Mapping[str, Mapping[str, Any]]) -> Response | None:
    """400 for a query parameter the route's operation does not name (its `@operation`): a
    misspelt `?teldatun=` must not give the default count date's figures without a word."""
    given = set(request.query_params or {})
    context = getattr(request, "context", None) or {}
    entry = routes.get(str(context.get("resourcePath")), {}).get(str(request.method))
    op = declared(entry.view_function) if entry is not None and given else None
    unknown = sorted(given - query_names(op)) if op is not None else []
    if not unknown:
        return None
    names = [name[:40] for name in unknown[:10]]  # echoed cut: a name may be of any length
    detail = msg("detail.query_unknown")
    details = [
        {"path": f"?{name}", "code": "unknown_parameter", "message": detail} for name in names
    ]
    return error_response(
        errors.RequestValidationError(msg("error.query_unknown", names=names), details)
    )


NO_ROUTE = "No operation of the API is at this path; see GET /v1/openapi.json."  # gen_resources


def mirror_gateway_responses() -> None:
    """Locally (`chalice local`, chalice's test client), answer a path no route serves as the
    merge template's gateway response does in AWS (MISSING_AUTHENTICATION_TOKEN,
    `scripts/gen_resources.py`): 404 `not_found` in the error shape, not chalice's
    `403 {"message": "Missing Authentication Token"}`. A no-op unless chalice's local gateway is
    loaded already, which a Lambda never does; a known path with another method is chalice's
    405, which `to_contract_shape` answers as `method_not_allowed`."""
    import sys

    local: Any = sys.modules.get("chalice.local")
    if local is None or getattr(local.LocalGateway, "mirrors_gateway_responses", False):
        return
    original = local.LocalGateway.handle_request

    def handle_request(self: Any, method: str, path: str, headers: Any, body: Any) -> Any:
        try:
            return original(self, method, path, headers, body)
        except local.ForbiddenError as exc:
            if exc.headers.get("x-amzn-ErrorType") != "UnauthorizedException":
                raise  # an authorizer's refusal, not a missing route
            document = {"error": {"code": "not_found", "message": NO_ROUTE}}
            return {
                "statusCode": 404,
                "headers": {"Content-Type": "application/json; charset=utf-8", **SECURITY_HEADERS},
                "multiValueHeaders": {},
                "body": json.dumps(document),
            }

    local.LocalGateway.handle_request = handle_request
    local.LocalGateway.mirrors_gateway_responses = True


def language(request: Request | None) -> str:
    """The language the client asks for (`Accept-Language`): `nl` or `en`, default `nl`."""
    headers = getattr(request, "headers", None) or {}
    value = headers.get("accept-language")
    return negotiate(value if isinstance(value, str) else None)


ESCAPED_MARK = json.dumps(MARK)[1:-1]  # how the mark looks inside a JSON text: \u001e


def in_language(response: Response, lang: str) -> Response:
    """The response's message tokens (`chalicelib/messages`) rendered in `lang`, and the
    headers that say so. Only texts change: codes, paths and data are the same in every
    language. A JSON body is rendered as a document; a Markdown body as text."""
    body = response.body
    content_type = str(response.headers.get("Content-Type", ""))
    if isinstance(body, str) and content_type.startswith("application/json"):
        if ESCAPED_MARK in body:
            response.body = json.dumps(render_tree(json.loads(body), lang), ensure_ascii=False)
    elif isinstance(body, str) and MARK in body:
        response.body = render_text(body, lang)
    response.headers["Content-Language"] = lang
    response.headers["Vary"] = "Accept-Language"
    return response


def to_contract_shape(response: Response, rid: str) -> Response:
    """Chalice's own errors (`{"Code", "Message"}`) and unhandled 500s in our error shape."""
    body = response.body
    if response.status_code >= 400 and isinstance(body, dict) and "Code" in body:
        code = CHALICE_CODES.get(response.status_code, "error")
        message = msg(f"error.{code}")
        if response.status_code >= 500:
            message = msg("error.internal", rid=rid)
        headers = {
            k: v if isinstance(v, str) else ", ".join(v)
            for k, v in response.headers.items()
            if k.lower() != "content-type"
        }
        response = json_response(
            {"error": {"code": code, "message": message}}, response.status_code, headers
        )
    response.headers["X-Request-Id"] = rid
    response.headers.update(SECURITY_HEADERS)
    return response


def body_bytes(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    raw = request.raw_body
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    if len(data) > limit:
        raise errors.PayloadTooLargeError(msg("error.body_too_large", limit=limit))
    return data


def json_document(request: Request) -> Any:
    """The request's JSON body, parsed exactly; 415 for another media type, 400 when broken."""
    content_type = (request.headers.get("content-type") or "application/json").lower()
    if content_type.split(";")[0].strip() != "application/json":
        sent = content_type.split(";")[0].strip()
        text = msg("error.send_json", sent=sent) if sent else msg("error.send_json_nothing")
        raise errors.UnsupportedMediaTypeError(text)
    data = body_bytes(request)
    if not data.strip():
        raise errors.RequestValidationError(msg("error.body_missing"))
    try:
        return parse_json(data)
    except MalformedJsonError as exc:
        raise errors.RequestValidationError(msg("error.body_not_json", reason=str(exc))) from exc


def parse_body(request: Request, model: type[M]) -> M:
    from pydantic import ValidationError  # loaded already, with `model`

    document = json_document(request)
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        details = validation_details(exc, document)
        raise errors.RequestValidationError(
            msg("error.body_invalid", model=model.__name__), details
        ) from exc


def query(request: Request, name: str) -> str | None:
    params = request.query_params
    value = params.get(name) if params is not None else None
    return value if isinstance(value, str) else None


def query_date(request: Request, name: str = "date") -> dt.date | None:
    """A date in the query, within 1900-2099 as every date a client sends
    (`chalicelib/models/common.py` `InputDate`)."""
    value = query(request, name)
    if value is None:
        return None
    try:
        date = dt.date.fromisoformat(value) if len(value) == 10 else _bad_date(name, value)
    except ValueError:
        return _bad_date(name, value)
    if not EARLIEST_DATE <= date <= LATEST_DATE:
        raise errors.RequestValidationError(
            msg("error.query_date_range", name=name, value=value),
            [{"path": f"?{name}", "code": "date_range", "message": msg("detail.date_range")}],
        )
    return date


def _bad_date(name: str, value: str) -> dt.date:
    raise errors.RequestValidationError(
        msg("error.query_date", name=name, value=value[:40]),
        [{"path": f"?{name}", "code": "date_parsing", "message": msg("validation.date_type")}],
    )


def query_limit(request: Request, default: int = 20, maximum: int = 100) -> int:
    value = query(request, "limit")
    if value is None:
        return default
    if not value.isdigit() or not 1 <= int(value) <= maximum:
        raise errors.RequestValidationError(
            msg("error.query_limit", maximum=maximum),
            [{"path": "?limit", "code": "limit", "message": msg("detail.limit", maximum=maximum)}],
        )
    return int(value)


def path_id(value: str, pattern: str, what: str) -> str:
    """A path parameter checked against its pattern (no traversal, no odd characters)."""
    if not re.fullmatch(pattern, value):
        raise errors.RequestValidationError(
            msg("error.path_pattern", what=what, value=value[:40], pattern=pattern),
            [{"path": f"{{{what}}}", "code": "string_pattern_mismatch", "message": pattern}],
        )
    return value


def missing_query(name: str) -> errors.RequestValidationError:
    return errors.RequestValidationError(
        msg("error.query_missing", name=name),
        [{"path": f"?{name}", "code": "missing", "message": msg("validation.missing")}],
    )
