"""Build decision requests for tests from a compact description (see tests/unit/test_cases.py).

A helper module, not a test module: tests/unit is on sys.path while pytest runs these tests.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from chalicelib.models.common import DOMAINS
from chalicelib.models.request import DecisionRequest

REQUEST_KEYS = {"arrangement", "iq", "delays", "sep", "evidence"}

BASE_EVIDENCE: dict[str, Any] = {
    "board_motivation": True,
    "parent_view": True,
    "expert_advice": ["orthopedagoog", "maatschappelijk_werker"],
}
NO_DELAY = [60, 60]


def _days_before(date: dt.date, days: int) -> str:
    return (date - dt.timedelta(days=days)).isoformat()


def build_request(compact: dict[str, Any], date: dt.date) -> dict[str, Any]:
    """The full decision request (a JSON document) that a compact case request stands for."""
    unknown = set(compact) - REQUEST_KEYS
    assert not unknown, f"unknown request keys {unknown}"
    student: dict[str, Any] = {"ref": "case-0001"}

    iq = compact.get("iq")
    if iq is not None:
        default_iq = {
            "score": None,
            "test_date": _days_before(date, 180),
            "instrument": "WISC-V-NL",
            "administered_by": "orthopedagoog",
        }
        student["iq"] = {**default_iq, **(iq if isinstance(iq, dict) else {"score": iq})}

    delays = dict.fromkeys(DOMAINS, NO_DELAY) | compact.get("delays", {})
    student["learning_delays"] = [
        {
            "domain": domain,
            "dl": value[0],
            "dle": value[1],
            "test_date": value[2] if len(value) > 2 else _days_before(date, 30),
        }
        for domain, value in delays.items()
        if value is not None
    ]

    if "sep" in compact:
        default_sep = {
            "prestatiemotivatie": False,
            "faalangst": False,
            "emotionele_instabiliteit": False,
            "hinders_learning": False,
            "test_date": _days_before(date, 180),
            "administered_by": "psycholoog",
        }
        student["sep"] = {**default_sep, **compact["sep"]}

    return {
        "application": {"arrangement": compact["arrangement"], "date": date.isoformat()},
        "student": student,
        "evidence": {**BASE_EVIDENCE, **compact.get("evidence", {})},
    }


def request_for(compact: dict[str, Any], date: str | dt.date = "2017-03-01") -> DecisionRequest:
    """The validated decision request for a compact description, on an application date."""
    day = dt.date.fromisoformat(date) if isinstance(date, str) else date
    return DecisionRequest.model_validate(build_request(compact, day))
