"""The HTTP client of `toewijzing batch`: the batch endpoints of one region, over urllib.

Anything but a 2xx, or no answer at all, is an `ApiError` holding the contract's error body;
GETs are tried again on a 429, a 5xx or a dropped connection. Standard library only.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from chalicelib.cli.common import language
from chalicelib.documents import error_body
from chalicelib.messages import msg

RETRIES = 5  # for GETs that meet a 429, a 5xx or a dropped connection
TIMEOUT = 60.0  # seconds for one request


class ApiError(Exception):
    """The API refused a request, or could not be reached: the contract's error body."""

    def __init__(self, body: dict[str, Any], status: int | None = None) -> None:
        super().__init__(body["error"]["message"])
        self.body = body
        self.status = status


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Api:
    """The batch endpoints of one region, over urllib."""

    def __init__(self, url: str, token: str, region: str) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.region = region

    def absolute(self, path: str) -> str:
        return urllib.parse.urljoin(self.url + "/", path.lstrip("/"))

    @property
    def batches(self) -> str:
        return f"/v1/regions/{urllib.parse.quote(self.region)}/batches"

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        auth: bool = True,
    ) -> Response:
        """One request; ApiError for anything but 2xx, or when there is no answer."""
        sent = {"Accept-Language": language(), **(headers or {})}  # the API answers in it
        if auth:
            sent["Authorization"] = f"Bearer {self.token}"
        url = path if "://" in path else self.absolute(path)
        request = urllib.request.Request(url, data=body, headers=sent, method=method)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
                return Response(answer.status, dict(answer.headers.items()), answer.read())
        except urllib.error.HTTPError as exc:
            raise ApiError(refusal(exc.code, exc.read()), exc.code) from exc
        except (OSError, ValueError) as exc:  # refused, reset, timed out, a malformed URL
            reason = getattr(exc, "reason", exc)
            message = msg("cli.no_answer", method=method, url=url, reason=str(reason))
            raise ApiError(error_body("connection_error", message)) from exc

    def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        """A GET, tried again (with backoff) on a 429, a 5xx or a dropped connection."""
        for attempt in range(RETRIES):
            try:
                return self.request("GET", path, headers=headers)
            except ApiError as exc:
                transient = exc.status is None or exc.status == 429 or exc.status >= 500
                if not transient or attempt == RETRIES - 1:
                    raise
                time.sleep(min(2**attempt * 0.5, 8.0))
        raise AssertionError("unreachable")


def refusal(status: int, raw: bytes) -> dict[str, Any]:
    """The contract's error body of a refused request (or one made up when it has none)."""
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return body
    text = raw.decode("utf-8", "replace").strip()[:200]
    return error_body("http_error", msg("cli.http_error", status=status, text=text or "-"))
