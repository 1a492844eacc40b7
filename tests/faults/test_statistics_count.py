"""The statistics change count after a decision (issue 15, KEYS.md "Statistics snapshots"): an
outage at the count never fails a stored decision, and the next counted change includes it."""

from __future__ import annotations

import datetime as dt

from chalicelib.models.request import DecisionRequest
from chalicelib.storage.faults import THROTTLE, FaultPlan
from tests.api.conftest import request_body
from tests.faults.test_partial_and_races import region_services


def test_an_outage_at_the_count_keeps_the_decision_and_the_next_change_counts_it() -> None:
    svc, faulty = region_services(FaultPlan({"touch_statistics": {1: THROTTLE}}))
    t = dt.date(2017, 10, 1)
    before = svc.statistics.region("VO2001", t)
    assert before["figures"]["allocations"]["total"] == 0
    body = DecisionRequest.model_validate(request_body(student__ref="ll-1"))
    made, replay = svc.decisions.create_decision("VO2001", body, None)  # its count fails
    assert not replay and made.outcome == "granted"
    assert [i.operation for i in faulty.injected] == ["touch_statistics"]
    assert svc.statistics.region("VO2001", t) == before  # the snapshot, not yet counted
    other = DecisionRequest.model_validate(request_body(student__ref="ll-2"))
    svc.decisions.create_decision("VO2001", other, None)
    assert svc.statistics.region("VO2001", t)["figures"]["allocations"]["total"] == 2
