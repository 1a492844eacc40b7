"""The decision engine by hand: GIVEN a dossier and criteria, WHEN deciding, THEN ...

Region criteria are built as `CriteriaDefinition`s and run through `compile_criteria`/`decide`
directly; national decisions go through `decide_national`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from dossiers import build_request, request_for

from chalicelib.documents import parse_json
from chalicelib.domain.duration import valid_until
from chalicelib.domain.eligibility import compile_criteria, decide
from chalicelib.legal.timeline import national_criteria, phase_at
from chalicelib.messages import render
from chalicelib.models.criteria import CriteriaDefinition, SchoolCareer, SchoolYears
from chalicelib.models.decision import CriteriaRef, Evaluation
from chalicelib.models.request import DecisionRequest
from chalicelib.services.decisions import decide_national

D = dt.date.fromisoformat
REGION = CriteriaRef("region", "VO2001-v1")
LWOO_DELAYS = {"begrijpend_lezen": [60, 42], "inzichtelijk_rekenen": [60, 39]}
PRO_DELAYS = {"begrijpend_lezen": [60, 24], "inzichtelijk_rekenen": [60, 24]}


def region_lwoo(conditions: list[dict[str, Any]], **extra: Any) -> CriteriaDefinition:
    """A region's lwoo-only criteria with one route made of `conditions`."""
    lwoo: dict[str, Any] = {"routes": [{"id": "regio", "conditions": conditions}]}
    if "duration" in extra:
        lwoo["duration"] = extra.pop("duration")
    return CriteriaDefinition.model_validate(
        {"effective_from": "2017-01-01", "arrangements": {"lwoo": lwoo}, **extra}
    )


def decide_region(definition: CriteriaDefinition, request: DecisionRequest) -> Evaluation:
    phase = phase_at("enacted", request.application.date)
    return decide(request, compile_criteria(definition, REGION), phase)


def route(evaluation: Evaluation, route_id: str) -> Any:
    return next(r for r in evaluation.explanation if r.route == route_id)


def codes(evaluation: Evaluation) -> list[str]:
    return [f.code for f in evaluation.findings]


# --- exactness ------------------------------------------------------------------------------


def test_delay_is_compared_exactly_not_in_floating_point() -> None:
    # GIVEN a region that counts a delay of at least 0,1 on one domain
    definition = region_lwoo([{"kind": "learning_delay", "min_ratio": "0.1", "min_domains": 1}])
    # AND a student with DL 50, DLE 45 on begrijpend lezen: 1 - 45/50 = 5/50 = 0,1 exactly
    request = request_for(
        {"arrangement": "lwoo", "iq": 100, "delays": {"begrijpend_lezen": [50, 45]}}
    )
    assert 1 - 45 / 50 < 0.1, "binary floating point would call this delay less than 0,1"
    # WHEN deciding THEN the delay of exactly 0,1 meets the bound (UB 2.46 lid 3: no rounding)
    evaluation = decide_region(definition, request)
    assert evaluation.outcome == "granted"
    assert route(evaluation, "regio").conditions[0].actual["counted"] == ["begrijpend_lezen"]


def test_delay_just_under_an_exact_bound_does_not_count() -> None:
    definition = region_lwoo([{"kind": "learning_delay", "min_ratio": "0.1", "min_domains": 1}])
    request = request_for(
        {"arrangement": "lwoo", "iq": 100, "delays": {"begrijpend_lezen": [50, 46]}}
    )
    assert decide_region(definition, request).outcome == "refused"


def test_ratio_given_as_a_json_number_is_exact_too() -> None:
    # GIVEN the bound as a number 0.1 (parsed as Decimal by documents.parse_json, not a float)
    document = parse_json(
        '{"effective_from": "2017-01-01", "arrangements": {"lwoo": {"routes": [{"id": "r",'
        ' "conditions": [{"kind": "learning_delay", "min_ratio": 0.1}]}]}}}'
    )
    definition = CriteriaDefinition.model_validate(document)
    request = request_for(
        {"arrangement": "lwoo", "iq": 100, "delays": {"begrijpend_lezen": [50, 45]}}
    )
    assert decide_region(definition, request).outcome == "granted"


def test_exclusive_upper_bound_is_exact() -> None:
    # GIVEN a band [0,2 ; 0,3) WHEN a delay is 3/10 exactly THEN it lies above the band
    band = {"kind": "learning_delay", "min_ratio": "0.2", "max_ratio_exclusive": "0.3"}
    definition = region_lwoo([{**band, "min_domains": 1}])
    at_bound = request_for({"arrangement": "lwoo", "iq": 100, "delays": {"spellen": [10, 7]}})
    below = request_for({"arrangement": "lwoo", "iq": 100, "delays": {"spellen": [100, 71]}})
    evaluation = decide_region(definition, at_bound)
    assert evaluation.outcome == "refused"
    assert route(evaluation, "regio").conditions[0].actual["above_band"] == ["spellen"]
    assert decide_region(definition, below).outcome == "granted"


# --- min_months -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dle", "met"),
    [(48, True), (47, True), (49, False), (60, False)],
    ids=["12 months behind", "13 months behind", "11 months behind", "no delay"],
)
def test_min_months(dle: int, met: bool) -> None:
    # GIVEN a region that counts a domain at least 12 months behind, on two domains, one BL/IR
    definition = region_lwoo(
        [
            {
                "kind": "learning_delay",
                "min_months": 12,
                "min_domains": 2,
                "required_one_of": ["begrijpend_lezen", "inzichtelijk_rekenen"],
            }
        ]
    )
    # AND a student with DL 60 on begrijpend lezen and spellen, both at `dle`
    request = request_for(
        {
            "arrangement": "lwoo",
            "iq": 85,
            "delays": {"begrijpend_lezen": [60, dle], "spellen": [60, dle]},
        }
    )
    evaluation = decide_region(definition, request)
    condition = route(evaluation, "regio").conditions[0]
    assert condition.met is met
    assert "12 maanden" in render(condition.expected, "nl")
    assert "12 months" in render(condition.expected, "en")
    assert evaluation.outcome == ("granted" if met else "refused")


def test_min_months_still_needs_a_core_domain() -> None:
    definition = region_lwoo(
        [
            {
                "kind": "learning_delay",
                "min_months": 12,
                "min_domains": 2,
                "required_one_of": ["begrijpend_lezen", "inzichtelijk_rekenen"],
            }
        ]
    )
    request = request_for(
        {
            "arrangement": "lwoo",
            "iq": 85,
            "delays": {"technisch_lezen": [60, 30], "spellen": [60, 30]},
        }
    )
    assert decide_region(definition, request).outcome == "refused"


# --- duration: valid_until (UB WVO 2020 art. 2.48 lid 1) ------------------------------------
# "een periode van een of meer schooljaren. Indien de beslissing wordt genomen in de loop van een
# schooljaar, wordt de periode tot de eerste dag van het eerstvolgende schooljaar toegevoegd."
# A school year runs 1 August to 31 July (WVO 2020 art. 1.1). valid_until is the first day the
# allocation no longer holds.

DURATIONS = [
    # (decided on, years, valid until, why)
    ("2017-08-01", 1, "2018-08-01", "on the first day of a school year: exactly that year"),
    ("2017-03-01", 1, "2018-08-01", "mid-year: rest of 2016/17 added, then 2017/18"),
    ("2017-07-31", 1, "2018-08-01", "last day of 2016/17 added, then 2017/18"),
    ("2017-08-02", 1, "2019-08-01", "in the loop of 2017/18: its rest added, then 2018/19"),
    ("2017-12-15", 2, "2020-08-01", "rest of 2017/18 added, then 2018/19 and 2019/20"),
    ("2018-01-15", 2, "2020-08-01", "rest of 2017/18 added, then 2018/19 and 2019/20"),
    ("2016-08-01", 4, "2020-08-01", "four whole school years"),
    ("2020-02-29", 1, "2021-08-01", "a leap day, mid-year"),
]


@pytest.mark.parametrize(
    ("decided_on", "years", "until", "why"), DURATIONS, ids=[d[3] for d in DURATIONS]
)
def test_valid_until_school_years(decided_on: str, years: int, until: str, why: str) -> None:
    assert valid_until(D(decided_on), SchoolYears(kind="school_years", years=years)) == D(until)


def test_valid_until_school_career_is_open() -> None:
    assert valid_until(D("2017-03-01"), SchoolCareer(kind="school_career")) is None


@pytest.mark.parametrize(
    ("decided_on", "until"), [("2017-03-01", "2019-08-01"), ("2017-08-01", "2019-08-01")]
)
def test_granted_region_decision_carries_its_duration(decided_on: str, until: str) -> None:
    # GIVEN a region that opted out on duration: lwoo for 2 school years
    definition = region_lwoo(
        [{"kind": "iq", "min": 75, "max": 90}],
        duration={"kind": "school_years", "years": 2},
    )
    request = request_for({"arrangement": "lwoo", "iq": 85, "delays": LWOO_DELAYS}, decided_on)
    evaluation = decide_region(definition, request)
    assert evaluation.outcome == "granted"
    assert evaluation.valid_from == D(decided_on)
    assert evaluation.valid_until == D(until)


def test_refused_decision_has_no_validity() -> None:
    definition = region_lwoo(
        [{"kind": "iq", "min": 75, "max": 90}],
        duration={"kind": "school_years", "years": 2},
    )
    request = request_for({"arrangement": "lwoo", "iq": 95, "delays": LWOO_DELAYS})
    evaluation = decide_region(definition, request)
    assert evaluation.outcome == "refused"
    assert (evaluation.valid_from, evaluation.valid_until) == (None, None)


def test_national_decision_holds_for_the_school_career() -> None:
    evaluation = decide_national(
        request_for({"arrangement": "lwoo", "iq": 85, "delays": LWOO_DELAYS})
    )
    assert evaluation.outcome == "granted"
    assert evaluation.valid_from == D("2017-03-01")
    assert evaluation.valid_until is None


# --- explanation ----------------------------------------------------------------------------


def test_explanation_shows_expected_actual_and_met_per_condition() -> None:
    # GIVEN IQ 82, BL DL 56 DLE 40 (16/56 = 0,286), SP DL 60 DLE 42 (18/60 = 0,30)
    request = request_for(
        {
            "arrangement": "lwoo",
            "iq": 82,
            "delays": {"begrijpend_lezen": [56, 40], "spellen": [60, 42]},
        }
    )
    evaluation = decide_national(request)
    # THEN route lwoo-a is met and says why
    lwoo_a = route(evaluation, "lwoo-a")
    assert lwoo_a.met is True
    assert lwoo_a.arrangement == "lwoo"
    iq, delay = lwoo_a.conditions
    assert (iq.kind, render(iq.expected), iq.actual, iq.met) == ("iq", "75 t/m 90", 82, True)
    assert render(iq.expected, "en") == "75 to 90"
    assert delay.kind == "learning_delay"
    assert delay.met is True
    assert delay.actual["delays"]["begrijpend_lezen"] == "16/56"
    assert delay.actual["delays"]["spellen"] == "18/60"
    assert delay.actual["delays"]["technisch_lezen"] == "0/60"
    assert sorted(delay.actual["counted"]) == ["begrijpend_lezen", "spellen"]
    for words in ("25%", "50%", "2", "begrijpend lezen", "inzichtelijk rekenen"):
        assert words in render(delay.expected, "nl")
    # AND the pro route is not met on IQ (82 > 80) nor on the delay
    pro = route(evaluation, "pro")
    assert pro.met is False
    pro_iq, pro_delay = pro.conditions
    assert (render(pro_iq.expected), pro_iq.actual, pro_iq.met) == ("55 t/m 80", 82, False)
    assert pro_delay.met is False
    assert pro_delay.actual["counted"] == []
    # AND lwoo-b fails on IQ and on SEP (none in the dossier)
    lwoo_b = route(evaluation, "lwoo-b")
    assert [c.met for c in lwoo_b.conditions] == [False, True, False]
    assert lwoo_b.conditions[2].actual is None


def test_explanation_covers_every_route_and_route_met_means_all_conditions_met() -> None:
    evaluation = decide_national(
        request_for({"arrangement": "pro", "iq": 70, "delays": PRO_DELAYS})
    )
    ids = {r.route for r in evaluation.explanation}
    assert {"lwoo-a", "lwoo-b", "pro"} <= ids
    assert any(r.mixed for r in evaluation.explanation), "mixed-profile routes are explained too"
    for r in evaluation.explanation:
        assert r.met == all(c.met for c in r.conditions), r.route
        assert r.legal_basis, r.route
        if r.mixed:
            assert r.grants == ("lwoo", "pro")


def test_explanation_without_iq_says_so() -> None:
    evaluation = decide_national(
        request_for({"arrangement": "lwoo", "iq": None, "delays": LWOO_DELAYS})
    )
    iq = route(evaluation, "lwoo-a").conditions[0]
    assert (iq.actual, iq.met) == (None, False)
    assert iq.detail


# --- warnings -------------------------------------------------------------------------------


def test_delay_above_band_not_counted_warning_points_at_the_domain() -> None:
    # GIVEN IQ 85, BL exactly 0,5 and SP 0,30, with BL as the third entry in learning_delays
    document = build_request(
        {
            "arrangement": "lwoo",
            "iq": 85,
            "delays": {"begrijpend_lezen": [60, 30], "spellen": [60, 42]},
        },
        D("2017-03-01"),
    )
    index = next(
        i
        for i, r in enumerate(document["student"]["learning_delays"])
        if r["domain"] == "begrijpend_lezen"
    )
    evaluation = decide_national(DecisionRequest.model_validate(document))
    # THEN BL is left out of the lwoo count (0,5 excluded), so refused, with a warning on BL
    assert evaluation.outcome == "refused"
    warnings = [f for f in evaluation.findings if f.code == "delay_above_band_not_counted"]
    assert len(warnings) == 1
    assert warnings[0].severity == "warning"
    assert warnings[0].path == f"/student/learning_delays/{index}"
    assert "30/60" in warnings[0].message
    # a warning informs, it does not make the dossier incomplete
    assert all(f.severity == "warning" for f in evaluation.findings)


def test_sep_missing_makes_the_dossier_incomplete_when_only_sep_stands_in_the_way() -> None:
    # GIVEN IQ 100 with lwoo delays and no SEP results: SEP can decide (route B)
    evaluation = decide_national(
        request_for({"arrangement": "lwoo", "iq": 100, "delays": LWOO_DELAYS})
    )
    # THEN the dossier is incomplete, not refused (UB WVO 2020 art. 2.46 lid 1 d)
    assert evaluation.outcome == "incomplete"
    assert evaluation.eligible_for == ()
    errors = [f for f in evaluation.findings if f.code == "sep_missing"]
    assert errors
    assert all(e.severity == "error" and e.path == "/student/sep" for e in errors)
    cited = [c.citation for e in errors for c in e.legal_basis]
    assert any("lid 1 d" in c for c in cited)
    assert any("lid 5 b" in c for c in cited)


def test_sep_missing_is_no_error_when_the_arrangement_is_granted_anyway() -> None:
    # GIVEN IQ 85 (route A, no SEP needed) with lwoo delays and no SEP
    evaluation = decide_national(
        request_for({"arrangement": "lwoo", "iq": 85, "delays": LWOO_DELAYS})
    )
    assert evaluation.outcome == "granted"
    assert "sep_missing" not in codes(evaluation)


def test_no_sep_missing_warning_when_sep_was_examined() -> None:
    evaluation = decide_national(
        request_for(
            {"arrangement": "lwoo", "iq": 100, "delays": LWOO_DELAYS, "sep": {"faalangst": True}}
        )
    )
    assert evaluation.outcome == "refused"
    assert "sep_missing" not in codes(evaluation)


def test_no_sep_missing_warning_when_sep_would_not_help() -> None:
    # IQ 85 without SEP: lwoo-b fails on IQ anyway
    evaluation = decide_national(
        request_for({"arrangement": "lwoo", "iq": 85, "delays": LWOO_DELAYS})
    )
    assert "sep_missing" not in codes(evaluation)


# --- legal basis ----------------------------------------------------------------------------


def _citations(evaluation: Evaluation) -> list[str]:
    return [c.citation for c in evaluation.legal_basis]


def test_granted_lwoo_cites_the_route_of_the_law_in_force() -> None:
    old = decide_national(
        request_for({"arrangement": "lwoo", "iq": 85, "delays": LWOO_DELAYS}, "2017-03-01")
    )
    new = decide_national(
        request_for({"arrangement": "lwoo", "iq": 85, "delays": LWOO_DELAYS}, "2023-03-01")
    )
    assert old.outcome == new.outcome == "granted"
    assert "Inrichtingsbesluit WVO art. 15d lid 5 a" in _citations(old)
    assert "Uitvoeringsbesluit WVO 2020 art. 2.46 lid 5 a" in _citations(new)
    for evaluation in (old, new):
        assert all(c.url.startswith("https://wetten.overheid.nl/") for c in evaluation.legal_basis)
    assert not any("2.46" in c for c in _citations(old))
    assert not any("15d" in c for c in _citations(new))


def test_granted_by_mixed_profile_cites_lid_6() -> None:
    # IQ 86 with pro delays is pro only by the mixed-profile rule
    evaluation = decide_national(
        request_for({"arrangement": "pro", "iq": 86, "delays": PRO_DELAYS})
    )
    assert evaluation.outcome == "granted"
    assert "Inrichtingsbesluit WVO art. 15d lid 6" in _citations(evaluation)


def test_granted_pro_cites_lid_4() -> None:
    evaluation = decide_national(
        request_for({"arrangement": "pro", "iq": 70, "delays": PRO_DELAYS})
    )
    assert evaluation.outcome == "granted"
    assert "Inrichtingsbesluit WVO art. 15d lid 4" in _citations(evaluation)
    assert len(set(_citations(evaluation))) == len(_citations(evaluation)), "no duplicates"


def test_refused_cites_the_arrangements_criteria() -> None:
    evaluation = decide_national(
        request_for({"arrangement": "pro", "iq": 90, "delays": LWOO_DELAYS})
    )
    assert evaluation.outcome == "refused"
    assert "Inrichtingsbesluit WVO art. 15d lid 4" in _citations(evaluation)


def test_incomplete_cites_the_evidence_rules() -> None:
    evaluation = decide_national(
        request_for(
            {
                "arrangement": "pro",
                "iq": 70,
                "delays": PRO_DELAYS,
                "evidence": {"parent_view": False},
            }
        )
    )
    assert evaluation.outcome == "incomplete"
    assert evaluation.eligible_for == ()
    assert "Inrichtingsbesluit WVO art. 15d lid 1-2" in _citations(evaluation)
    finding = next(f for f in evaluation.findings if f.code == "parent_view_missing")
    assert (finding.severity, finding.path) == ("error", "/evidence/parent_view")
    assert finding.legal_basis


# --- region criteria and the mixed profile --------------------------------------------------


def test_region_without_mixed_profile_has_no_mixed_routes() -> None:
    national = decide_national(request_for({"arrangement": "pro", "iq": 86, "delays": PRO_DELAYS}))
    definition = CriteriaDefinition.model_validate(
        {**national_definition_json(), "mixed_profile": "none"}
    )
    evaluation = decide_region(
        definition, request_for({"arrangement": "pro", "iq": 86, "delays": PRO_DELAYS})
    )
    assert national.eligible_for == ("lwoo", "pro")
    assert evaluation.outcome == "refused"
    assert evaluation.eligible_for == ()
    assert not any(r.mixed for r in evaluation.explanation)


def national_definition_json() -> dict[str, Any]:
    return national_criteria("national-2016").definition.model_dump(mode="json")


def test_evaluation_records_framework_phase_and_criteria() -> None:
    request = request_for({"arrangement": "lwoo", "iq": 85, "delays": LWOO_DELAYS}, "2018-07-31")
    evaluation = decide_national(request, "kamerbrief-2014")
    assert evaluation.framework == "kamerbrief-2014"
    assert evaluation.phase.id == "integratie-2016"
    assert (evaluation.criteria.source, evaluation.criteria.version_id) == (
        "national",
        "national-2016",
    )
    assert evaluation.decided_on == D("2018-07-31")
    assert evaluation.arrangement == "lwoo"


# --- SEP is evidence only where it can decide (UB WVO 2020 art. 2.46 lid 1 d) -------------


def test_unusable_sep_does_not_block_an_lwoo_a_decision() -> None:
    request = request_for(
        {
            "arrangement": "lwoo",
            "iq": 85,
            "delays": LWOO_DELAYS,
            "sep": {"administered_by": "leerkracht"},
        }
    )
    evaluation = decide_national(request)
    assert (evaluation.outcome, evaluation.eligible_for) == ("granted", ("lwoo",))
    warning = next(f for f in evaluation.findings if f.code == "tester_not_qualified")
    assert warning.severity == "warning" and "disregarded" in warning.message


def test_unusable_sep_blocks_where_sep_can_decide() -> None:
    # IQ 100 with lwoo delays: only route B (with SEP) can grant lwoo
    request = request_for(
        {
            "arrangement": "lwoo",
            "iq": 100,
            "delays": LWOO_DELAYS,
            "sep": {"faalangst": True, "hinders_learning": True, "administered_by": "leerkracht"},
        }
    )
    evaluation = decide_national(request)
    assert evaluation.outcome == "incomplete"
    error = next(f for f in evaluation.findings if f.code == "tester_not_qualified")
    assert error.severity == "error"
