"""Monitoring over the API: enrolments, budget shares, statistics and reports, and who sees what.

The main test makes decisions through the API for two regions over three count dates and checks
every figure of the statistics against a direct count of what it made.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest

from tests.api.conftest import ADMIN, REGION, Api, request_body

TELDATA = ("2016-10-01", "2017-10-01", "2018-10-01")
SECOND_REGION = {
    "name": "SWV VO Tweede",
    "boards": [{"id": "51234", "name": "Stichting C"}],
    "schools": [
        {"brin": "02CD", "name": "Aoc C", "board_id": "51234", "kinds": ["aoc", "vmbo"]},
        {"brin": "03EF", "name": "Vmbo D", "board_id": "51234", "kinds": ["vmbo"]},
        {"brin": "04GH", "name": "Pro E", "board_id": "51234", "kinds": ["pro"]},
    ],
}
ENROLMENTS = {
    "VO2001": {
        "2016-10-01": {"00YY": 800, "01AB": 90},
        "2017-10-01": {"00YY": 812, "01AB": 95},
        "2018-10-01": {"00YY": 790, "01AB": 101},
    },
    "VO2002": {
        "2017-10-01": {"02CD": 120, "03EF": 640, "04GH": 55},
        "2018-10-01": {"02CD": 118, "03EF": 655, "04GH": 61},
    },
}


def dossier(kind: str, ref: str, date: dt.date, school: str) -> dict[str, Any]:
    """A decision request of one kind: lwoo granted, pro granted, lwoo refused, incomplete."""
    iq_date = (date - dt.timedelta(days=120)).isoformat()
    test_date = (date - dt.timedelta(days=30)).isoformat()

    def delays(bl: int, ir: int) -> list[dict[str, Any]]:
        return [
            {"domain": "begrijpend_lezen", "dl": 56, "dle": bl, "test_date": test_date},
            {"domain": "inzichtelijk_rekenen", "dl": 56, "dle": ir, "test_date": test_date},
            {"domain": "spellen", "dl": 56, "dle": 50, "test_date": test_date},
            {"domain": "technisch_lezen", "dl": 56, "dle": 50, "test_date": test_date},
        ]

    body = request_body(
        application__date=date.isoformat(),
        application__school_brin=school,
        student__ref=ref,
    )
    body["student"]["iq"]["test_date"] = iq_date
    body["student"]["learning_delays"] = delays(40, 38)
    if kind == "pro":
        body["application"]["arrangement"] = "pro"
        body["student"]["iq"]["score"] = 70
        body["student"]["learning_delays"] = delays(26, 24)
    elif kind == "refused":
        body["student"]["iq"]["score"] = 130
    elif kind == "incomplete":
        body["student"]["iq"] = None
    return body


def make(api: Api, region: str, kind: str, ref: str, date: str, school: str) -> dict[str, Any]:
    status, body, _ = api.call(
        "POST",
        f"/v1/regions/{region}/decisions",
        dossier(kind, ref, dt.date.fromisoformat(date), school),
    )
    assert status == 201, body
    expected = {"lwoo": "granted", "pro": "granted"}.get(kind, kind)
    assert body["outcome"] == expected, (kind, body["outcome"], body["findings"])
    return body


# (region, kind, student, application date, school): spread over three school years, with a
# student granted twice (superseded), a grant followed by a refusal, grants after a count date,
# and a decision at a school the region does not list.
PLAN = [
    ("VO2001", "lwoo", "a1", "2016-03-01", "00YY"),
    ("VO2001", "lwoo", "a2", "2016-05-10", "00YY"),
    ("VO2001", "pro", "a3", "2016-06-01", "01AB"),
    ("VO2001", "refused", "a4", "2016-06-15", "00YY"),
    ("VO2001", "incomplete", "a5", "2016-07-31", "00YY"),
    ("VO2001", "lwoo", "a6", "2016-08-01", "00YY"),
    ("VO2001", "lwoo", "a1", "2017-02-01", "00YY"),
    ("VO2001", "refused", "a2", "2017-03-01", "00YY"),
    ("VO2001", "pro", "a7", "2017-04-01", "01AB"),
    ("VO2001", "lwoo", "a8", "2017-10-01", "00YY"),
    ("VO2001", "pro", "a9", "2017-10-02", "01AB"),
    ("VO2001", "incomplete", "a10", "2018-01-15", "01AB"),
    ("VO2001", "lwoo", "a11", "2018-05-01", "00YY"),
    ("VO2002", "lwoo", "b1", "2016-04-01", "03EF"),
    ("VO2002", "lwoo", "b2", "2017-01-10", "02CD"),
    ("VO2002", "pro", "b3", "2017-02-10", "04GH"),
    ("VO2002", "pro", "b4", "2017-06-30", "02CD"),
    ("VO2002", "incomplete", "b5", "2017-03-03", "03EF"),
    ("VO2002", "lwoo", "b6", "2018-03-03", "99ZZ"),
    ("VO2002", "refused", "b7", "2018-04-04", "03EF"),
    ("VO2002", "lwoo", "b8", "2018-09-30", "03EF"),
]


@pytest.fixture
def world(api: Api) -> dict[str, list[dict[str, Any]]]:
    # a count date is at most next year's: the world's figures run to 2019-10-01
    api.clock[0] = dt.datetime(2018, 12, 1, 12, tzinfo=dt.UTC)
    api.region("VO2001")
    assert api.call("PUT", "/v1/regions/VO2002", SECOND_REGION)[0] == 201
    made: dict[str, list[dict[str, Any]]] = {"VO2001": [], "VO2002": []}
    for region, kind, ref, date, school in PLAN:
        made[region].append(make(api, region, kind, ref, date, school))
    for region, dates in ENROLMENTS.items():
        for teldatum, schools in dates.items():
            body = {"schools": [{"brin": b, "students": n} for b, n in schools.items()]}
            status, _, _ = api.call("PUT", f"/v1/regions/{region}/enrolments/{teldatum}", body)
            assert status == 201
    return made


def get_status(api: Api, path: str, token: str) -> int:
    """The status of a GET whose body may be HTML."""
    response = api.client.http.get(path, headers={"Authorization": f"Bearer {token}"})
    return int(response.status_code)


# The direct count: written out plainly from the definitions, not with the service's code.


def in_force(decisions: list[dict[str, Any]], teldatum: str) -> list[dict[str, Any]]:
    granted = [d for d in decisions if d["outcome"] == "granted" and d["decided_on"] <= teldatum]
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for d in sorted(granted, key=lambda d: (d["decided_on"], d["volgnummer"])):
        latest[(d["student_ref"], d["arrangement"])] = d
    return [
        d
        for d in latest.values()
        if d["valid_from"] <= teldatum and (d["valid_until"] is None or d["valid_until"] > teldatum)
    ]


def school_year(decisions: list[dict[str, Any]], teldatum: str) -> list[dict[str, Any]]:
    year = int(teldatum[:4])
    return [d for d in decisions if f"{year - 1}-08-01" <= d["decided_on"] <= f"{year}-07-31"]


def share(part: int, whole: int) -> str:
    return str((Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001")))


def test_figures_match_a_direct_count(api: Api, world: dict[str, list[dict[str, Any]]]) -> None:
    checked = Counter[str]()
    for (region, decisions), teldatum in itertools.product(world.items(), TELDATA):
        status, stats, _ = api.call("GET", f"/v1/regions/{region}/statistics?teldatum={teldatum}")
        assert status == 200, stats
        figures = stats["figures"]
        allocations = in_force(decisions, teldatum)
        expected = Counter(d["arrangement"] for d in allocations)
        assert figures["allocations"] == {
            "lwoo": expected["lwoo"],
            "pro": expected["pro"],
            "total": len(allocations),
        }
        enrolment = ENROLMENTS[region].get(teldatum)
        assert figures["students"] == (None if enrolment is None else sum(enrolment.values()))
        for row in figures["schools"]:
            mine = Counter(d["arrangement"] for d in allocations if d["school_brin"] == row["brin"])
            assert row["allocations"]["lwoo"] == mine["lwoo"], (region, teldatum, row)
            assert row["allocations"]["pro"] == mine["pro"]
            if enrolment is not None:
                assert row["students"] == enrolment[row["brin"]]
                students = enrolment[row["brin"]]
                assert row["shares"]["lwoo"] == share(mine["lwoo"], students)
                assert row["shares"]["pro"] == share(mine["pro"], students)
        listed = {s["brin"] for s in figures["schools"]}
        assert figures["unknown_school"]["total"] == sum(
            1 for d in allocations if d["school_brin"] not in listed
        )
        if enrolment is not None:
            assert figures["shares"]["total"] == share(len(allocations), sum(enrolment.values()))
        flow = school_year(decisions, teldatum)
        assert figures["decisions"]["total"] == len(flow)
        outcomes = Counter(d["outcome"] for d in flow)
        assert figures["decisions"]["by_outcome"] == {
            o: outcomes[o] for o in ("granted", "refused", "incomplete")
        }
        for arrangement in ("lwoo", "pro"):
            mine = [d for d in flow if d["arrangement"] == arrangement]
            reasons = figures["decisions"]["by_arrangement"][arrangement]["by_reason"]
            routes = Counter(
                r["route"]
                for d in mine
                if d["outcome"] == "granted"
                for r in d["explanation"]
                if r["met"] and arrangement in r["grants"]
            )
            missing = Counter(
                code
                for d in mine
                if d["outcome"] == "incomplete"
                for code in {f["code"] for f in d["findings"] if f["severity"] == "error"}
            )
            refused = sum(1 for d in mine if d["outcome"] == "refused")
            assert reasons["granted"] == dict(routes)
            assert reasons["incomplete"] == dict(missing)
            assert reasons["refused"] == ({"no_route_met": refused} if refused else {})
        checked[region] += 1
        # the trend repeats the figures of every earlier count date
        assert stats["trend"][-1] == figures
        earlier = {t["teldatum"]: t for t in stats["trend"]}
        for date in TELDATA:
            if date < teldatum and date in earlier:
                assert earlier[date]["allocations"]["total"] == len(in_force(decisions, date))
    assert checked == {"VO2001": 3, "VO2002": 3}


def test_the_direct_count_on_known_figures(api: Api, world: dict[str, Any]) -> None:
    """The figures written out, so that a mistake shared by both counts still shows."""
    got = {}
    for region, teldatum in itertools.product(("VO2001", "VO2002"), TELDATA):
        _, stats, _ = api.call("GET", f"/v1/regions/{region}/statistics?teldatum={teldatum}")
        f = stats["figures"]
        got[(region, teldatum)] = (f["allocations"]["lwoo"], f["allocations"]["pro"])
    assert got == {
        ("VO2001", "2016-10-01"): (3, 1),  # a1 a2 a6, a3
        ("VO2001", "2017-10-01"): (4, 2),  # a1 (regranted) a2 a6 a8, a3 a7
        ("VO2001", "2018-10-01"): (5, 3),  # + a11, + a9
        ("VO2002", "2016-10-01"): (1, 0),
        ("VO2002", "2017-10-01"): (2, 2),
        ("VO2002", "2018-10-01"): (4, 2),  # + b6 (school unknown) b8
    }
    _, stats, _ = api.call("GET", "/v1/regions/VO2002/statistics?teldatum=2018-10-01")
    kinds = stats["figures"]["by_kind"]
    assert kinds["aoc"] == {
        "schools": 1,
        "small_schools": 1,
        "students": 118,
        "lwoo": 1,
        "pro": 1,
        "total": 2,
        "shares": {"lwoo": "0.0085", "pro": "0.0085", "total": "0.0169"},
    }
    assert kinds["pro"]["small_schools"] == 0  # 61 pupils: at the pro-only minimum of 60
    assert stats["figures"]["unknown_school"] == {"lwoo": 1, "pro": 0, "total": 1}
    assert [t["teldatum"] for t in stats["trend"]] == list(TELDATA)


def test_national_figures_and_budget_gap(api: Api, world: dict[str, Any]) -> None:
    status, body, _ = api.call(
        "PUT",
        "/v1/budget-shares/2018",
        {"shares": {"VO2001": "0.55", "VO2002": "0.45"}, "basis": "1 oktober 2012"},
    )
    assert status == 201, body
    status, national, _ = api.call("GET", "/v1/statistics?teldatum=2018-10-01")
    assert status == 200, national
    assert national["national"]["allocations"] == {"lwoo": 9, "pro": 5, "total": 14}
    assert national["national"]["students"] == 790 + 101 + 118 + 655 + 61
    assert national["budget"] == {"year": 2018, "basis": "1 oktober 2012"}
    rows = {r["region_id"]: r for r in national["regions"]}
    assert rows["VO2001"]["allocation_share"] == "0.5714"  # 8 of 14
    assert rows["VO2001"]["budget_share"] == "0.55"
    assert rows["VO2001"]["gap"] == "0.0214"
    assert rows["VO2002"]["gap"] == "-0.0214"
    assert rows["VO2001"]["allocation_shares"] == {"lwoo": "0.5556", "pro": "0.6000"}
    assert [t["allocations"]["total"] for t in national["trend"]] == [5, 10, 14]
    # the 2018 shares still hold in 2019; before 2018 there are none
    _, later, _ = api.call("GET", "/v1/statistics?teldatum=2019-10-01")
    assert later["budget"]["year"] == 2018
    _, earlier, _ = api.call("GET", "/v1/statistics?teldatum=2017-10-01")
    assert earlier["budget"] is None and earlier["regions"][0]["gap"] is None


def test_the_national_view_follows_each_change_it_reads(api: Api, world: dict[str, Any]) -> None:
    """Read twice between changes (the second from the national snapshot): a budget-share
    version, a renamed region, a new region and a decision each show in the next read."""
    q = "/v1/statistics?teldatum=2018-10-01"

    def national() -> dict[str, Any]:
        status, body, _ = api.call("GET", q)
        assert status == 200, body
        assert api.call("GET", q)[1] == body
        return body

    first = national()
    assert first["budget"] is None and first["national"]["allocations"]["total"] == 14
    shares = {"shares": {"VO2001": "0.6", "VO2002": "0.4"}, "basis": "b"}
    assert api.call("PUT", "/v1/budget-shares/2018", shares)[0] == 201
    assert national()["budget"] == {"year": 2018, "basis": "b"}
    assert api.call("PUT", "/v1/regions/VO2002", {**SECOND_REGION, "name": "Hernoemd"})[0] == 200
    assert [r["name"] for r in national()["regions"]] == [REGION["name"], "Hernoemd"]
    assert api.call("PUT", "/v1/regions/VO2003", {**REGION, "schools": []})[0] == 201
    assert [r["region_id"] for r in national()["regions"]] == ["VO2001", "VO2002", "VO2003"]
    make(api, "VO2001", "lwoo", "ll-national", "2018-09-01", "00YY")
    assert national()["national"]["allocations"]["total"] == 15


def test_ministry_sees_every_region_and_a_region_only_its_own(
    api: Api, world: dict[str, Any]
) -> None:
    ministry = api.token(None, "ministry")
    own = api.token("VO2001")
    q = "?teldatum=2017-10-01"
    for region in ("VO2001", "VO2002"):
        for what in ("statistics", "report"):
            path = f"/v1/regions/{region}/{what}{q}"
            assert get_status(api, path, ministry) == 200, path
        status, _, _ = api.call(
            "GET", f"/v1/regions/{region}/enrolments/2017-10-01", token=ministry
        )
        assert status == 200
    assert api.call("GET", f"/v1/statistics{q}", token=ministry)[0] == 200
    assert api.call("GET", f"/v1/regions/VO2001/statistics{q}", token=own)[0] == 200
    status, body, _ = api.call("GET", f"/v1/regions/VO2002/statistics{q}", token=own)
    assert status == 403 and body["error"]["code"] == "forbidden"
    assert get_status(api, f"/v1/regions/VO2002/report{q}", own) == 403
    for path in (f"/v1/statistics{q}", f"/v1/report{q}", "/v1/budget-shares/2018"):
        assert get_status(api, path, own) == 403, path
    # the ministry writes nothing and reads no raw decisions
    enrolment = {"schools": [{"brin": "00YY", "students": 1}]}
    path = "/v1/regions/VO2001/enrolments/2019-10-01"
    assert api.call("PUT", path, enrolment, token=ministry)[0] == 403
    assert api.call("PUT", path, enrolment, token=own)[0] == 201
    shares = {"shares": {"VO2001": "1"}}
    assert api.call("PUT", "/v1/budget-shares/2019", shares, token=ministry)[0] == 403
    assert api.call("PUT", "/v1/budget-shares/2019", shares, token=own)[0] == 403
    decision = world["VO2001"][0]["decision_id"]
    for path in (
        f"/v1/regions/VO2001/decisions/{decision}",
        "/v1/regions/VO2001/decisions?student_ref=a1",
    ):
        assert api.call("GET", path, token=ministry)[0] == 403, path
    assert (
        api.call("POST", "/v1/regions/VO2001/decisions", request_body(), token=ministry)[0] == 403
    )


@pytest.mark.parametrize("teldatum", ["2017-09-30", "2017-10-02", "2017-1-01", "oktober"])
def test_a_count_date_is_a_first_of_october(api: Api, teldatum: str) -> None:
    api.region()
    body = {"schools": [{"brin": "00YY", "students": 10}]}
    status, error, _ = api.call("PUT", f"/v1/regions/VO2001/enrolments/{teldatum}", body)
    assert status == 400
    assert "1 October" in error["error"]["message"]
    status, error, _ = api.call("GET", f"/v1/regions/VO2001/statistics?teldatum={teldatum}")
    assert status == 400 and error["error"]["code"] == "validation_error"


def test_enrolment_schools_belong_to_the_region(api: Api) -> None:
    api.region()
    path = "/v1/regions/VO2001/enrolments/2017-10-01"
    status, error, _ = api.call("PUT", path, {"schools": [{"brin": "99ZZ", "students": 10}]})
    assert status == 422 and error["error"]["code"] == "unknown_school"
    assert "99ZZ" in error["error"]["message"]
    twice = {"schools": [{"brin": "00YY", "students": 1}, {"brin": "00YY", "students": 2}]}
    assert api.call("PUT", path, twice)[0] == 400
    negative = {"schools": [{"brin": "00YY", "students": -1}]}
    assert api.call("PUT", path, negative)[0] == 400


def test_a_later_enrolment_replaces_the_earlier(api: Api) -> None:
    api.region()
    path = "/v1/regions/VO2001/enrolments/2017-10-01"
    assert api.call("GET", path)[0] == 404
    first = {"schools": [{"brin": "00YY", "students": 10}], "source": "eerste telling"}
    assert api.call("PUT", path, first)[0] == 201
    api.clock[0] += dt.timedelta(seconds=1)
    status, stored, _ = api.call("PUT", path, {"schools": [{"brin": "00YY", "students": 12}]})
    assert status == 200 and stored["students"] == 12
    status, got, _ = api.call("GET", path)
    assert status == 200 and got["schools"] == [{"brin": "00YY", "students": 12}]


@pytest.mark.parametrize(
    ("shares", "status"),
    [
        ({"VO2001": "0.5", "VO2002": "0.4"}, 400),  # sums to 0.9
        ({"VO2001": "0.6", "VO2002": "0.4005"}, 201),  # within the tolerance
        ({"VO2001": 0.6, "VO2002": "0.4"}, 400),  # a number, not a decimal string
        ({"VO2001": "1.5"}, 400),
        ({"VO2001": "0.5", "VO9999": "0.5"}, 422),  # no such region
    ],
)
def test_budget_shares_are_exact_fractions_of_one(
    api: Api, shares: dict[str, Any], status: int
) -> None:
    api.region("VO2001")
    api.region("VO2002")
    got, body, _ = api.call("PUT", "/v1/budget-shares/2016", {"shares": shares})
    assert got == status, body
    if status == 201:
        assert api.call("GET", "/v1/budget-shares/2016")[1]["shares"] == shares


def test_report_pages_are_self_contained_html(api: Api, world: dict[str, Any]) -> None:
    for path in (
        "/v1/regions/VO2001/report?teldatum=2018-10-01",
        "/v1/report?teldatum=2018-10-01",
    ):
        response = api.client.http.get(path, headers={"Authorization": f"Bearer {ADMIN}"})
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/html")
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        page = response.body.decode()
        assert page.count("<svg") >= 3
        assert "<script" not in page and "http://" not in page.replace(
            'xmlns="http://www.w3.org/2000/svg"', ""
        )
        assert "https://" not in page


def test_regions_without_anything_still_report(api: Api) -> None:
    assert api.call("PUT", "/v1/regions/VO2003", {**REGION, "schools": []})[0] == 201
    status, stats, _ = api.call("GET", "/v1/regions/VO2003/statistics?teldatum=2017-10-01")
    assert status == 200
    assert stats["figures"]["allocations"] == {"lwoo": 0, "pro": 0, "total": 0}
    assert stats["figures"]["shares"] == {"lwoo": None, "pro": None, "total": None}
    assert [t["teldatum"] for t in stats["trend"]] == ["2017-10-01"]
    response = api.client.http.get(
        "/v1/regions/VO2003/report?teldatum=2017-10-01",
        headers={"Authorization": f"Bearer {ADMIN}"},
    )
    assert response.status_code == 200
    assert api.call("GET", "/v1/regions/VO9999/statistics?teldatum=2017-10-01")[0] == 404


def test_the_count_date_defaults_to_the_latest_first_of_october(api: Api) -> None:
    api.region()
    status, stats, _ = api.call("GET", "/v1/regions/VO2001/statistics")
    assert status == 200 and stats["teldatum"] == "2016-10-01"  # the clock says 2017-03-01
