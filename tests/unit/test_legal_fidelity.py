"""Legal fidelity II through the pure core: each reading of README "The law, as this service
reads it" that a real dossier or a real regional variant depends on."""

from __future__ import annotations

import datetime as dt

from dossiers import request_for

from chalicelib.domain.conformance import check_criteria
from chalicelib.domain.optout import check_opt_out
from chalicelib.legal.timeline import national_criteria, phase_at, phases_spanned
from chalicelib.models.criteria import CriteriaDefinition
from chalicelib.models.optout import OptOutNotice
from chalicelib.models.region import RegionIn
from chalicelib.services.decisions import decide_national

REGION = RegionIn.model_validate(
    {
        "name": "SWV VO Testregio",
        "boards": [{"id": "41234", "name": "A"}, {"id": "41235", "name": "B"}],
        "schools": [
            {"brin": "00YY", "name": "Vmbo A", "board_id": "41234", "kinds": ["vmbo"]},
            {"brin": "01AB", "name": "Pro B", "board_id": "41235", "kinds": ["pro"]},
        ],
    }
)


def notice(notified_on: str, effective_from: str = "2018-01-01") -> OptOutNotice:
    return OptOutNotice.model_validate(
        {
            "effective_from": effective_from,
            "scope": ["criteria"],
            "notified_on": notified_on,
            "consents": [
                {"board_id": "41234", "signed_on": "2016-10-01"},
                {"board_id": "41235", "signed_on": "2016-10-02"},
            ],
        }
    )


# --- opting out: any notice on or before 15 December is in time ------------------------------


def test_an_early_opt_out_notice_is_in_time() -> None:
    phase = phase_at("enacted", dt.date(2018, 1, 1))
    # a notice of 2016-11-01, more than a year before the start on 2018-01-01
    assert check_opt_out(notice("2016-11-01"), REGION, phase) == []


def test_a_notice_after_15_december_is_late() -> None:
    phase = phase_at("enacted", dt.date(2018, 1, 1))
    found = check_opt_out(notice("2017-12-16"), REGION, phase)
    assert [f.code for f in found] == ["opt_out_notice_late"]
    assert check_opt_out(notice("2017-12-15"), REGION, phase) == []


# --- definitions across phases ---------------------------------------------------------------


def open_ended_copy(version: str, start: str) -> CriteriaDefinition:
    document = national_criteria(version).definition.model_dump(mode="json")
    document["effective_from"], document["effective_until"] = start, None
    return CriteriaDefinition.model_validate(document)


def test_an_open_ended_definition_is_checked_in_every_phase_it_spans() -> None:
    definition = open_ended_copy("national-2016", "2017-01-01")
    phases = phases_spanned("enacted", definition.effective_from, None)
    assert [p.id for p in phases] == ["integratie-2016", "wvo2020"]
    assert check_criteria(definition, phases, ()) == []


def test_a_definition_ending_before_2022_spans_one_phase() -> None:
    assert [p.id for p in phases_spanned("enacted", dt.date(2017, 1, 1), dt.date(2022, 7, 31))] == [
        "integratie-2016"
    ]


def test_a_later_phase_that_forbids_the_definition_is_named_in_the_finding() -> None:
    # GIVEN a region's own lwoo criteria, permitted with an opt-out on criteria in 2017
    definition = open_ended_copy("national-2016", "2017-01-01")
    lwoo = definition.arrangements.lwoo
    assert lwoo is not None
    lowered = lwoo.routes[0].conditions[0].model_copy(update={"min": 70})
    route = lwoo.routes[0].model_copy(
        update={"conditions": (lowered, *lwoo.routes[0].conditions[1:])}
    )
    arrangements = definition.arrangements.model_copy(
        update={"lwoo": lwoo.model_copy(update={"routes": (route, *lwoo.routes[1:])})}
    )
    definition = definition.model_copy(update={"arrangements": arrangements})
    first, second = phases_spanned("enacted", definition.effective_from, None)
    assert check_criteria(definition, [first, second], ("criteria",)) == []
    # WHEN the next phase (hypothetically) had no opting out: the national lwoo criteria bind
    binding = second.national_criteria.model_copy(update={"lwoo": "binding"})
    strict = second.model_copy(update={"national_criteria": binding})
    found = check_criteria(definition, [first, strict], ("criteria",))
    # THEN the definition is refused, and the finding names the phase that forbids it
    assert [(f.code, f.path) for f in found] == [
        ("deviates_from_national_criteria", "/arrangements/lwoo/routes/0/conditions/0/min")
    ]
    assert "wvo2020" in found[0].message


# --- the above-band warning -----------------------------------------------------------------


def above_band(compact: dict[str, object], date: str = "2017-03-01") -> list[str]:
    evaluation = decide_national(request_for(compact, date))
    return [f.path for f in evaluation.findings if f.code == "delay_above_band_not_counted"]


def test_the_above_band_warning_fires_when_sep_is_missing_too() -> None:
    # IQ 95 without SEP, IR 0,60 and BL 0,30: IR is left out of the lwoo count, and counted
    # it would meet the domain rule (two domains, IR or BL among them)
    request = {
        "arrangement": "lwoo",
        "iq": 95,
        "delays": {"inzichtelijk_rekenen": [60, 24], "begrijpend_lezen": [60, 42]},
    }
    evaluation = decide_national(request_for(request))
    assert evaluation.outcome == "refused"
    warnings = [f for f in evaluation.findings if f.code == "delay_above_band_not_counted"]
    assert len(warnings) == 1 and "24/60" not in warnings[0].message
    assert "36/60" in warnings[0].message  # IR: 1 - 24/60 = 36/60
    cited = [c.citation for c in warnings[0].legal_basis]
    assert any("15d lid 5" in c for c in cited), cited


def test_no_above_band_warning_on_a_granted_pro_decision() -> None:
    # IQ 70 with IR and BL 0,60: pro granted; the lwoo count leaves both out, but a granted
    # decision needs no second look
    request = {
        "arrangement": "pro",
        "iq": 70,
        "delays": {"inzichtelijk_rekenen": [60, 24], "begrijpend_lezen": [60, 24]},
    }
    assert decide_national(request_for(request)).outcome == "granted"
    assert above_band(request) == []


def test_no_above_band_warning_when_counting_could_never_meet_the_domain_rule() -> None:
    # IQ 85 with TL and SP at 0,60: neither is IR or BL, so counting them never helps lwoo
    request = {
        "arrangement": "lwoo",
        "iq": 85,
        "delays": {"technisch_lezen": [60, 24], "spellen": [60, 24]},
    }
    assert decide_national(request_for(request)).outcome == "refused"
    assert above_band(request) == []


def test_the_above_band_warning_cites_the_phase_of_the_date() -> None:
    request = {
        "arrangement": "lwoo",
        "iq": 85,
        "delays": {"begrijpend_lezen": [60, 30], "spellen": [60, 42]},
    }
    evaluation = decide_national(request_for(request, "2023-03-01"))
    warning = next(f for f in evaluation.findings if f.code == "delay_above_band_not_counted")
    assert [c.citation for c in warning.legal_basis] == [
        "Uitvoeringsbesluit WVO 2020 art. 2.46 lid 3",
        "Uitvoeringsbesluit WVO 2020 art. 2.46 lid 5",
    ]


# --- citations on conditions and on health data ---------------------------------------------


def test_every_condition_of_a_decision_cites_its_article() -> None:
    request = {
        "arrangement": "lwoo",
        "iq": 85,
        "delays": {"begrijpend_lezen": [60, 42], "spellen": [60, 40]},
    }
    evaluation = decide_national(request_for(request))
    route = next(r for r in evaluation.explanation if r.route == "lwoo-a")
    assert [[c.citation for c in cond.legal_basis] for cond in route.conditions] == [
        ["Inrichtingsbesluit WVO art. 15d lid 5 a"],
        ["Inrichtingsbesluit WVO art. 15d lid 3", "Inrichtingsbesluit WVO art. 15d lid 5"],
    ]


def test_the_health_data_retention_article_is_the_one_of_the_date() -> None:
    request = {"arrangement": "lwoo", "iq": 85, "delays": {"begrijpend_lezen": [60, 42]}}
    before = decide_national(request_for(request, "2022-07-31"))
    after = decide_national(request_for(request, "2022-08-01"))
    assert [c.citation for c in before.health_data_legal_basis] == ["WVO art. 17a lid 14"]
    assert [c.citation for c in after.health_data_legal_basis] == ["WVO 2020 art. 2.47 lid 16"]
