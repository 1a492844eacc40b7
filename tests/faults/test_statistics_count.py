"""The statistics change count after a decision (issue 15, KEYS.md "Statistics snapshots" and
"Storing a decision"). In one transaction the count cannot fail apart from its decision; in the
ordered writes of a server without transactions (dynalite), an outage at the count never fails
a stored decision, and the next counted change includes it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib.models.region import RegionIn
from chalicelib.models.request import DecisionRequest
from chalicelib.storage.dynamodb import DynamoStorage
from tests.api.conftest import REGION, request_body
from tests.faults.test_partial_and_races import moto_table, services_on


class ThrottleTheCount:
    """Throttles the first UpdateItem of a change count (partition `STATS`)."""

    def __init__(self) -> None:
        self.throttled = 0

    def __call__(self, params: dict[str, Any], **_: Any) -> None:
        if params.get("Key", {}).get("PK", {}).get("S") == "STATS" and not self.throttled:
            self.throttled += 1
            error = {"Error": {"Code": "ThrottlingException", "Message": "injected"}}
            raise ClientError(error, "UpdateItem")  # type: ignore[arg-type]


def test_an_outage_at_the_count_keeps_the_decision_and_the_next_change_counts_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    throttle = ThrottleTheCount()
    with moto_table(monkeypatch) as dynamodb:
        svc = services_on(DynamoStorage(dynamodb, "toewijzing-faults", transactions=False))
        svc.regions.put_region("VO2001", RegionIn.model_validate(REGION))
        t = dt.date(2017, 10, 1)
        before = svc.statistics.region("VO2001", t)
        assert before["figures"]["allocations"]["total"] == 0
        dynamodb.meta.events.register("before-parameter-build.dynamodb.UpdateItem", throttle)
        body = DecisionRequest.model_validate(request_body(student__ref="ll-1"))
        made, replay = svc.decisions.create_decision("VO2001", body, None)  # its count fails
        assert not replay and made.outcome == "granted" and throttle.throttled == 1
        assert svc.statistics.region("VO2001", t) == before  # the snapshot, not yet counted
        other = DecisionRequest.model_validate(request_body(student__ref="ll-2"))
        svc.decisions.create_decision("VO2001", other, None)
        assert svc.statistics.region("VO2001", t)["figures"]["allocations"]["total"] == 2
