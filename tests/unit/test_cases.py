"""Table-driven decision cases, read from tests/cases/*.json, decided by `decide_national`.

Every expected value in those files was worked out from the law (IB WVO art. 15d / UB WVO 2020
art. 2.46-2.51, as read in /work/shared/domain/README.md), never copied from the code's output.

Case file format
----------------
A case file is a JSON list of cases. A case:

    {
      "name": "IQ 85 with BL 16/56 and SP 0,30: lwoo route A",   # a sentence; the pytest id
      "basis": "UB WVO 2020 art. 2.46 lid 5 a",                   # optional, for the reader
      "framework": "enacted",                                     # optional, default "enacted"
      "date": "2017-03-01",                                       # the application date
      "request": {...compact request, see below...},
      "expected": {
        "outcome": "granted" | "refused" | "incomplete",
        "eligible_for": ["lwoo", "pro"],            # compared as a set
        "phase": "integratie-2016",                 # optional
        "criteria_version": "national-2016",        # optional
        "routes_met": ["lwoo-a", "lwoo-a+pro-iq"]   # optional: exactly the routes met
      },
      "expected_findings": ["code", ...],           # optional: each code is among the findings
      "unexpected_findings": ["code", ...],         # optional: none of these codes is
      "expected_error": "no_legal_phase"            # instead of "expected": the error code raised
    }

The compact request (built by tests/unit/dossiers.py) starts from a complete dossier and lets
a case give only what it is about:

    {
      "arrangement": "lwoo" | "pro",                # required
      "iq": 85,             # the score of an IQ test by an orthopedagoog 180 days before `date`;
                            # null: no IQ; an object: merged over that default IQ result
      "delays": {"begrijpend_lezen": [56, 40]},
                            # domain -> [DL, DLE] or [DL, DLE, "test_date"]; every domain not
                            # listed has [60, 60], i.e. no delay; null removes that domain
      "sep": {"faalangst": true, "hinders_learning": true},
                            # absent: no SEP; an object: merged over a SEP by a psycholoog
                            # 180 days before `date` with all four flags false
      "evidence": {"parent_view": false}
                            # merged over {"board_motivation": true, "parent_view": true,
                            #  "expert_advice": ["orthopedagoog", "maatschappelijk_werker"]}
    }

Delay tests default to 30 days before `date`. Handy DL 60 values: DLE 45 = 0,25 exactly,
DLE 46 = 14/60 (just under 0,25), DLE 31 = 29/60 (just under 0,5), DLE 30 = 0,5 exactly.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from dossiers import build_request

from chalicelib.errors import ToewijzingError
from chalicelib.models.request import DecisionRequest
from chalicelib.services.decisions import decide_national

CASES_DIR = Path(__file__).resolve().parent.parent / "cases"
REQUIRED_FILES = {
    "national-lwoo.json",
    "national-pro.json",
    "mixed-profile.json",
    "incomplete.json",
    "phases.json",
    "worked-cases-4-3.json",
}
CASE_KEYS = {
    "name",
    "basis",
    "framework",
    "date",
    "request",
    "expected",
    "expected_findings",
    "unexpected_findings",
    "expected_error",
}
EXPECTED_KEYS = {"outcome", "eligible_for", "phase", "criteria_version", "routes_met"}


def _load_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for path in sorted(CASES_DIR.glob("*.json")):
        for case in json.loads(path.read_text(encoding="utf-8")):
            cases.append({**case, "_file": path.name})
    return cases


CASES = _load_cases()


def test_every_case_file_exists_and_holds_cases() -> None:
    present = {p.name for p in CASES_DIR.glob("*.json")}
    assert present >= REQUIRED_FILES, f"missing case files: {REQUIRED_FILES - present}"
    for name in REQUIRED_FILES:
        assert json.loads((CASES_DIR / name).read_text(encoding="utf-8")), f"{name} is empty"


def test_case_names_are_unique_and_cases_well_formed() -> None:
    names = [c["name"] for c in CASES]
    duplicates = {n for n in names if names.count(n) > 1}
    assert not duplicates, f"duplicate case names: {duplicates}"
    for case in CASES:
        keys = set(case) - {"_file"}
        assert keys <= CASE_KEYS, f"{case['name']}: unknown keys {keys - CASE_KEYS}"
        assert ("expected" in case) != ("expected_error" in case), case["name"]
        if "expected" in case:
            assert set(case["expected"]) <= EXPECTED_KEYS, case["name"]
            assert {"outcome", "eligible_for"} <= set(case["expected"]), case["name"]
            if case["expected"]["outcome"] == "incomplete":
                # the engine's contract: an incomplete dossier opens no arrangement
                assert case["expected"]["eligible_for"] == [], case["name"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    date = dt.date.fromisoformat(case["date"])
    framework = case.get("framework", "enacted")
    request = DecisionRequest.model_validate(build_request(case["request"], date))

    if "expected_error" in case:
        with pytest.raises(ToewijzingError) as raised:
            decide_national(request, framework)
        assert raised.value.code == case["expected_error"]
        return

    evaluation = decide_national(request, framework)
    expected = case["expected"]
    codes = [f.code for f in evaluation.findings]
    context = f"findings={codes}, routes met={[r.route for r in evaluation.explanation if r.met]}"

    assert evaluation.outcome == expected["outcome"], context
    assert sorted(evaluation.eligible_for) == sorted(expected["eligible_for"]), context
    if "phase" in expected:
        assert evaluation.phase.id == expected["phase"]
    if "criteria_version" in expected:
        assert evaluation.criteria.source == "national"
        assert evaluation.criteria.version_id == expected["criteria_version"]
    if "routes_met" in expected:
        met = sorted(r.route for r in evaluation.explanation if r.met)
        assert met == sorted(expected["routes_met"])
    for code in case.get("expected_findings", []):
        assert code in codes, context
    for code in case.get("unexpected_findings", []):
        assert code not in codes, context
    # national decisions hold for the whole school career (README: Duration)
    assert evaluation.valid_until is None
    if evaluation.outcome == "granted":
        assert evaluation.valid_from == date
        assert evaluation.legal_basis, "a granted decision must cite its legal basis"
