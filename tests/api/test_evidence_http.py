"""Evidence rules through HTTP: one decision per rule family, posted like a school board would.

The base dossier (tests/api/conftest.py) is an lwoo application of 2017-03-01: IQ 82, begrijpend
lezen 16/56 and spellen 18/56 in the lwoo band, tests of 2017-01-15, complete evidence.
"""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api, request_body

PATH = "/v1/regions/VO2001/decisions"
SEP = {
    "prestatiemotivatie": False,
    "faalangst": True,
    "emotionele_instabiliteit": False,
    "hinders_learning": True,
    "test_date": "2016-11-10",
    "administered_by": "psycholoog",
}


def post(api: Api, body: dict[str, Any]) -> dict[str, Any]:
    api.region()
    status, decision, _ = api.call("POST", PATH, body)
    assert status == 201, decision
    return decision


def by_code(decision: dict[str, Any], code: str) -> dict[str, Any]:
    return next(f for f in decision["findings"] if f["code"] == code)


def test_a_kinder_en_jeugdpsycholoog_tests_and_advises(api: Api) -> None:
    body = request_body(evidence__expert_advice=["kinder_en_jeugdpsycholoog", "arts"])
    body["student"]["iq"]["administered_by"] = "kinder_en_jeugdpsycholoog"
    decision = post(api, body)
    assert (decision["outcome"], decision["eligible_for"]) == ("granted", ["lwoo"])
    assert decision["findings"] == []


def test_a_refused_tester_is_told_which_professions_count(api: Api) -> None:
    body = request_body()
    body["student"]["iq"]["administered_by"] = "remedial_teacher"
    decision = post(api, body)
    assert decision["outcome"] == "incomplete"
    found = by_code(decision, "tester_not_qualified")
    assert found["path"] == "/student/iq/administered_by"
    assert "kinder- en jeugdpsycholoog" in found["message"]
    assert found["legal_basis"][0]["citation"] == "Inrichtingsbesluit WVO art. 15d lid 2"


def test_an_old_sep_makes_the_decision_incomplete(api: Api) -> None:
    body = request_body(student__sep=SEP | {"test_date": "2016-02-29"})
    body["student"]["iq"]["score"] = 100  # route B: the SEP result can decide
    decision = post(api, body)
    assert (decision["outcome"], decision["eligible_for"]) == ("incomplete", [])
    found = by_code(decision, "sep_too_old")
    assert (found["severity"], found["path"]) == ("error", "/student/sep/test_date")
    urls = [c["url"] for c in found["legal_basis"]]
    assert urls == [
        "https://wetten.overheid.nl/BWBR0005946/2020-08-01#Artikel15d",
        "https://wetten.overheid.nl/BWBR0036963",
    ]


def test_a_sep_dated_after_the_application_makes_it_incomplete(api: Api) -> None:
    body = request_body(student__sep=SEP | {"test_date": "2017-03-02"})
    body["student"]["iq"]["score"] = 100  # route B: the SEP result can decide
    decision = post(api, body)
    assert decision["outcome"] == "incomplete"
    assert by_code(decision, "test_after_application")["path"] == "/student/sep/test_date"


def test_an_old_didactic_test_gives_a_warning_on_a_granted_decision(api: Api) -> None:
    body = request_body()
    body["student"]["learning_delays"][1]["test_date"] = "2016-07-31"  # spellen, last school year
    decision = post(api, body)
    assert (decision["outcome"], decision["eligible_for"]) == ("granted", ["lwoo"])
    found = by_code(decision, "delay_test_old")
    assert (found["severity"], found["path"]) == (
        "warning",
        "/student/learning_delays/1/test_date",
    )
    assert found["legal_basis"][-1]["url"] == "https://wetten.overheid.nl/BWBR0036963"


def test_an_incomplete_decision_cites_the_evidence_articles_of_its_phase(api: Api) -> None:
    body = request_body(evidence__expert_advice=["psycholoog"])
    body["application"]["date"] = "2023-03-01"
    body["student"]["iq"]["test_date"] = "2022-11-10"
    for result in body["student"]["learning_delays"]:
        result["test_date"] = "2023-01-15"
    api.clock[0] = api.clock[0].replace(year=2023)
    decision = post(api, body)
    assert decision["outcome"] == "incomplete"
    found = by_code(decision, "expert_advice_insufficient")
    assert [c["citation"] for c in found["legal_basis"]] == [
        "Uitvoeringsbesluit WVO 2020 art. 2.51"
    ]
    assert all("BWBR0005946" not in c["url"] for c in decision["legal_basis"])
    assert all("35786" not in c["url"] for c in decision["legal_basis"])
