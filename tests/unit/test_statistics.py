"""The monitoring counts (chalicelib/domain/statistics.py), on hand-made decision documents."""

from __future__ import annotations

import datetime as dt
import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from chalicelib.cli import main
from chalicelib.domain.statistics import (
    DecisionSummary,
    SchoolInfo,
    flow_teldatum,
    flow_window,
    flows,
    in_force,
    is_teldatum,
    national_statistics,
    region_figures,
    region_statistics,
    share,
    trend_teldata,
)

T = dt.date(2017, 10, 1)
SCHOOLS = [
    SchoolInfo("00YY", "Vmbo A", ("vmbo",), True),
    SchoolInfo("01AB", "Pro B", ("pro",), False),
    SchoolInfo("02CD", "Aoc C", ("aoc", "vmbo"), True),
    SchoolInfo("03EF", "Vmbo D", ("vmbo",), False),
    SchoolInfo("04GH", "Havo", ("havo",), False),
]
_n = iter(range(1, 10_000))


def doc(
    ref: str,
    on: str,
    outcome: str = "granted",
    arrangement: str = "lwoo",
    until: str | None = None,
    school: str | None = "00YY",
    routes: tuple[tuple[str, bool, tuple[str, ...]], ...] = (("lwoo-a", True, ("lwoo",)),),
    findings: tuple[tuple[str, str], ...] = (),
) -> dict[str, Any]:
    number = next(_n)
    return {
        "decision_id": f"{number:032x}",
        "volgnummer": f"VO2001-{on[:4]}-{number:06d}",
        "student_ref": ref,
        "arrangement": arrangement,
        "outcome": outcome,
        "decided_on": on,
        "valid_from": on if outcome == "granted" else None,
        "valid_until": until,
        "school_brin": school,
        "explanation": [
            {"arrangement": arrangement, "route": r, "met": met, "grants": list(g)}
            for r, met, g in (routes if outcome == "granted" else ())
        ],
        "findings": [{"severity": s, "code": c, "path": "", "message": ""} for s, c in findings],
    }


def summaries(*documents: dict[str, Any]) -> list[DecisionSummary]:
    return [DecisionSummary.from_document(d) for d in documents]


def refs(decisions: list[DecisionSummary]) -> list[str]:
    return [d.student_ref for d in decisions]


def test_a_count_date_is_a_first_of_october() -> None:
    assert is_teldatum(dt.date(2017, 10, 1))
    assert not is_teldatum(dt.date(2017, 10, 2))
    assert not is_teldatum(dt.date(2017, 1, 10))


def test_in_force_on_the_count_date_itself_and_until_the_day_before_valid_until() -> None:
    decisions = summaries(
        doc("on-the-day", "2017-10-01"),
        doc("day-after", "2017-10-02"),
        doc("ends-on-the-day", "2016-03-01", until="2017-10-01"),
        doc("ends-day-after", "2016-03-01", until="2017-10-02"),
        doc("career", "2016-03-01"),
        doc("refused", "2017-03-01", outcome="refused"),
    )
    assert sorted(refs(in_force(decisions, T))) == ["career", "ends-day-after", "on-the-day"]


def test_only_the_latest_grant_of_a_student_and_arrangement_counts() -> None:
    decisions = summaries(
        doc("s1", "2016-03-01"),  # career-long ...
        doc("s1", "2017-03-01", until="2017-08-01"),  # ... superseded by one that ended
        doc("s2", "2016-03-01", school="00YY"),
        doc("s2", "2017-03-01", school="03EF"),  # moved school: counted once, at the new one
        doc("s3", "2016-03-01"),
        doc("s3", "2017-03-01", outcome="refused"),  # a refusal does not end it
        doc("s4", "2016-03-01", arrangement="pro", school="01AB"),
        doc("s4", "2016-04-01"),  # lwoo and pro: once in each
        doc("s5", "2016-03-01"),
        doc("s5", "2018-03-01", until="2018-08-01"),  # a later grant does not reach back
    )
    found = in_force(decisions, T)
    assert sorted((d.student_ref, d.arrangement, d.school_brin) for d in found) == [
        ("s2", "lwoo", "03EF"),
        ("s3", "lwoo", "00YY"),
        ("s4", "lwoo", "00YY"),
        ("s4", "pro", "01AB"),
        ("s5", "lwoo", "00YY"),
    ]


def test_same_day_grants_are_ordered_by_volgnummer() -> None:
    first = doc("s1", "2017-03-01", school="00YY")
    second = doc("s1", "2017-03-01", school="03EF")
    for order in ((first, second), (second, first)):
        assert [d.school_brin for d in in_force(summaries(*order), T)] == ["03EF"]


@pytest.mark.parametrize(
    ("day", "teldatum"),
    [
        ("2016-07-31", "2016-10-01"),
        ("2016-08-01", "2017-10-01"),
        ("2016-10-01", "2017-10-01"),
        ("2017-07-31", "2017-10-01"),
        ("2017-08-01", "2018-10-01"),
        ("2017-09-30", "2018-10-01"),
    ],
)
def test_each_decision_belongs_to_one_count_dates_flow(day: str, teldatum: str) -> None:
    date, count_date = dt.date.fromisoformat(day), dt.date.fromisoformat(teldatum)
    assert flow_teldatum(date) == count_date
    start, end = flow_window(count_date)
    assert start <= date <= end


def test_flows_count_outcomes_and_what_decided_them() -> None:
    decisions = summaries(
        doc("a", "2017-03-01", routes=(("lwoo-a", True, ("lwoo",)), ("lwoo-b", False, ("lwoo",)))),
        doc(
            "b",
            "2017-03-02",
            routes=(("lwoo-a", True, ("lwoo",)), ("mixed", True, ("lwoo", "pro"))),
        ),
        doc("c", "2017-03-03", arrangement="pro", routes=(("pro", True, ("pro",)),)),
        doc("d", "2017-03-04", outcome="refused"),
        doc(
            "e",
            "2017-03-05",
            outcome="incomplete",
            findings=(("error", "iq_missing"), ("error", "iq_missing"), ("warning", "note")),
        ),
        doc("f", "2017-08-01", outcome="refused"),  # the next school year
    )
    result = flows(decisions, T)
    assert result["school_year"] == "2016/2017"
    assert (result["from"], result["until"]) == ("2016-08-01", "2017-07-31")
    assert result["by_outcome"] == {"granted": 3, "refused": 1, "incomplete": 1}
    lwoo = result["by_arrangement"]["lwoo"]
    assert lwoo["by_outcome"] == {"granted": 2, "refused": 1, "incomplete": 1}
    assert lwoo["by_reason"] == {
        "granted": {"lwoo-a": 2, "mixed": 1},
        "refused": {"no_route_met": 1},
        "incomplete": {"iq_missing": 1},
    }
    assert result["by_arrangement"]["pro"]["by_reason"]["granted"] == {"pro": 1}


def test_schools_by_kind_small_schools_and_shares() -> None:
    decisions = summaries(
        doc("a", "2017-03-01", school="02CD"),
        doc("b", "2017-03-01", arrangement="pro", school="01AB"),
        doc("c", "2017-03-01", school="03EF"),
        doc("d", "2017-03-01", school=None),
        doc("e", "2017-03-01", school="99ZZ"),
    )
    enrolment = {"00YY": 130, "01AB": 59, "02CD": 129, "03EF": 3}
    figures = region_figures(decisions, SCHOOLS, enrolment, T)
    assert [s.kind for s in SCHOOLS] == ["vmbo_lwoo", "pro", "aoc", "vmbo", "other"]
    rows = {r["brin"]: r for r in figures["schools"]}
    assert [rows[b]["small"] for b in ("00YY", "01AB", "02CD", "03EF", "04GH")] == [
        False,
        True,
        True,
        True,
        None,
    ]
    assert rows["03EF"]["shares"] == {"lwoo": "0.3333", "pro": "0.0000", "total": "0.3333"}
    assert rows["04GH"]["shares"] == {"lwoo": None, "pro": None, "total": None}
    assert figures["unknown_school"] == {"lwoo": 2, "pro": 0, "total": 2}
    assert figures["students"] == 321
    assert figures["shares"]["total"] == "0.0156"  # 5 / 321
    assert figures["by_kind"]["aoc"]["small_schools"] == 1
    assert figures["by_kind"]["other"]["shares"]["total"] is None


def test_shares_are_exact_and_rounded_half_even() -> None:
    assert share(1, 3) == "0.3333"
    assert share(1, 20000) == "0.0000"  # 0.00005: half to even
    assert share(3, 20000) == "0.0002"  # 0.00015: half to even
    assert share(1, 0) is None and share(1, None) is None


def test_trend_takes_count_dates_with_decisions_or_enrolments_at_most_ten() -> None:
    decisions = summaries(*(doc(f"s{y}", f"{y}-03-01") for y in range(2004, 2018)))
    dates = trend_teldata(decisions, [dt.date(2019, 10, 1), dt.date(2001, 10, 1)], T)
    assert len(dates) == 10 and dates[-1] == T
    assert dates[0] == dt.date(2008, 10, 1)
    assert trend_teldata([], [], T) == [T]


def test_region_statistics_repeat_the_figures_for_earlier_count_dates() -> None:
    region = {"region_id": "VO2001", "name": "Test", "schools": []}
    documents = [doc("a", "2016-03-01"), doc("b", "2017-03-01", arrangement="pro")]
    stats = region_statistics(region, documents, {dt.date(2015, 10, 1): {}}, T)
    assert [t["teldatum"] for t in stats["trend"]] == ["2015-10-01", "2016-10-01", "2017-10-01"]
    assert [t["allocations"]["total"] for t in stats["trend"]] == [0, 1, 2]
    assert stats["figures"] is not None and stats["figures"] == stats["trend"][-1]


def test_national_gap_is_allocation_share_minus_budget_share_exactly() -> None:
    def region(region_id: str, lwoo: int, pro: int, students: int | None) -> dict[str, Any]:
        documents = [doc(f"{region_id}-l{i}", "2017-03-01") for i in range(lwoo)]
        documents += [doc(f"{region_id}-p{i}", "2017-03-01", arrangement="pro") for i in range(pro)]
        enrolment = {} if students is None else {T: {"00YY": students}}
        info = {
            "region_id": region_id,
            "name": region_id,
            "schools": [{"brin": "00YY", "name": "A"}],
        }
        return region_statistics(info, documents, enrolment, T)

    regions = [region("VO2001", 1, 0, 100), region("VO2002", 1, 1, 200)]
    budget = {"VO2001": Decimal("0.3"), "VO2002": Decimal("0.7")}
    result = national_statistics(regions, budget, {"year": 2017, "basis": None}, T)
    assert result["national"]["allocations"] == {"lwoo": 2, "pro": 1, "total": 3}
    assert result["national"]["shares"]["total"] == "0.0100"
    rows = {r["region_id"]: r for r in result["regions"]}
    assert rows["VO2001"]["allocation_share"] == "0.3333"
    assert rows["VO2001"]["gap"] == "0.0333"  # 1/3 - 0.3
    assert rows["VO2002"]["gap"] == "-0.0333"
    assert rows["VO2002"]["allocation_shares"] == {"lwoo": "0.5000", "pro": "1.0000"}
    # one region without enrolment: no national share rather than a wrong one
    partial = national_statistics([*regions, region("VO2003", 0, 0, None)], None, None, T)
    assert partial["national"]["students"] is None
    assert partial["regions"][0]["gap"] is None


# The command line: `toewijzing report`


def _region_json(tmp_path: Path) -> Path:
    region = {"region_id": "VO2001", "name": "Test", "schools": [{"brin": "00YY", "name": "A"}]}
    stats = region_statistics(region, [doc("a", "2017-03-01")], {T: {"00YY": 100}}, T)
    path = tmp_path / "stats.json"
    path.write_text(json.dumps(stats), encoding="utf-8")
    return path


def test_cli_renders_a_saved_statistics_json(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    code = main(
        ["report", "--region", "VO2001", "--teldatum", "2017-10-01", "--from",
         str(_region_json(tmp_path)), "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "<script" not in page


def test_cli_refuses_statistics_of_another_count_date_or_region(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = str(_region_json(tmp_path))
    for extra in (["--teldatum", "2016-10-01"], ["--teldatum", "2017-10-01", "--region", "VO9"]):
        assert main(["report", "--from", source, *extra, "--out", str(tmp_path / "x")]) == 2
    assert main(["--lang", "en", "report", "--teldatum", "2017-10-02", "--from", source]) == 2
    assert "1 October" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_cli_fetches_the_statistics_from_the_service(tmp_path: Path) -> None:
    body = _region_json(tmp_path).read_bytes()
    seen: list[tuple[str, str | None]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append((self.path, self.headers.get("Authorization")))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        out = tmp_path / "fetched.html"
        url = f"http://127.0.0.1:{server.server_port}"
        args = ["report", "--region", "VO2001", "--teldatum", "2017-10-01"]
        assert main([*args, "--url", url, "--token", "t0k", "--out", str(out)]) == 0
    finally:
        server.shutdown()
    assert seen == [("/v1/regions/VO2001/statistics?teldatum=2017-10-01", "Bearer t0k")]
    assert "<svg" in out.read_text(encoding="utf-8")
