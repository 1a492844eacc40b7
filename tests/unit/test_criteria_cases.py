"""Criteria validation as data: tests/cases/criteria/*.json, one case per legal situation.

A case takes a national criteria version (`base`), sets its validity (`effective`), applies a
JSON Patch (RFC 6902) and validates the result for a region with two boards whose opt-out
(`opt_out`: its scope, empty for none) starts on 1 January of the definition's year. Expected:
`valid`, and the (code, JSON pointer) of the findings as a set: the comparison with the national
criteria gives one warning per group of students, all at the arrangement's pointer.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonpatch
import pytest

from chalicelib.cli.common import offline_region
from chalicelib.legal.timeline import FRAMEWORK_IDS, national_criteria, phase_at
from chalicelib.models.criteria import CriteriaDefinition
from chalicelib.models.region import RegionFile

CASES = [
    case
    for path in sorted((Path(__file__).parents[1] / "cases" / "criteria").glob("*.json"))
    for case in json.loads(path.read_text(encoding="utf-8"))
]
REGION: dict[str, Any] = {
    "region_id": "VO2001",
    "name": "SWV VO Testregio",
    "boards": [{"id": "41234", "name": "A"}, {"id": "41235", "name": "B"}],
    "schools": [
        {"brin": "00YY", "name": "Vmbo A", "board_id": "41234", "kinds": ["vmbo"]},
        {"brin": "01AB", "name": "Pro B", "board_id": "41235", "kinds": ["pro"]},
    ],
}


def region_with(scope: list[str], year: int) -> RegionFile:
    opt_outs = []
    if scope:
        opt_outs.append(
            {
                "effective_from": f"{year}-01-01",
                "scope": scope,
                "notified_on": f"{year - 1}-12-01",
                "consents": [
                    {"board_id": "41234", "signed_on": f"{year - 1}-11-20"},
                    {"board_id": "41235", "signed_on": f"{year - 1}-11-21"},
                ],
            }
        )
    return RegionFile.model_validate({**REGION, "opt_outs": opt_outs})


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_criteria_case(case: dict[str, Any]) -> None:
    document = national_criteria(case["base"]).definition.model_dump(mode="json")
    document["effective_from"], document["effective_until"] = case["effective"]
    definition = CriteriaDefinition.model_validate(jsonpatch.apply_patch(document, case["patch"]))
    start = definition.effective_from
    services = offline_region(region_with(case["opt_out"], start.year), start)
    result = services.criteria.validate_criteria("VO2001", definition, case["framework"])
    found = {(f.code, f.path) for f in result.findings}
    expected = case["expected"]
    assert result.valid is expected["valid"], result.findings
    assert {tuple(f) for f in expected["findings"]} == found


def test_every_phase_of_every_framework_has_a_case() -> None:
    covered = {
        (c["framework"], phase_at(c["framework"], dt.date.fromisoformat(c["effective"][0])).id)
        for c in CASES
    }
    assert covered == {
        ("enacted", "integratie-2016"),
        ("enacted", "wvo2020"),
        ("kamerbrief-2014", "integratie-2016"),
        ("kamerbrief-2014", "loslaten"),
    }
    assert {f for f, _ in covered} == set(FRAMEWORK_IDS)
