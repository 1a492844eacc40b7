"""Table-driven decision cases, read from tests/cases/*.json, decided by `decide_national`.

Every expected value in those files was worked out from the law (IB WVO art. 15d / UB WVO 2020
art. 2.46-2.51, as read in docs/law.md), never copied from the code's output.

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
      "expected_error": "no_legal_phase",           # instead of "expected": the error code raised
      "region": {...}                               # optional: a region's own state, see below
    }

`expected` may also hold `criteria_source` ("national" or "region"), `valid_until` (a date or
null) and `citation`: a text that one of the decision's `legal_basis` citations contains.

Without `region` a case is decided for a region without criteria or opt-out of its own (the
national criteria). With it, the case is decided the way the API decides for a region whose
opt-out (`opt_out`: its scope, starting `opt_out_from`) and one stored criteria version
(`criteria`: a national version as `base`, its validity as `effective`, and a JSON Patch) are
given; the criteria are checked to be permitted first, as the API does before storing them.

    "region": {"opt_out": ["duration"], "opt_out_from": "2017-01-01",
               "criteria": {"base": "national-2016", "effective": ["2017-01-01", null],
                            "patch": [{"op": "replace", "path": "/arrangements/lwoo/duration",
                                       "value": {"kind": "school_years", "years": 2}}]}}

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

import jsonpatch
import pytest
from dossiers import build_request

from chalicelib.domain.conformance import check_criteria
from chalicelib.domain.in_force import (
    CriteriaVersion,
    decide_in_force,
    national_source,
    resolve,
    version_in_force,
)
from chalicelib.errors import ToewijzingError
from chalicelib.legal.timeline import national_criteria, phase_at, phases_spanned
from chalicelib.models.common import Citation
from chalicelib.models.criteria import CriteriaDefinition
from chalicelib.models.decision import Evaluation
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
    "region",
}
EXPECTED_KEYS = {
    "outcome",
    "eligible_for",
    "phase",
    "criteria_version",
    "routes_met",
    "criteria_source",
    "valid_until",
    "citation",
}
# The statutes of each phase, by their wetten.overheid.nl identifier (README: citations): a
# decision cites the articles of the phase in force on its date, never those of another.
STATUTES = {
    "BWBR0005946": "Inrichtingsbesluit WVO",
    "BWBR0002399": "WVO",
    "BWBR0045787": "Uitvoeringsbesluit WVO 2020",
    "BWBR0044212": "WVO 2020",
}
PHASE_STATUTES = {
    "integratie-2016": {"BWBR0005946", "BWBR0002399"},
    "loslaten": {"BWBR0005946", "BWBR0002399"},
    "wvo2020": {"BWBR0045787", "BWBR0044212"},
}


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


def regional_definition(criteria: dict[str, Any]) -> CriteriaDefinition:
    document = national_criteria(criteria["base"]).definition.model_dump(mode="json")
    document["effective_from"], document["effective_until"] = criteria["effective"]
    return CriteriaDefinition.model_validate(jsonpatch.apply_patch(document, criteria["patch"]))


def decide_for_region(
    request: DecisionRequest, framework: str, region: dict[str, Any]
) -> Evaluation:
    """Decide as the API does for a region with this opt-out and criteria version."""

    def scope_on(day: dt.date) -> tuple[str, ...]:
        started = dt.date.fromisoformat(region.get("opt_out_from", "2016-01-01")) <= day
        return tuple(region.get("opt_out", ())) if started else ()

    date = request.application.date
    versions = []
    if "criteria" in region:
        definition = regional_definition(region["criteria"])
        start, end = definition.effective_from, definition.effective_until
        findings = check_criteria(
            definition, phases_spanned(framework, start, end), scope_on(start)
        )
        assert not [f for f in findings if f.severity == "error"], findings
        versions.append(CriteriaVersion("VO2001-case", definition))
    phase = phase_at(framework, date)
    national = national_source(phase.national_criteria.version)
    criteria = resolve(
        framework, phase, date, scope_on(date), version_in_force(versions, date), national
    )
    return decide_in_force(request, criteria)


def uncited(evaluation: Evaluation) -> list[str]:
    """Every finding and condition without a legal basis, or citing a statute of another phase."""
    wrong: list[str] = []
    allowed = PHASE_STATUTES[evaluation.phase.id]

    def check(what: str, basis: tuple[Citation, ...]) -> None:
        if not basis:
            wrong.append(f"{what}: no legal_basis")
        for citation in basis:
            statute = next((b for b in STATUTES if f"/{b}/" in citation.url), None)
            if statute is not None and statute not in allowed:
                wrong.append(f"{what}: {citation.citation} is not of {evaluation.phase.id}")
            if citation.citation.startswith("Regeling screenings") and (
                "voorbeeld" not in citation.citation
            ):
                wrong.append(f"{what}: {citation.citation} cited as the rule, not an example")

    for finding in evaluation.findings:
        check(f"finding {finding.code}", finding.legal_basis)
    for route in evaluation.explanation:
        check(f"route {route.route}", route.legal_basis)
        for condition in route.conditions:
            check(f"route {route.route}, condition {condition.kind}", condition.legal_basis)
    check("decision", evaluation.legal_basis)
    check("health data", evaluation.health_data_legal_basis)
    return wrong


def check_optional_expectations(evaluation: Evaluation, expected: dict[str, Any]) -> None:
    if "phase" in expected:
        assert evaluation.phase.id == expected["phase"]
    if "criteria_version" in expected:
        assert evaluation.criteria.source == "national"
        assert evaluation.criteria.version_id == expected["criteria_version"]
    if "criteria_source" in expected:
        assert evaluation.criteria.source == expected["criteria_source"]
    if "citation" in expected:
        cited = [c.citation for c in evaluation.legal_basis]
        assert any(expected["citation"] in c for c in cited), cited
    if "routes_met" in expected:
        met = sorted(r.route for r in evaluation.explanation if r.met)
        assert met == sorted(expected["routes_met"])


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    date = dt.date.fromisoformat(case["date"])
    framework = case.get("framework", "enacted")
    request = DecisionRequest.model_validate(build_request(case["request"], date))

    def decided() -> Evaluation:
        if "region" in case:
            return decide_for_region(request, framework, case["region"])
        return decide_national(request, framework)

    if "expected_error" in case:
        with pytest.raises(ToewijzingError) as raised:
            decided()
        assert raised.value.code == case["expected_error"]
        return

    evaluation = decided()
    expected = case["expected"]
    codes = [f.code for f in evaluation.findings]
    context = f"findings={codes}, routes met={[r.route for r in evaluation.explanation if r.met]}"

    assert evaluation.outcome == expected["outcome"], context
    assert sorted(evaluation.eligible_for) == sorted(expected["eligible_for"]), context
    check_optional_expectations(evaluation, expected)
    for code in case.get("expected_findings", []):
        assert code in codes, context
    for code in case.get("unexpected_findings", []):
        assert code not in codes, context
    assert uncited(evaluation) == []
    if "valid_until" in expected:
        until = expected["valid_until"]
        assert evaluation.valid_until == (until and dt.date.fromisoformat(until))
    elif "region" not in case:
        # national decisions hold for the whole school career (README: Duration)
        assert evaluation.valid_until is None
    if evaluation.outcome == "granted":
        assert evaluation.valid_from == date
        assert evaluation.legal_basis, "a granted decision must cite its legal basis"
