"""Batch submissions: submit (JSON, CSV, OSO XML or zip), status, per-row results."""

from __future__ import annotations

import io
from typing import Any

from chalice.app import Blueprint, Response

from chalicelib.errors import UnsupportedMediaTypeError
from chalicelib.messages import msg, render_tree, say
from chalicelib.web import http
from chalicelib.web.http import ANY_CONTENT_TYPE, handled, json_response
from chalicelib.web.operation import operation
from chalicelib.web.routes.common import REGION_ROLES, caller, current, object_id
from chalicelib.wiring import batches

bp = Blueprint(__name__)
BASE = "/v1/regions/{region_id}/batches"
MAX_BATCH_BYTES = 10_000_000  # API Gateway's limit; larger bodies go through an upload
RESULT_COLUMNS = ("row", "student_ref", "status", "decision_id", "volgnummer", "outcome",
                  "eligible_for", "errors", "reasons")  # fmt: skip
# The JSON form is the model BatchItems; the others are bodies with a grammar of their own.
BATCH_MEDIA = ("BatchItems", "text/csv", "application/xml", "application/zip")
OSO_PARAMETERS = ("arrangement", "date", "board_motivation", "parent_view", "expert_advice")
OSO_QUERY = ("arrangement", "date:oso", "board_motivation", "parent_view", "expert_advice")


@bp.route(BASE, methods=["POST"], content_types=ANY_CONTENT_TYPE)
@operation(
    "Submit a batch",
    ok=(202, "BatchAccepted"),
    body=BATCH_MEDIA,
    body_required=False,
    errors=(409,),  # the Idempotency-Key with another body
    query=("upload_id", "format", *OSO_QUERY),
    headers=("Idempotency-Key",),
    sends_headers=("Location", "Idempotent-Replayed"),
)
@handled
def submit(region_id: str) -> Response:
    from chalicelib.services.batches import formats

    caller(bp, REGION_ROLES, region_id)
    request = current(bp)
    params: dict[str, Any] = {p: http.query(request, p) for p in OSO_PARAMETERS}
    params = {k: v for k, v in params.items() if v is not None}
    upload_id = http.query(request, "upload_id")
    if upload_id is not None:
        object_id(upload_id, "upload_id")
        params["upload_key"] = f"uploads/{region_id}/{upload_id}"
        media = formats.media_type(http.query(request, "format"))
        body = None
    else:
        media = formats.media_type(request.headers.get("content-type"))
        body = http.body_bytes(request, MAX_BATCH_BYTES)
    if media not in formats.FORMATS:
        raise UnsupportedMediaTypeError(
            msg("batch.send_format", formats=list(formats.FORMATS), sent=media or "-")
        )
    key = request.headers.get("idempotency-key")
    accepted, replayed = batches().accept(region_id, media, body, params, key)
    headers = {"Location": accepted.status_url, "Idempotent-Replayed": str(replayed).lower()}
    return json_response(accepted, 202, headers)


@bp.route(f"{BASE}/uploads", methods=["POST"], content_types=ANY_CONTENT_TYPE)
@operation(
    "A presigned upload for a large batch", ok=(201, "UploadForm"), errors=(422,), query=("format",)
)
@handled
def upload(region_id: str) -> Response:
    from chalicelib.services.batches import formats

    caller(bp, REGION_ROLES, region_id)
    media = formats.media_type(http.query(current(bp), "format") or formats.CSV)
    return json_response(batches().upload(region_id, media), 201)


@bp.route(BASE + "/{batch_id}", methods=["GET"])
@operation("A batch's status and counts", ok=(200, "BatchStatus"))
@handled
def status(region_id: str, batch_id: str) -> Response:
    caller(bp, REGION_ROLES, region_id)
    object_id(batch_id, "batch_id")
    return json_response(batches().status(region_id, batch_id))


@bp.route(BASE + "/{batch_id}/results", methods=["GET"])
@operation(
    "A batch's results per row (JSON, or CSV with Accept: text/csv)",
    ok=(200, "BatchResultsPage"),
    also=("text/csv",),
    query=("cursor", "limit:1000"),
    sends_headers=("Link",),
)
@handled
def results(region_id: str, batch_id: str) -> Response:
    caller(bp, REGION_ROLES, region_id)
    object_id(batch_id, "batch_id")
    request = current(bp)
    page = batches().results(
        region_id, batch_id, http.query(request, "cursor"), http.query_limit(request, 100, 1000)
    )
    if "text/csv" in (request.headers.get("accept") or ""):
        lang = http.language(request)
        return csv_response(render_tree(http.json_data(page), lang), lang)
    return json_response(page)


def csv_response(page: dict[str, Any], lang: str) -> Response:
    import csv

    from chalicelib.render.safe_text import csv_row

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(RESULT_COLUMNS)
    for item in page["items"]:
        cells = {c: item.get(c) or "" for c in RESULT_COLUMNS}
        cells["eligible_for"] = ";".join(item.get("eligible_for") or [])
        cells["errors"] = "; ".join(
            f"{e.get('path', '')} {e.get('message', '')}".strip() for e in item.get("errors", [])
        )
        cells["reasons"] = reasons(item, lang)
        writer.writerow(csv_row(cells[c] for c in RESULT_COLUMNS))  # no formulas
    headers: dict[str, str | list[str]] = {"Content-Type": "text/csv; charset=utf-8"}
    if page["next"]:
        headers["Link"] = f'<?cursor={page["next"]}>; rel="next"'
    return Response(body=out.getvalue(), status_code=200, headers=headers)


def reasons(item: dict[str, Any], lang: str) -> str:
    """Why a row is rejected or `incomplete`: its errors and error findings, each as `code at
    path: message` (`code bij path: message` in Dutch), joined by `; ` (README, "Results")."""
    listed = [*item.get("errors", []), *item.get("findings", [])]
    return "; ".join(
        say(
            lang,
            "batch.reason",
            code=e.get("code", ""),
            path=e.get("path") or "/",
            message=e.get("message", ""),
        )
        for e in listed
        if e.get("severity", "error") == "error"
    )
