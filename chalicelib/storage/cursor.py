"""Opaque pagination cursors: base64url of the sort key the next page starts after."""

from __future__ import annotations

import base64
import binascii
import json

from chalicelib.errors import InvalidCursorError
from chalicelib.messages import msg


def encode(after: str) -> str:
    raw = json.dumps({"after": after}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str) -> str:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        after = value["after"]
    except (ValueError, KeyError, TypeError, UnicodeError, binascii.Error) as exc:
        raise InvalidCursorError(msg("error.cursor")) from exc
    if not isinstance(after, str):
        raise InvalidCursorError(msg("error.cursor"))
    return after
