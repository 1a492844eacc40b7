"""A walkthrough that works on any date (issue 14, item 9): the README says when the example
decision's measured values (health data, kept three years) are gone, and its recipe for a
recent copy decides the same with the values visible."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from tests.api.conftest import Api

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "criteria_schemas/examples/decision-request/valid/pro-all-four-domains.json"
README = (ROOT / "README.md").read_text(encoding="utf-8")


def actuals(decision: dict[str, Any]) -> list[Any]:
    return [c["actual"] for route in decision["explanation"] for c in route["conditions"]]


def decide_and_read(api: Api, body: str, on: dt.date, read_on: dt.date) -> dict[str, Any]:
    api.clock[0] = dt.datetime.combine(on, dt.time(12), dt.UTC)
    status, decided, _ = api.call("POST", "/v1/regions/VO2001/decisions", body)
    assert status == 201, decided
    api.clock[0] = dt.datetime.combine(read_on, dt.time(12), dt.UTC)
    _, read, _ = api.call("GET", f"/v1/regions/VO2001/decisions/{decided['decision_id']}")
    return dict(read)


def test_the_readme_says_when_the_examples_measured_values_are_gone(api: Api) -> None:
    dated = re.search(r"The example decision is dated (\d{4}-\d\d-\d\d)", README)
    gone = re.search(r"from\s+(\d{4}-\d\d-\d\d) on, the read-back shows the explanation", README)
    assert dated and gone, "README: the walkthrough explains the absent values"
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    decided_on = dt.date.fromisoformat(example["application"]["date"])
    assert dt.date.fromisoformat(dated.group(1)) == decided_on
    until = dt.date.fromisoformat(gone.group(1))
    assert until == decided_on.replace(year=decided_on.year + 3)
    api.region()
    body = EXAMPLE.read_text(encoding="utf-8")
    before = decide_and_read(api, body, decided_on, until - dt.timedelta(days=1))
    assert any(a is not None for a in actuals(before))  # the measured ones
    api.clock[0] = dt.datetime.combine(until, dt.time(12), dt.UTC)
    _, after, _ = api.call("GET", f"/v1/regions/VO2001/decisions/{before['decision_id']}")
    assert all(a is None for a in actuals(after))
    assert after["outcome"] == before["outcome"] and after["volgnummer"] == before["volgnummer"]


def test_the_readmes_recent_copy_decides_the_same_with_its_values_visible(api: Api) -> None:
    recipe = re.search(r"`sed (-e '[^']+' -e '[^']+') \$EX/decision-request", README)
    assert recipe, "README: the recipe for a recent copy"
    text = EXAMPLE.read_text(encoding="utf-8")
    for old, new in re.findall(r"'s/([^/]+)/([^/]+)/g'", recipe.group(1)):
        text = text.replace(old, new)
    copy = json.loads(text)
    original = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert copy["student"]["ref"] == original["student"]["ref"]
    on = dt.date.fromisoformat(copy["application"]["date"])
    assert on > dt.date.fromisoformat(original["application"]["date"])
    api.region()
    first = decide_and_read(api, EXAMPLE.read_text(encoding="utf-8"), dt.date(2023, 3, 1),
                            dt.date(2023, 3, 1))  # fmt: skip
    recent = decide_and_read(api, text, on, on.replace(year=on.year + 2))
    assert recent["outcome"] == first["outcome"] == "granted"
    assert actuals(recent) == actuals(first) and any(a is not None for a in actuals(recent))
