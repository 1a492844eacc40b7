"""The decision letter's pure core (chalicelib/render/letter*.py), on decisions the engine makes.

Every national case of tests/cases/*.json is decided by `decide_national` and rendered: each
letter says which decision it is, names every missing item of an incomplete dossier in its own
words (never the catch-all), and cites the bezwaar articles of the decision's phase. Escaping,
the removed measured values and the catalog's own consistency are checked on top.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import string
from pathlib import Path
from typing import Any

import pytest
from dossiers import request_for

from chalicelib.models.decision import Decision, Evaluation
from chalicelib.models.letter import Addressee
from chalicelib.render.letter import letter_html, parse_decision
from chalicelib.render.letter_texts import catalog
from chalicelib.services.decisions import decide_national, split_health_data
from chalicelib.services.decisions import decisions_adapter as adapter

CASES_DIR = Path(__file__).resolve().parent.parent / "cases"
CATCH_ALL = "ontbreekt of is niet bruikbaar ("
TITLES = {
    ("granted", "lwoo"): "<h1>Aanwijzing leerwegondersteunend onderwijs (lwoo)</h1>",
    ("granted", "pro"): "<h1>Toelaatbaarheidsverklaring praktijkonderwijs (pro)</h1>",
    ("refused", "lwoo"): "<h1>Afwijzing van de aanvraag voor leerwegondersteunend",
    ("refused", "pro"): "<h1>Afwijzing van de aanvraag voor praktijkonderwijs",
    ("incomplete", "lwoo"): "<h1>Verzoek om het dossier aan te vullen</h1>",
    ("incomplete", "pro"): "<h1>Verzoek om het dossier aan te vullen</h1>",
}
COMMITTEE = {"integratie-2016": "WVO art. 17a lid 13", "wvo2020": "WVO 2020 art. 2.47 lid 15"}


def national_cases() -> list[dict[str, Any]]:
    cases = []
    for path in sorted(CASES_DIR.glob("*.json")):
        for case in json.loads(path.read_text(encoding="utf-8")):
            if "expected" in case and "region" not in case:
                cases.append(case)
    return cases


def as_decision(evaluation: Evaluation, **changes: Any) -> Decision:
    """A stored decision around an evaluation, as the service numbers it."""
    fields = {f.name: getattr(evaluation, f.name) for f in dataclasses.fields(Evaluation)}
    number = {"decision_id": "0" * 32, "volgnummer": "VO2001-2017-000007", "region_id": "VO2001"}
    return Decision(**fields, **{**number, "student_ref": "ll-1", **changes})


@pytest.mark.parametrize("case", national_cases(), ids=lambda c: c["name"][:80])
def test_every_national_case_gets_its_letter(case: dict[str, Any]) -> None:
    request = request_for(case["request"], case["date"])
    decision = as_decision(decide_national(request, case.get("framework", "enacted")))
    page = letter_html(decision)
    assert TITLES[(decision.outcome, decision.arrangement)] in page
    assert CATCH_ALL not in page
    errors = [f for f in decision.findings if f.severity == "error"]
    assert page.count("<li>") >= len(errors)
    assert (decision.outcome == "incomplete") == bool(errors)
    says_objection = COMMITTEE.get(decision.phase.id, "WVO art. 17a lid 13") in page
    assert says_objection == (decision.outcome != "incomplete")
    assert ("in beroep gaan bij de rechtbank (Awb art. 8:1)" in page) == says_objection
    assert "<script" not in page


def test_a_missing_domain_is_named() -> None:
    compact = {"arrangement": "lwoo", "iq": 85, "delays": {"spellen": None}}
    decision = as_decision(decide_national(request_for(compact)))
    page = letter_html(decision)
    assert decision.outcome == "incomplete"
    assert "Er ontbreekt: spellen." in page


def test_the_completion_term_is_four_weeks_from_the_decision_date() -> None:
    decision = as_decision(decide_national(request_for({"arrangement": "pro", "iq": None})))
    page = letter_html(decision)
    assert decision.decided_on == dt.date(2017, 3, 1)
    assert "uiterlijk 29 maart 2017" in page and "4 weken" in page
    assert "Awb art. 4:5 lid 1" in page


def test_measured_values_removed_are_said_to_be_gone() -> None:
    compact = {"arrangement": "lwoo", "iq": 85, "delays": {"begrijpend_lezen": [56, 40]}}
    evaluation = decide_national(request_for(compact))
    kept = as_decision(evaluation, health_data_until=dt.date(2020, 3, 1))
    document = adapter().dump_python(kept, mode="json")
    gone = parse_decision(split_health_data(document)[0])  # what storage returns after the term
    kept_page, gone_page = letter_html(kept), letter_html(gone)
    assert "IQ 85" in kept_page and "16 van 56 maanden (28,5%)" in kept_page  # rounded down
    assert "IQ 85" not in gone_page and "16 van 56" not in gone_page
    assert "niet meer bewaard" in gone_page and "niet langer dan 3 jaar" in gone_page
    assert "WVO art. 17a lid 14" in gone_page


def test_everything_from_the_decision_is_escaped() -> None:
    evaluation = decide_national(request_for({"arrangement": "lwoo", "iq": 100}))
    route = dataclasses.replace(evaluation.explanation[0], route="<script>alert(1)</script>")
    decision = as_decision(
        dataclasses.replace(evaluation, explanation=(route, *evaluation.explanation[1:])),
        student_ref='"><img src=x onerror=alert(2)>',
    )
    hostile = Addressee(name="<b>Jan</b> & co", address_lines=("<i>straat</i>",))
    page = letter_html(decision, hostile)
    assert "<script" not in page and "<img" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;Jan&lt;/b&gt; &amp; co" in page


def test_the_catalog_names_only_simple_placeholders() -> None:
    texts = catalog()["texts"]
    for code, text in texts.items():
        names = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
        assert all(re.fullmatch(r"[a-z_]+", n) for n in names), (code, names)
        assert "<" not in text and ">" not in text, code  # texts are words, not markup
    assert catalog()["completion_term"]["weeks"] >= 1


def test_a_limited_validity_and_regional_criteria_are_said() -> None:
    delays = {"begrijpend_lezen": [60, 42], "inzichtelijk_rekenen": [60, 39]}
    evaluation = decide_national(request_for({"arrangement": "lwoo", "iq": 85, "delays": delays}))
    assert evaluation.outcome == "granted"
    regional = dataclasses.replace(
        evaluation,
        valid_until=dt.date(2019, 8, 1),
        criteria=dataclasses.replace(evaluation.criteria, source="region", version_id="v-2017"),
    )
    page = letter_html(as_decision(regional))
    assert "geldt vanaf 1 maart 2017. Vanaf 1 augustus 2019 geldt het niet meer." in page
    assert "eigen criteria van het samenwerkingsverband gebruikt (versie v-2017)" in page
    assert "hele schoolloopbaan" not in page
    national = letter_html(as_decision(evaluation))
    assert "voor de hele schoolloopbaan" in national and "landelijke criteria" in national
