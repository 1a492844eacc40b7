"""The CLI sends a large file as the presigned POST form the API answers (`cli/uploads.py`)."""

from __future__ import annotations

import email
import email.policy
from typing import Any

from chalicelib.cli import uploads


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, bytes, dict[str, str], bool]] = []

    def request(
        self, method: str, path: str, body: bytes, headers: dict[str, str], auth: bool
    ) -> None:
        self.sent.append((method, path, body, headers, auth))


def parts(body: bytes, content_type: str) -> list[Any]:
    message = email.message_from_bytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body, policy=email.policy.default
    )
    return list(message.iter_parts())  # type: ignore[attr-defined]


def test_a_presigned_post_is_a_form_with_the_file_last_and_no_token() -> None:
    api = Recorder()
    fields = {"key": "uploads/VO2001/x", "policy": "cG9saWN5", "x-amz-signature": "s"}
    upload = {"upload_url": "https://bucket.s3.amazonaws.com/", "method": "POST", "fields": fields}
    data = b"student_ref,arrangement\r\nll-1,lwoo\r\n"
    uploads.send(api, upload, data, "text/csv")  # type: ignore[arg-type]
    [(method, url, body, headers, auth)] = api.sent
    assert (method, url, auth) == ("POST", upload["upload_url"], False)
    assert headers["Content-Type"].startswith("multipart/form-data; boundary=")
    found = parts(body, headers["Content-Type"])
    names = [p.get_param("name", header="content-disposition") for p in found]
    assert names == ["key", "policy", "x-amz-signature", "file"]
    assert found[0].get_content() == "uploads/VO2001/x"
    assert found[-1].get_content_type() == "text/csv"
    assert found[-1].get_payload(decode=True) == data


def test_a_presigned_put_is_sent_as_before() -> None:
    api = Recorder()
    upload = {"upload_url": "https://x/", "method": "PUT", "headers": {"Content-Type": "text/csv"}}
    uploads.send(api, upload, b"a", "text/csv")  # type: ignore[arg-type]
    assert api.sent == [("PUT", "https://x/", b"a", {"Content-Type": "text/csv"}, False)]
