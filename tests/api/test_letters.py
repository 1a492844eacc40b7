"""The decision letter over HTTP: `GET`/`POST /v1/regions/{id}/decisions/{decision_id}/letter`.

Decisions are made through the API (one of each kind), then their letters are read: the page is
HTML in Dutch that loads nothing, the decision's texts are in it, the measured values show
while they are kept and not after, and a name handed in with `POST` is in that page only: not
in storage, not in the log lines.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import boto3
import pytest

from chalicelib import cli
from chalicelib.messages import MARK
from chalicelib.messages.format import catalog
from tests.api.conftest import ADMIN, REGION, Api, request_body
from tests.api.test_on_moto import moto_client  # noqa: F401
from tests.conftest import sensitive

NAME = "Familie Quirijnsen-Vlietstra"
STREET = "Zonnebloemstraat 718"


def _pro() -> dict[str, Any]:
    body = request_body(application__arrangement="pro")
    body["student"]["iq"]["score"] = 70
    for delay in body["student"]["learning_delays"]:
        delay["dle"] = 20  # 36/56: at least 0,5 on every domain
    return body


def _refused() -> dict[str, Any]:
    body = request_body()
    body["student"]["iq"]["score"] = 100  # lwoo route B, which needs SEP hindering learning
    body["student"]["sep"] = {
        "prestatiemotivatie": True,
        "faalangst": False,
        "emotionele_instabiliteit": False,
        "hinders_learning": False,
        "test_date": "2016-12-01",
        "administered_by": "orthopedagoog",
    }
    return body


def _incomplete() -> dict[str, Any]:
    body = request_body(student__iq=None)
    body["evidence"]["expert_advice"] = ["orthopedagoog"]  # no second expert
    return body


# The request per kind of letter, and the outcome the law gives it (docs/law.md).
KINDS: dict[str, tuple[dict[str, Any], str]] = {
    "lwoo": (request_body(), "granted"),
    "pro": (_pro(), "granted"),
    "none": (_refused(), "refused"),
    "incomplete": (_incomplete(), "incomplete"),
}


def decide(api: Api, kind: str) -> dict[str, Any]:
    body, outcome = KINDS[kind]
    status, decision, _ = api.call("POST", "/v1/regions/VO2001/decisions", copy.deepcopy(body))
    assert status == 201 and decision["outcome"] == outcome, decision
    return decision


def letter_path(decision: dict[str, Any]) -> str:
    return f"/v1/regions/VO2001/decisions/{decision['decision_id']}/letter"


def fetch(api: Api, path: str, token: str = ADMIN, body: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    if body is None:
        return api.client.http.get(path, headers=headers)
    headers["Content-Type"] = "application/json"
    raw = body if isinstance(body, str) else json.dumps(body)
    return api.client.http.post(path, headers=headers, body=raw)


def page_text(response: Any) -> str:
    assert response.status_code == 200, response.body
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    return str(response.body.decode("utf-8"))


@pytest.fixture
def decided(api: Api) -> dict[str, dict[str, Any]]:
    api.region()
    return {kind: decide(api, kind) for kind in KINDS}


EXPECTED = {
    "lwoo": ["Aanwijzing leerwegondersteunend onderwijs (lwoo)", "is aangewezen op", "IQ 82"],
    "pro": ["Toelaatbaarheidsverklaring praktijkonderwijs (pro)", "toelaatbaar tot", "IQ 70"],
    "none": ["Afwijzing van de aanvraag", "wij wijzen de aanvraag af", "IQ 100"],
    "incomplete": ["Verzoek om het dossier aan te vullen", "uiterlijk 29 maart 2017",
                   "Een IQ-score", "Advies van twee deskundigen", "Awb art. 4:5 lid 1"],
}  # fmt: skip


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_of_letter_says_what_was_decided(
    api: Api, decided: dict[str, dict[str, Any]], kind: str
) -> None:
    decision = decided[kind]
    response = fetch(api, letter_path(decision), api.token())
    page = page_text(response)
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    for text in EXPECTED[kind]:
        assert text in page, text
    assert decision["volgnummer"] in page and "1 maart 2017" in page
    assert '<html lang="nl">' in page and "@page{size:A4" in page
    # nothing to run and nothing to load: no script, no source, no link, no url()
    assert not re.search(r"<script|\ssrc=|\shref=|url\(|@import", page, re.I)
    objection = "binnen 6 weken" in page and "WVO art. 17a lid 13" in page
    assert objection == (kind != "incomplete")  # a request to complete is no decision yet
    assert "[naam ouder(s) of verzorger(s)]" in page
    # the explanation's texts in Dutch (the test client reads the API in English): no token
    # left, and not one text of the English catalog
    assert MARK not in page
    english = [
        t for t in catalog("en").values() if "{" not in t and t not in catalog("nl").values()
    ]
    assert not [t for t in english if len(t) > 12 and t in page]


def test_the_articles_are_those_of_the_decision_date(api: Api) -> None:
    api.region()
    api.clock[0] = dt.datetime(2023, 3, 1, 12, tzinfo=dt.UTC)
    body = request_body(application__date="2023-03-01")
    body["student"]["iq"]["test_date"] = "2022-11-10"
    for delay in body["student"]["learning_delays"]:
        delay["test_date"] = "2023-01-15"
    status, decision, _ = api.call("POST", "/v1/regions/VO2001/decisions", body)
    assert status == 201 and decision["outcome"] == "granted", decision
    page = page_text(fetch(api, letter_path(decision)))
    assert "WVO 2020 art. 2.47 lid 15" in page and "Uitvoeringsbesluit WVO 2020 art. 2.46" in page
    assert "17a" not in page and "Inrichtingsbesluit" not in page


def test_measured_values_show_while_kept_and_not_after(
    api: Api, decided: dict[str, dict[str, Any]]
) -> None:
    path = letter_path(decided["lwoo"])
    kept = page_text(fetch(api, path))
    assert "IQ 82" in kept and "18 van 56 maanden (32,1%)" in kept
    assert "Wij bewaren ze tot 1 maart 2020 (WVO art. 17a lid 14)" in kept
    api.clock[0] = dt.datetime(2020, 3, 2, 12, tzinfo=dt.UTC)  # the day after the term
    gone = page_text(fetch(api, path))
    assert "IQ 82" not in gone and "18 van 56" not in gone
    assert "niet meer bewaard" in gone
    assert "niet langer dan 3 jaar na het besluit (WVO art. 17a lid 14)" in gone
    assert "Aanwijzing leerwegondersteunend onderwijs" in gone


def test_an_unknown_decision_or_another_region_is_refused(
    api: Api, decided: dict[str, dict[str, Any]]
) -> None:
    unknown = "/v1/regions/VO2001/decisions/0123456789abcdef0123456789abcdef/letter"
    response = fetch(api, unknown)
    assert response.status_code == 404
    assert json.loads(response.body)["error"]["code"] == "not_found"
    api.region("VO2002")
    other = api.token("VO2002")
    assert fetch(api, letter_path(decided["lwoo"]), other).status_code == 403
    assert fetch(api, letter_path(decided["lwoo"]), "not-a-token").status_code == 401


def test_a_posted_addressee_fills_the_page_and_is_kept_nowhere(
    api: Api, decided: dict[str, dict[str, Any]], lines: list[str]
) -> None:
    sensitive(NAME, STREET)  # the session's log scan (tests/conftest.py) looks for them too
    body = {"addressee": {"name": NAME, "address_lines": [STREET, "9999 ZZ <b>Ergens</b>"]}}
    page = page_text(fetch(api, letter_path(decided["none"]), body=body))
    assert NAME in page and STREET in page
    assert "&lt;b&gt;Ergens&lt;/b&gt;" in page and "<b>" not in page
    assert "[naam ouder(s)" not in page
    storage = repr({k: v for k, v in vars(api.services.storage).items() if k != "_lock"})
    assert "Quirijnsen" not in storage and "Zonnebloem" not in storage
    assert lines, "the request was logged"
    assert not [line for line in lines if "Quirijnsen" in line or "Zonnebloem" in line]


def test_an_empty_post_is_the_unaddressed_letter(
    api: Api, decided: dict[str, dict[str, Any]]
) -> None:
    path = letter_path(decided["pro"])
    assert page_text(fetch(api, path, body="")) == page_text(fetch(api, path))


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"addressee": {"name": NAME, "bsn": "123456782"}}, "/addressee/bsn"),
        ({"addressee": {"name": "x" * 121}}, "/addressee/name"),
        ({"addressee": {"name": f"{NAME}\nRegel twee"}}, "/addressee/name"),
        ({"addressee": {"name": NAME, "address_lines": ["a"] * 6}}, "/addressee/address_lines"),
        ({"addressee": {"name": 42}}, "/addressee/name"),
        ({"to": NAME}, "/to"),
    ],
)
def test_a_bad_addressee_is_a_400_that_does_not_echo_it(
    api: Api, decided: dict[str, dict[str, Any]], body: dict[str, Any], path: str
) -> None:
    response = fetch(api, letter_path(decided["lwoo"]), body=body)
    assert response.status_code == 400
    error = json.loads(response.body)["error"]
    assert error["code"] == "validation_error"
    assert path in [d["path"] for d in error["details"]]
    assert "Quirijnsen" not in response.body.decode()


def test_a_body_that_is_not_json_is_refused(api: Api, decided: dict[str, dict[str, Any]]) -> None:
    path = letter_path(decided["lwoo"])
    assert fetch(api, path, body="{not json").status_code == 400
    response = api.client.http.post(
        path, headers={"Authorization": f"Bearer {ADMIN}", "Content-Type": "text/plain"}, body="x"
    )
    assert response.status_code == 415


def test_on_dynamodb_the_addressee_reaches_no_table(
    moto_client: tuple[Any, list[Any]],  # noqa: F811 (the fixture imported above)
) -> None:
    """The same on the DynamoDB adapter (moto): no call sent to DynamoDB, and no item in the
    table, holds the name or the address."""
    client, sent = moto_client
    sensitive(NAME, STREET)
    headers = {"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"}
    client.http.put("/v1/regions/VO2001", headers=headers, body=json.dumps(REGION))
    created = client.http.post(
        "/v1/regions/VO2001/decisions", headers=headers, body=json.dumps(request_body())
    )
    decision = json.loads(created.body)
    body = {"addressee": {"name": NAME, "address_lines": [STREET]}}
    response = client.http.post(letter_path(decision), headers=headers, body=json.dumps(body))
    assert NAME in page_text(response)
    assert sent, "the spy saw no DynamoDB call"
    table = boto3.client("dynamodb", region_name="eu-west-1").scan(TableName="toewijzing-test")
    assert table["Items"], "the table holds the region and the decision"
    for kept in (json.dumps(sent, default=str), json.dumps(table["Items"], default=str)):
        assert "Quirijnsen" not in kept and "Zonnebloem" not in kept


@pytest.mark.parametrize("kind", ["lwoo", "incomplete"])
def test_the_command_line_prints_the_page_the_api_serves(
    api: Api, decided: dict[str, dict[str, Any]], kind: str, tmp_path: Path
) -> None:
    """`toewijzing letter --decision FILE` on the decision JSON the API returned."""
    decision = decided[kind]
    path = f"/v1/regions/VO2001/decisions/{decision['decision_id']}"
    status, document, _ = api.call("GET", path, headers={"Accept-Language": "nl"})
    assert status == 200
    source, out = tmp_path / "decision.json", tmp_path / "letter.html"
    source.write_text(json.dumps(document), encoding="utf-8")
    assert cli.main(["letter", "--decision", str(source), "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == page_text(fetch(api, letter_path(decision)))
