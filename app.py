"""toewijzing: the HTTP API of docs/api.md on Chalice.

Routes live in blueprints under `chalicelib/web/routes/`, one per capability; each route only
parses, calls a service and responds. This module wires them to one app.

Importing it is a Lambda's cold start, so it loads only chalice, the route table and the thin
HTTP layer; each capability is imported by the first request that needs it (chalicelib/wiring.py).
"""

from __future__ import annotations

import time
from typing import Any

from chalice import Chalice, Rate, Response
from chalice.app import CloudWatchEvent, Request, SQSEvent

from chalicelib.config import BATCH_QUEUE_NAME
from chalicelib.storage import metering
from chalicelib.web import http
from chalicelib.web.operation import operation
from chalicelib.web.routes import (
    batches,
    criteria,
    decisions,
    frameworks,
    letters,
    optout,
    regions,
    statistics,
    support_plan,
)
from chalicelib.wiring import batches as batch_pipeline
from chalicelib.wiring import configure_logging, start_local_sweeper

configure_logging()
app = Chalice(app_name="toewijzing")
for blueprint in (
    frameworks.bp,
    regions.bp,
    optout.bp,
    decisions.bp,
    letters.bp,
    criteria.bp,
    batches.bp,
    support_plan.bp,
    statistics.bp,
):
    app.register_blueprint(blueprint)
http.mirror_gateway_responses()  # chalice local and its test client only: 404 for no route
start_local_sweeper()  # `make run` only (TOEWIJZING_SWEEP_SECONDS): the batch sweeper's thread


@app.middleware("http")
def contract_errors(event: Request, get_response: Any) -> Response:
    """Chalice's own errors (405, unhandled 500s) in the contract's error shape; every text in
    the client's language (`Accept-Language`); one JSON log
    line per request (chalicelib/logs.py: never a body, a query string or a header)."""
    started, rid = time.perf_counter(), http.request_id(event)
    metering.start()
    refused = http.unknown_query(event, app.routes)
    response = http.to_contract_shape(refused or get_response(event), rid)
    response = http.in_language(response, http.language(event))  # chalicelib/messages
    http.log_request(event, rid, response.status_code, started)
    return response


@app.route("/v1/health", methods=["GET"])
@operation("Health", ok=(200, "Health"), public=True)
def health() -> Response:
    return http.json_response({"status": "ok"})


@app.route("/v1/openapi.json", methods=["GET"])
@operation(
    "This document: the OpenAPI 3.1 description of the API", ok=(200, "Document"), public=True
)
def openapi() -> Response:
    from chalicelib.web.openapi import openapi_document

    return http.json_response(openapi_document())


@app.on_sqs_message(queue=BATCH_QUEUE_NAME, batch_size=5)
def batch_worker(event: SQSEvent) -> dict[str, Any]:
    """The worker Lambda: decides batch chunks, reporting failed records one by one."""
    from chalicelib.services.batches.worker import handle_records

    return handle_records(batch_pipeline(), (record.to_dict() for record in event))


@app.schedule(Rate(5, unit=Rate.MINUTES))
def batch_sweeper(event: CloudWatchEvent) -> dict[str, int]:
    """Queues again the work of batches that made no progress for 15 minutes (a lost or
    dead-lettered message); `chalicelib/services/batches/sweeper.py`."""
    from chalicelib.services.batches.sweeper import Sweeper

    return Sweeper(batch_pipeline()).sweep()
