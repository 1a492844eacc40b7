"""The decision letter: `GET` or `POST /v1/regions/{region_id}/decisions/{decision_id}/letter`.

The same callers as reading the decision (admin, or the region's own token). `GET` leaves the
addressee as a placeholder; `POST` may carry `{"addressee": {...}}` (models/letter.py) for this
one page: it is rendered and dropped, never stored or logged (the access log holds no bodies).
"""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.web import http
from chalicelib.web.http import ANY_CONTENT_TYPE, handled
from chalicelib.web.operation import operation
from chalicelib.web.routes.common import REGION_ROLES, caller, current, object_id

bp = Blueprint(__name__)
PATH = "/v1/regions/{region_id}/decisions/{decision_id}/letter"
HTML = "text/html; charset=utf-8"
# The letter loads nothing at all (no scripts, fonts or images; styles inline) and no page may
# frame it.
LETTER_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"


def _letter(region_id: str, decision_id: str, with_body: bool) -> Response:
    from chalicelib.models.letter import LetterRequest
    from chalicelib.render.letter import letter_html

    svc = caller(bp, REGION_ROLES, region_id)
    object_id(decision_id, "decision_id")
    request = current(bp)
    addressee = None
    if with_body and http.body_bytes(request).strip():
        addressee = http.parse_body(request, LetterRequest).addressee
    decision = svc.decisions.get_decision(region_id, decision_id)
    page = letter_html(decision, addressee)
    return Response(
        body=page,
        status_code=200,
        headers={"Content-Type": HTML, "Content-Security-Policy": LETTER_CSP},
    )


@bp.route(PATH, methods=["GET"])
@operation("The decision letter (HTML, A4, Dutch)", ok=(200, "text/html"))
@handled
def get_letter(region_id: str, decision_id: str) -> Response:
    return _letter(region_id, decision_id, with_body=False)


@bp.route(PATH, methods=["POST"], content_types=ANY_CONTENT_TYPE)
@operation(
    "The decision letter, addressed (the body is used once, never kept)",
    ok=(200, "text/html"),
    body="LetterRequest",
    body_required=False,
)
@handled
def post_letter(region_id: str, decision_id: str) -> Response:
    return _letter(region_id, decision_id, with_body=True)
