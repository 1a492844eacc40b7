"""The worker Lambda's entry: SQS records in, partial batch response out.

Each record is one message (`split` or `chunk`). A record that fails is reported in
`batchItemFailures`, so SQS delivers only that one again (and after five receives moves it to
the dead-letter queue); the others are done. Handling a message twice changes nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from chalicelib.services.batches.pipeline import Batches

log = logging.getLogger("toewijzing.worker")


def handle_records(batches: Batches, records: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """`records` are the Lambda event's `Records`; returns the partial batch response."""
    failures = []
    for record in records:
        try:
            batches.handle(json.loads(record["body"]))
        except Exception as exc:  # report this record, go on with the others
            log.warning(
                "message failed, SQS will redeliver it",
                extra={"message_id": record.get("messageId"), "error": type(exc).__name__},
            )
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
