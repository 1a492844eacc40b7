"""What a batch submission checks before it is accepted: its `Idempotency-Key` and its upload.

A batch's `Idempotency-Key` is claimed as a decision's is (`services/decisions.py`), in a
namespace of its own (`batch/<key>`: a key may not hold a `/`, so it meets no decision key).
Its fingerprint covers every input that changes the batch's result: the format, the query
parameters (the OSO arrangement, date and evidence, an upload's id) and the body. The same key
with the same submission returns the first batch; with another, a 409.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any

from chalicelib.errors import ConflictError, PayloadTooLargeError, RequestValidationError
from chalicelib.messages import msg
from chalicelib.models.batch_responses import BatchAccepted
from chalicelib.services.batches import formats
from chalicelib.services.decisions import IDEMPOTENCY_KEY
from chalicelib.storage.ports import IdempotencyRecord, Storage
from chalicelib.storage.transport import BlobStore


def fingerprint(media: str, params: dict[str, Any], body: bytes | None) -> str:
    digest = hashlib.sha256(json.dumps([media, params], sort_keys=True).encode())
    digest.update(b"\0" + (body if body is not None else b""))
    return digest.hexdigest()


def claim(storage: Storage, region_id: str, key: str, body_hash: str, batch_id: str) -> str:
    """The batch id held by `key`: `batch_id` if the key is new."""
    if not IDEMPOTENCY_KEY.match(key):
        raise RequestValidationError(
            msg("error.idempotency_key"),
            [{"path": "Idempotency-Key", "code": "idempotency_key",
              "message": msg("detail.idempotency_key")}],
        )  # fmt: skip
    held = storage.claim_idempotency(
        IdempotencyRecord(region_id, f"batch/{key}", body_hash, batch_id)
    )
    if held.body_hash != body_hash:
        raise ConflictError(msg("error.idempotency_reused_batch"))
    return held.decision_id


def check_upload(blobs: BlobStore, key: str, limit: int) -> None:
    """An upload that is not there is a 400 at once; one over `limit` bytes a 413 (and
    deleted), before anything of it is read."""
    size = blobs.size(key)
    if size is None:
        raise RequestValidationError(
            msg("error.no_upload"),
            [{"path": "?upload_id", "code": "upload_missing", "message": msg("detail.no_upload")}],
        )
    if size > limit:
        blobs.delete(key)
        raise PayloadTooLargeError(msg("error.upload_too_large", size=size, limit=limit))


def accepted(region_id: str, batch_id: str) -> BatchAccepted:
    url = f"/v1/regions/{region_id}/batches/{batch_id}"
    return BatchAccepted(batch_id=batch_id, status_url=url, results_url=f"{url}/results")


def oso_parameters(
    media: str, params: dict[str, Any], secret: Callable[[], bytes]
) -> formats.OsoParameters | None:
    """The parameters an OSO body (a dossier or a zip of them) is read with, from the
    submission's query; None for JSON and CSV."""
    if media not in (formats.XML, formats.ZIP):
        return None
    missing = [p for p in ("arrangement", "date") if not params.get(p)]
    if missing or params.get("arrangement") not in ("lwoo", "pro"):
        raise RequestValidationError(
            msg("error.oso_parameters"),
            [{"path": f"?{p}", "code": "missing", "message": msg("validation.missing")}
             for p in missing or ["arrangement"]],
        )  # fmt: skip
    try:
        date = dt.date.fromisoformat(params["date"])
    except ValueError as exc:
        raise RequestValidationError(msg("error.oso_date")) from exc
    advice = [a for a in str(params.get("expert_advice", "")).split(",") if a]
    evidence = {
        "board_motivation": params.get("board_motivation") in ("true", "ja", "1"),
        "parent_view": params.get("parent_view") in ("true", "ja", "1"),
        "expert_advice": advice,
    }
    return formats.OsoParameters(params["arrangement"], date, evidence, secret())


def row_results_page(
    storage: Storage, region_id: str, batch_id: str, cursor: str | None, limit: int
) -> dict[str, Any]:
    """A page of a batch's (or an impact run's) row results, from `cursor` (the `next` value
    of the page before); `next` is null on the last page."""
    after = 0
    if cursor:
        if not cursor.isdigit():
            raise RequestValidationError(
                msg("error.cursor"),
                [{"path": "?cursor", "code": "cursor", "message": msg("detail.cursor")}],
            )
        after = int(cursor)
    items, last = storage.list_row_results(region_id, batch_id, after, limit)
    return {"items": items, "next": None if last is None else str(last)}
