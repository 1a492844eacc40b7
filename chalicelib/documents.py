"""JSON documents at the edges: exact parsing, the contract's error body, pydantic errors as
JSON pointers. Shared by the HTTP layer, the batch worker and the command line.

The error body is `{"error": {"code", "message", "details", "findings"}}`. Pydantic locations
become JSON pointers into the document the client sent: a discriminated union adds its tag
(`iq`) to a location, and a model validator adds nothing, so the pointer follows the document
rather than the location.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from chalicelib.errors import MalformedJsonError
from chalicelib.messages import MARK, msg
from chalicelib.messages.format import catalog

if TYPE_CHECKING:  # annotations only: the error middleware must not load pydantic
    from pydantic import ValidationError

    from chalicelib.models.common import Finding


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        raise MalformedJsonError(msg("json.duplicate_key", key=dup))
    return dict(pairs)


MAX_INT_DIGITS = 100  # far beyond any whole number of the contract; below Python's own limit


def whole_number(text: str) -> int:
    """A JSON integer; one of more than `MAX_INT_DIGITS` digits is refused in the contract's
    words (Python's own error would name `sys.set_int_max_str_digits`)."""
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise MalformedJsonError(msg("json.too_many_digits", digits=MAX_INT_DIGITS))
    return int(text)


def parse_json(raw: bytes | str) -> Any:
    """Parse a JSON body exactly: numbers with a fraction become `Decimal`, never float."""
    try:
        return json.loads(
            raw, parse_float=Decimal, parse_int=whole_number, object_pairs_hook=_no_duplicates
        )
    except MalformedJsonError:
        raise
    except RecursionError as exc:
        raise MalformedJsonError(msg("json.too_deep")) from exc
    except json.JSONDecodeError as exc:
        where = {"line": exc.lineno, "column": exc.colno}
        raise MalformedJsonError(msg("json.syntax", detail=exc.msg, **where)) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedJsonError(msg("json.not_utf8", detail=str(exc))) from exc


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def pointer(loc: Sequence[int | str], document: Any) -> str:
    """The JSON pointer into `document` that a pydantic error location designates.

    Segments that are not in the document are skipped (a union tag such as `iq`), except a
    missing field, which is named where it belongs.
    """
    parts: list[str] = []
    node = document
    for segment in loc:
        if isinstance(node, dict) and isinstance(segment, str):
            if node.get("kind") == segment:
                continue  # the tag of a discriminated union (before any field of that name)
            # a missing or unknown field: point at it, and stop descending
            node = node.get(segment)
        elif isinstance(node, list) and isinstance(segment, int) and 0 <= segment < len(node):
            node = node[segment]
        else:
            continue
        parts.append(_escape(str(segment)))
    return "".join("/" + p for p in parts)


def validation_details(exc: ValidationError, document: Any) -> list[dict[str, str]]:
    details: list[dict[str, str]] = []
    for error in exc.errors(include_url=False, include_input=False):
        loc = tuple(error["loc"])
        if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
            # point at the tag field itself (`kind`), not at the object holding it
            loc += (str(error.get("ctx", {}).get("discriminator", "")).strip("'"),)
        details.append(
            {
                "path": pointer(loc, document),
                "code": error["type"],
                "message": detail_message(error),
            }
        )
    return details


def detail_message(error: Any) -> str:
    """A pydantic error as a message token: its type's text from the catalogs with its context
    (`validation.<type>`); our own validators' `ValueError` carries a token already. A type the
    catalogs lack keeps pydantic's English text, marked as such."""
    ctx = error.get("ctx") or {}
    cause = str(ctx.get("error", ""))
    if error["type"] == "value_error" and cause.startswith(MARK):
        return cause
    code = f"validation.{error['type']}"
    if code not in catalog("en"):
        return msg("validation.other", detail=error["msg"])
    return msg(code, **{name: str(value) for name, value in ctx.items()})


def error_body(
    code: str,
    message: str,
    *,
    details: Sequence[dict[str, str]] = (),
    findings: Sequence[Finding] = (),
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = list(details)
    if findings:
        error["findings"] = [f.model_dump(mode="json") for f in findings]
    return {"error": error}
