"""Hostile batches (issue 17: every upload ends; budgets; issue 16.5: every body is bounded),
through the HTTP surface with the worker in-process. The corpus batches of
tests/fuzz/corpus/batches.json are checked here too (and over the local stack in
tests/fuzz/test_corpus.py)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from chalicelib import wiring
from chalicelib.services.batches import archives, formats
from chalicelib.services.decisions import Decisions
from tests.api.conftest import Api
from tests.api.test_batches import (
    OSO,
    OSO_QUERY,
    as_csv,
    batch_api,
    cohort,
    recorded_messages,
    results,
    submit,
    zip_of_dossiers,
)
from tests.fuzz.test_corpus import BATCHES, batch_outcome, batch_request

__all__ = ["batch_api"]  # the fixture
BATCHES_URL = "/v1/regions/VO2001/batches"


def post(api: Api, query: str, body: bytes | str, media: str | None, **headers: str) -> Any:
    sent = {"Content-Type": media} if media else {}
    return api.call("POST", BATCHES_URL + query, body, headers={**sent, **headers})


SQS_MESSAGE_BYTES, DYNAMODB_ITEM_BYTES = 256 * 1024, 400 * 1024


@pytest.mark.parametrize("name", sorted(BATCHES))
def test_every_corpus_batch_ends_in_its_expected_state(batch_api: Api, name: str) -> None:
    """And within what SQS and DynamoDB take: no message over 256 KB, no result over 400 KB
    (in AWS a larger one fails its whole chunk, good rows with it)."""
    queue = wiring.batches().queue
    send = queue.send  # type: ignore[union-attr]

    def bounded(messages: Any) -> None:
        messages = list(messages)
        assert all(len(json.dumps(m, default=str)) <= SQS_MESSAGE_BYTES for m in messages)
        send(messages)

    queue.send = bounded  # type: ignore[union-attr,method-assign]
    query, body, media = batch_request(name)
    response = batch_api.client.http.post(
        BATCHES_URL + query, body=body,
        headers={"Authorization": "Bearer test-admin-token",
                 **({"Content-Type": media} if media else {})},
    )  # fmt: skip

    def call(path: str) -> Any:
        status, page, _ = batch_api.call("GET", path)
        assert status == 200, page
        assert all(len(json.dumps(r)) <= DYNAMODB_ITEM_BYTES for r in page.get("items", []))
        return page

    content_type = {k.lower(): v for k, v in response.headers.items()}.get("content-type", "")
    batch_outcome(call, name, response.status_code, response.body, content_type)


UPLOAD_ID = "0123456789abcdef0123456789abcdef"


def uploaded(tmp_path: Path, body: bytes) -> Path:
    """A body as a presigned upload leaves it (the in-process store is the directory)."""
    path = tmp_path / "uploads" / "VO2001" / UPLOAD_ID
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
    return path


def status_of(api: Api, accepted: dict[str, Any]) -> dict[str, Any]:
    _, status, _ = api.call("GET", accepted["status_url"])
    return dict(status)


def test_an_upload_that_does_not_exist_is_a_400_at_once(batch_api: Api) -> None:
    status, body, _ = post(batch_api, f"?upload_id={UPLOAD_ID}&format=text/csv", b"", None)
    assert status == 400, body
    assert body["error"]["details"][0]["path"] == "?upload_id"
    assert batch_api.services.storage._batches == {}  # type: ignore[attr-defined]


def test_an_upload_over_the_limit_is_413_and_deleted_before_it_is_read(
    batch_api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(formats, "MAX_UPLOAD_BYTES", 100)
    path = uploaded(tmp_path, as_csv(cohort()).encode())
    status, body, _ = post(batch_api, f"?upload_id={UPLOAD_ID}&format=text/csv", b"", None)
    assert status == 413, body
    assert not path.exists()


def test_the_presigned_upload_states_its_limit(batch_api: Api) -> None:
    asked: list[tuple[str, str, int]] = []

    def form(key: str, media: str, max_bytes: int) -> dict[str, Any]:
        asked.append((key, media, max_bytes))
        return {"url": "https://s3.invalid/bucket", "fields": {"key": key}}

    wiring.batches().blobs.upload_form = form  # type: ignore[method-assign,assignment]
    status, upload, _ = batch_api.call("POST", f"{BATCHES_URL}/uploads?format=text/csv")
    assert status == 201, upload
    assert upload["max_bytes"] == formats.MAX_UPLOAD_BYTES and upload["method"] == "POST"
    assert asked == [(upload["fields"]["key"], "text/csv", formats.MAX_UPLOAD_BYTES)]


NOT_THEIR_FORMAT = [
    ("application/json", lambda: (Path(__file__).parents[1] / "fuzz" / "corpus"
                                  / "batch-zip-bad-crc.zip").read_bytes()),
    ("application/json", lambda: b'{"items": [{}, {}, {"student": '),
    ("application/zip", lambda: as_csv(cohort()).encode()),
    ("text/csv", lambda: b"PK\x03\x04\x14\x00\x00\x00\x08\x00\xff\xfe\x00\x01binary\n"),
]  # fmt: skip


@pytest.mark.parametrize(("media", "make"), NOT_THEIR_FORMAT)
def test_an_upload_that_is_not_its_format_fails_its_batch_with_an_error(
    batch_api: Api, tmp_path: Path, media: str, make: Any
) -> None:
    path = uploaded(tmp_path, make())
    query = f"?upload_id={UPLOAD_ID}&format={media}" + (
        "&" + OSO_QUERY[1:] if "zip" in media else ""
    )
    status, accepted, _ = post(batch_api, query, b"", None)
    assert status == 202, accepted
    batch = status_of(batch_api, accepted)
    assert batch["status"] == "failed"
    assert batch["error"]["code"] == "validation_error" and batch["error"]["message"]
    assert not path.exists()  # the body is deleted


def test_any_error_while_splitting_fails_the_batch_deletes_the_body_and_logs(
    batch_api: Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    def broken(*_: Any, **__: Any) -> Any:
        raise KeyError("a bug in a reader")

    monkeypatch.setattr(formats, "rows", broken)
    path = uploaded(tmp_path, as_csv(cohort()).encode())
    with caplog.at_level(logging.WARNING, "toewijzing.batch"):
        _, accepted, _ = post(batch_api, f"?upload_id={UPLOAD_ID}&format=text/csv", b"", None)
    batch = status_of(batch_api, accepted)
    assert batch["status"] == "failed"
    assert batch["error"]["code"] == "unreadable_body"
    assert not path.exists()
    assert "batch failed" in caplog.text
    assert batch_api.services.storage._batches  # type: ignore[attr-defined]


def test_a_row_that_cannot_be_decided_is_rejected_and_the_others_decided(
    batch_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:

    real = Decisions.evaluate

    def evaluate(self: Decisions, region_id: str, request: Any, framework: str) -> Any:
        if request.student.ref == "ll-1":
            raise ValueError("year 0 is out of range")
        return real(self, region_id, request, framework)

    monkeypatch.setattr(Decisions, "evaluate", evaluate)
    accepted = submit(batch_api, json.dumps({"items": cohort()}), "application/json")
    rows = results(batch_api, accepted["batch_id"])
    assert [r["status"] for r in rows] == ["decided", "rejected", "decided", "decided"]
    assert rows[1]["errors"][0]["code"] == "internal_error"
    assert status_of(batch_api, accepted)["status"] == "completed"


def test_an_archive_is_split_over_several_messages(
    batch_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(archives, "SPLIT_MEMBERS", 2)
    sent = recorded_messages(wiring.batches())
    accepted = submit(batch_api, zip_of_dossiers(5), "application/zip", OSO_QUERY)
    splits = [m for m in sent if m["kind"] == "split"]
    assert [(m.get("part") or {}).get("start", 0) for m in splits] == [0, 2, 4]
    chunks = [m["chunk"] for m in sent if m["kind"] == "chunk"]
    assert chunks == [0, 1, 2]
    assert [r["status"] for r in results(batch_api, accepted["batch_id"])] == ["decided"] * 5
    batch = status_of(batch_api, accepted)
    assert batch["status"] == "completed" and batch["counts"]["total"] == 5


def test_rows_past_the_batch_budget_are_one_rejected_row(
    batch_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(formats, "MAX_BATCH_ROWS", 2)
    accepted = submit(batch_api, as_csv(cohort()), "text/csv")
    rows = results(batch_api, accepted["batch_id"])
    assert [r["status"] for r in rows] == ["decided", "decided", "rejected"]
    assert rows[2]["errors"][0]["code"] == "batch_rows"
    assert status_of(batch_api, accepted)["counts"]["total"] == 3


def test_unknown_csv_columns_are_listed_once_and_capped(batch_api: Api) -> None:
    header = "student_ref," + ",".join(f"kolom_{i:03d}" for i in range(900))
    status, body, _ = post(batch_api, "", header + "\r\n", "text/csv")
    assert status == 400
    text = json.dumps(body)
    assert text.count("kolom_") == formats.MAX_LISTED and len(text) < 1_000
    assert "and 890 more" in body["error"]["message"]


def test_a_long_cell_or_a_row_that_is_not_utf8_is_rejected_alone(batch_api: Api) -> None:
    header, first, second, *_ = as_csv(cohort()).splitlines(keepends=True)
    long_cell = first.replace(",00YY,", f",{'Y' * 1500},", 1)
    latin1 = second.encode().replace(b"ll-1", b"ll-\xe9")
    body = (header + long_cell).encode() + latin1 + (first + "\r\n,,,\r\n").encode()
    accepted = submit(batch_api, body, "text/csv")
    rows = results(batch_api, accepted["batch_id"])
    assert [(r["row"], r["status"]) for r in rows] == [(1, "rejected"), (2, "rejected"),
                                                       (3, "decided")]  # fmt: skip
    assert rows[0]["errors"][0]["path"] == "/school_brin"
    assert rows[0]["errors"][0]["code"] == "csv_cell_length"
    assert rows[1]["errors"][0]["code"] == "encoding"


def test_a_json_item_past_its_budget_refuses_the_body_at_once(batch_api: Api) -> None:
    body = json.dumps({"items": [cohort()[0], {"x": "y" * 1_100_000}]})
    status, error, _ = post(batch_api, "", body, "application/json")
    assert status == 400
    assert "larger than" in error["error"]["message"]
    status, error, _ = post(batch_api, "", json.dumps({"items": [], "more": 1}), "application/json")
    assert status == 400 and error["error"]["details"][0]["code"] == "batch_shape"


def keyed(api: Api, body: str, key: str, query: str = "") -> Any:
    return post(api, query, body, "application/json", **{"Idempotency-Key": key})


def test_a_batch_sent_twice_with_one_idempotency_key_is_one_batch(batch_api: Api) -> None:
    body = json.dumps({"items": cohort()})
    status, first, headers = keyed(batch_api, body, "batch-2017-03-01")
    assert status == 202 and headers["Idempotent-Replayed"] == "false"
    status, again, headers = keyed(batch_api, body, "batch-2017-03-01")
    assert status == 202 and headers["Idempotent-Replayed"] == "true"
    assert again == first
    storage = batch_api.services.storage
    assert len(storage._batches) == 1  # type: ignore[attr-defined]
    assert len(storage._decisions) == 4  # type: ignore[attr-defined]
    status, error, _ = keyed(batch_api, json.dumps({"items": cohort()[:3]}), "batch-2017-03-01")
    assert status == 409 and error["error"]["code"] == "conflict"
    status, _, _ = keyed(batch_api, body, "another-key")  # a new key is a new batch
    assert status == 202 and len(storage._batches) == 2  # type: ignore[attr-defined]


def test_the_batch_fingerprint_covers_the_format_and_the_parameters(
    batch_api: Api, tmp_path: Path
) -> None:
    xml = (OSO / "Voorbeelddossier_PaO_POSWV_full.xml").read_bytes()
    key = {"Idempotency-Key": "oso-1"}
    status, _, _ = post(batch_api, OSO_QUERY, xml, "application/xml", **key)
    assert status == 202
    for query in (OSO_QUERY.replace("2016-03-01", "2016-04-01"),
                  OSO_QUERY.replace("lwoo", "pro"), OSO_QUERY + ",ib_er"):  # fmt: skip
        status, error, _ = post(batch_api, query, xml, "application/xml", **key)
        assert status == 409, (query, error)
    status, _, headers = post(batch_api, OSO_QUERY, xml, "application/xml", **key)
    assert status == 202 and headers["Idempotent-Replayed"] == "true"
    # an upload: the same key and upload is the first batch, even after its body is gone
    uploaded(tmp_path, json.dumps({"items": cohort()}).encode())
    query = f"?upload_id={UPLOAD_ID}&format=application/json"
    status, first, _ = post(batch_api, query, b"", None, **{"Idempotency-Key": "up-1"})
    assert status == 202
    status, again, headers = post(batch_api, query, b"", None, **{"Idempotency-Key": "up-1"})
    assert (status, again, headers["Idempotent-Replayed"]) == (202, first, "true")
    other_format = query.replace("application/json", "text/csv")
    status, _, _ = post(batch_api, other_format, b"", None, **{"Idempotency-Key": "up-1"})
    assert status == 409


def test_an_invalid_batch_idempotency_key_is_a_400(batch_api: Api) -> None:
    status, error, _ = keyed(batch_api, json.dumps({"items": cohort()}), "no spaces/slashes")
    assert status == 400
    assert error["error"]["details"][0]["path"] == "Idempotency-Key"


def test_a_fraction_in_a_json_item_rejects_that_row_only(batch_api: Api) -> None:
    body = json.dumps({"items": cohort()}).replace('"score": 70', '"score": 70.5', 1)
    accepted = submit(batch_api, body, "application/json")
    rows = results(batch_api, accepted["batch_id"])
    assert [r["status"] for r in rows] == ["decided", "rejected", "decided", "decided"]
    assert rows[1]["errors"][0]["path"] == "/student/iq/score"


def test_a_lost_chunk_of_a_later_archive_part_is_sent_again_with_its_own_rows(
    batch_api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN an archive of 5 dossiers split in parts of 2 members: chunks 0, 1 and 2 (member 5)
    monkeypatch.setattr(archives, "SPLIT_MEMBERS", 2)
    batches = wiring.batches()
    deliver = batches.queue.handler  # type: ignore[union-attr]
    resent: list[dict[str, Any]] = []

    def lose_chunk_2(message: dict[str, Any]) -> None:
        if message["kind"] == "chunk" and message["chunk"] == 2 and not resent:
            resent.append(message)  # the first delivery is lost
            return
        deliver(message)

    batches.queue.handler = lose_chunk_2  # type: ignore[union-attr]
    accepted = submit(batch_api, zip_of_dossiers(5), "application/zip", OSO_QUERY)
    assert status_of(batch_api, accepted)["status"] != "completed"
    # WHEN the sweeper asks for chunk 2 again THEN it is numbered as split numbered it: the
    # fifth member's row, and the batch completes with every row decided once
    batches.resend("VO2001", accepted["batch_id"], [2])
    batch = status_of(batch_api, accepted)
    assert batch["status"] == "completed" and batch["counts"]["total"] == 5
    assert [r["status"] for r in results(batch_api, accepted["batch_id"])] == ["decided"] * 5
