"""A large batch file to the presigned upload the API hands out (`POST .../batches/uploads`).

The answer says how: `"method": "POST"` with `fields` is an S3 presigned POST (a form whose
policy S3 checks, the file's size among it: `content-length-range`); `"method": "PUT"` with
`headers` a presigned PUT. Standard library only.
"""

from __future__ import annotations

import secrets
from typing import Any

from chalicelib.cli.api_client import Api


def form(fields: dict[str, str], data: bytes, media: str) -> tuple[bytes, str]:
    """A multipart/form-data body of `fields` and then the file (S3 wants it last), and its
    Content-Type."""
    boundary = "toewijzing-" + secrets.token_hex(16)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="batch"\r\n'
            f"Content-Type: {media}\r\n\r\n")  # fmt: skip
    body = b"".join([*parts, head.encode(), data, f"\r\n--{boundary}--\r\n".encode()])
    return body, f"multipart/form-data; boundary={boundary}"


def send(api: Api, upload: dict[str, Any], data: bytes, media: str) -> None:
    """Send `data` as `upload` (the API's answer) says."""
    if upload.get("method") == "POST":
        body, content_type = form(upload.get("fields") or {}, data, media)
        api.request("POST", upload["upload_url"], body, {"Content-Type": content_type}, False)
        return
    headers = upload.get("headers") or {"Content-Type": media}
    api.request(upload.get("method", "PUT"), upload["upload_url"], data, headers, False)
