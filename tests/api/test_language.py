"""Dutch and English through the HTTP surface (`Accept-Language`, README "Language").

Real responses, in both languages: a decision of each outcome, a batch row (JSON and CSV), a
support plan's validation with findings, errors, the criteria comparison, the Markdown pages and
the report page. An `nl` response holds no text of the `en` catalog and an `en` response none of
the `nl` catalog (templates that read the same in both are left out); codes, paths and data are
the same in both; every response says its language; a stored decision reads in either language,
and one stored before the catalogs (plain text) reads as it was stored.
"""

from __future__ import annotations

import copy
import json
import string
from typing import Any

import pytest

from chalicelib.legal.timeline import national_criteria
from chalicelib.messages import MARK
from chalicelib.messages.format import catalog
from tests.api.conftest import ADMIN, ROOT, Api, request_body

EXAMPLES = ROOT / "criteria_schemas" / "examples" / "support-plan"
TEXT_KEYS = {"message", "expected", "detail"}  # the keys whose values are texts
# Shorter pieces of a template ("IQ ", " en "), and single words (a term of the law such as
# "samenwerkingsverbanden" also stands in English texts and in data), say nothing of a language.
MIN_FRAGMENT = 12


def fragments(own: dict[str, str], other: dict[str, str]) -> set[str]:
    """The literal pieces of `own`'s templates that no template of `other` contains."""
    other_text = "\n".join(other.values())
    found = set()
    for code, template in own.items():
        if template == other.get(code):
            continue  # reads the same in both languages (a placeholder, "IQ {iq}")
        for literal, *_ in string.Formatter().parse(template):
            piece = literal.strip(" .,;:()'\"")
            if len(piece) >= MIN_FRAGMENT and " " in piece and piece not in other_text:
                found.add(piece)
    return found


EN_ONLY = fragments(catalog("en"), catalog("nl"))
NL_ONLY = fragments(catalog("nl"), catalog("en"))


def test_each_language_has_texts_of_its_own() -> None:
    assert "The dossier has no IQ score" in EN_ONLY
    assert "Het dossier heeft geen IQ-score" in NL_ONLY
    assert len(EN_ONLY) > 300 and len(NL_ONLY) > 300


def get(api: Api, path: str, lang: str | None, accept: str | None = None) -> tuple[int, str, Any]:
    headers = {"Authorization": f"Bearer {ADMIN}"}
    if lang is not None:
        headers["Accept-Language"] = lang
    if accept is not None:
        headers["Accept"] = accept
    response = api.client.http.get(path, headers=headers)
    return response.status_code, response.body.decode("utf-8"), response.headers


# Data in the responses, the same in every language: the titles of the national criteria.
DATA = [national_criteria(v).title for v in ("national-2016", "national-2022")]


def check_language(text: str, lang: str) -> None:
    """No token left, and no text of the other language's catalog (data aside)."""
    assert MARK not in text and "\\u001e" not in text
    for data in DATA:
        text = text.replace(data, "")
    foreign = EN_ONLY if lang == "nl" else NL_ONLY
    leaked = sorted(f for f in foreign if f in text)
    assert leaked == [], f"{lang} response with texts of the other language"


def same_but_texts(nl: Any, en: Any, where: str = "") -> None:
    """The two answers differ only in texts: codes, paths and data are the same."""
    assert type(nl) is type(en), where
    if isinstance(nl, dict):
        assert nl.keys() == en.keys(), where
        for key in nl:
            if key in TEXT_KEYS and isinstance(nl[key], str):
                continue
            same_but_texts(nl[key], en[key], f"{where}/{key}")
    elif isinstance(nl, list):
        assert len(nl) == len(en), where
        for i, (a, b) in enumerate(zip(nl, en, strict=True)):
            same_but_texts(a, b, f"{where}/{i}")
    else:
        assert nl == en, where


def both(api: Api, method: str, path: str, body: Any = None, **kw: Any) -> tuple[Any, Any]:
    """The same request in Dutch and in English (an idempotent one, or one made twice)."""
    answers = []
    for lang in ("nl", "en"):
        status, answer, headers = api.call(
            method, path, copy.deepcopy(body), headers={"Accept-Language": lang, **kw}
        )
        assert headers["Content-Language"] == lang
        assert headers["Vary"] == "Accept-Language"
        check_language(json.dumps(answer, ensure_ascii=False), lang)
        answers.append((status, answer))
    assert answers[0][0] == answers[1][0]
    return answers[0][1], answers[1][1]


INCOMPLETE = request_body(
    evidence__parent_view=False,
    evidence__expert_advice=["leerkracht"],
    student__iq__test_date="2010-01-01",
    student__learning_delays=[
        {"domain": "begrijpend_lezen", "dl": 56, "dle": 40, "test_date": "2017-03-05"},
        {"domain": "spellen", "dl": 56, "dle": 38, "test_date": "2015-01-15"},
    ],
)
REFUSED = request_body(student__iq__score=130)
IQ_TOO_OLD_NL = (
    "De uitslag van de IQ-test van 1 januari 2010 is op 1 maart 2017 meer dan 2 jaar oud; "
    "de leerling heeft een nieuwe IQ-test nodig."
)


@pytest.mark.parametrize(
    ("body", "outcome"),
    [(request_body(), "granted"), (REFUSED, "refused"), (INCOMPLETE, "incomplete")],
)
def test_a_decision_of_each_outcome_in_both_languages(
    api: Api, body: dict[str, Any], outcome: str
) -> None:
    api.region()
    nl, en = both(api, "POST", "/v1/regions/VO2001/decisions", body, **{"Idempotency-Key": "k1"})
    assert nl["outcome"] == outcome
    same_but_texts(nl, en)
    if outcome == "incomplete":
        codes = {f["code"] for f in nl["findings"]}
        assert {"expert_advice_insufficient", "iq_too_old", "test_after_application"} <= codes
        assert IQ_TOO_OLD_NL in [f["message"] for f in nl["findings"]]
    explained = [c for r in nl["explanation"] for c in r["conditions"]]
    assert "75 t/m 90" in [c["expected"] for c in explained]
    assert "75 to 90" in [c["expected"] for r in en["explanation"] for c in r["conditions"]]


def test_a_stored_decision_reads_in_the_language_of_the_reader(api: Api) -> None:
    api.region()
    status, created, _ = api.call(
        "POST", "/v1/regions/VO2001/decisions", INCOMPLETE, headers={"Accept-Language": "en"}
    )
    assert status == 201
    path = f"/v1/regions/VO2001/decisions/{created['decision_id']}"
    _, read_nl, headers = api.call("GET", path, headers={"Accept-Language": "nl"})
    assert headers["Content-Language"] == "nl"
    by_code = {f["code"]: f["message"] for f in read_nl["findings"]}
    assert by_code["iq_too_old"] == IQ_TOO_OLD_NL
    same_but_texts(read_nl, created)


def test_a_decision_stored_before_the_catalogs_reads_as_it_was_stored(api: Api) -> None:
    """An older item holds only its English message: it is returned as it is, in any
    language (the storage keeps the document as the service wrote it then)."""
    api.region()
    _, created, _ = api.call("POST", "/v1/regions/VO2001/decisions", INCOMPLETE)
    storage: Any = api.services.storage
    stored = storage._decisions[("VO2001", created["decision_id"])]  # an item of before
    for finding in stored.document["findings"]:
        finding["message"] = f"Plain text of {finding['code']}."
    path = f"/v1/regions/VO2001/decisions/{created['decision_id']}"
    for lang in ("nl", "en"):
        _, read, _ = api.call("GET", path, headers={"Accept-Language": lang})
        assert [f["message"] for f in read["findings"]] == [
            f"Plain text of {f['code']}." for f in read["findings"]
        ]


def test_without_accept_language_the_answer_is_dutch(api: Api) -> None:
    api.region()
    response = api.client.http.post(
        "/v1/regions/VO2001/decisions",
        headers={"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"},
        body=json.dumps(INCOMPLETE),
    )
    assert response.headers["Content-Language"] == "nl"
    answer = json.loads(response.body)
    check_language(response.body.decode(), "nl")
    assert IQ_TOO_OLD_NL in [f["message"] for f in answer["findings"]]


@pytest.mark.parametrize(
    ("header", "lang"),
    [("en;q=0.3, nl;q=0.8", "nl"), ("fr, en;q=0.5", "en"), ("de", "nl"), ("en-GB", "en")],
)
def test_q_values_and_other_languages(api: Api, header: str, lang: str) -> None:
    status, text, headers = get(api, "/v1/regions/VO2001/decisions/" + "0" * 32, header)
    assert status == 404 and headers["Content-Language"] == lang
    check_language(text, lang)


def test_errors_in_both_languages(api: Api) -> None:
    api.region()
    extra = request_body()
    extra["student"]["name"] = "Jan"
    nl, en = both(api, "POST", "/v1/regions/VO2001/decisions", extra)
    same_but_texts(nl, en)
    assert nl["error"]["details"][0]["message"] == "Dit veld is niet toegestaan."
    assert en["error"]["details"][0]["message"] == "Extra inputs are not permitted"
    nl, en = both(api, "GET", "/v1/regions/VO2001/decisions/" + "0" * 32)
    assert nl["error"]["message"] == f"Samenwerkingsverband VO2001 heeft geen besluit {'0' * 32}."
    nl, en = both(api, "GET", "/v1/framework?date=2010-01-01")
    assert nl["error"]["code"] == en["error"]["code"] == "no_legal_phase"
    nl, en = both(api, "DELETE", "/v1/regions/VO2001")  # chalice's own 405
    assert nl["error"] == {
        "code": "method_not_allowed",
        "message": "Deze methode is op dit pad niet toegestaan.",
    }


def test_a_plan_validation_with_findings_in_both_languages(api: Api) -> None:
    api.call("PUT", "/v1/regions/VO2001", json.loads((EXAMPLES / "region.json").read_text()))
    plan = json.loads((EXAMPLES / "plan.json").read_text())
    plan["consultations"]["oogo"] = []
    plan["sent_to_inspectorate_on"] = None
    nl, en = both(api, "POST", "/v1/regions/VO2001/support-plans/validate", plan)
    same_but_texts(nl, en)
    codes = {f["code"] for f in nl["findings"]}
    assert {"oogo_missing", "not_sent_to_inspectorate"} <= codes


def test_a_criteria_comparison_in_both_languages(api: Api) -> None:
    api.region()
    definition = json.loads(
        (ROOT / "criteria_schemas/examples/support-plan/criteria.json").read_text()
    )
    nl, en = both(api, "POST", "/v1/regions/VO2001/criteria/validate", definition)
    same_but_texts(nl, en)
    assert nl["findings"], "the example differs from the national criteria somewhere"


def test_a_batch_row_in_both_languages(batch_api: Api) -> None:
    items = [INCOMPLETE, {"student": {"ref": "x"}}, request_body()]
    status, accepted, _ = batch_api.call(
        "POST", "/v1/regions/VO2001/batches", {"items": items}, headers={"Accept-Language": "en"}
    )
    assert status == 202
    path = f"/v1/regions/VO2001/batches/{accepted['batch_id']}/results"
    nl, en = both(batch_api, "GET", path)
    same_but_texts(nl, en)
    assert [r["status"] for r in nl["items"]] == ["decided", "rejected", "decided"]
    for lang in ("nl", "en"):
        status, text, headers = get(batch_api, path, lang, "text/csv")
        assert status == 200 and headers["Content-Language"] == lang
        check_language(text, lang)
    assert "Dit veld is verplicht" in get(batch_api, path, "nl", "text/csv")[1]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/framework/national-criteria.md?date=2017-03-01",
        "/v1/framework/national-criteria.md?date=2023-03-01",
        "/v1/regions/VO2001/report?teldatum=2017-10-01",
        "/v1/report?teldatum=2017-10-01",
    ],
)
def test_pages_in_both_languages(api: Api, path: str) -> None:
    api.region()
    api.call("POST", "/v1/regions/VO2001/decisions", request_body())
    pages = {}
    for lang in ("nl", "en"):
        status, text, headers = get(api, path, lang)
        assert status == 200 and headers["Content-Language"] == lang, text
        check_language(text, lang)
        pages[lang] = text
    assert pages["nl"] != pages["en"]
    if "report" in path:
        assert '<html lang="nl">' in pages["nl"] and '<html lang="en">' in pages["en"]
