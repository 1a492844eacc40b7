"""lwoo allocated to schools (legal-rules 2.9): a region that opted out on criteria may stop
deciding lwoo per student; through the pure core."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from chalicelib.domain.conformance import check_criteria
from chalicelib.domain.statistics import national_statistics, region_statistics
from chalicelib.legal.timeline import national_criteria, phases_spanned
from chalicelib.messages import render_text
from chalicelib.models.criteria import CriteriaDefinition
from chalicelib.render.markdown import definition_markdown
from tests.unit.test_statistics import doc
from tests.unit.test_support_plan import findings, integratie_2016

SCHOOLS_ALLOCATE = {"allocation": "schools"}


def definition(lwoo: dict[str, Any], pro: dict[str, Any] | None = None) -> CriteriaDefinition:
    document = national_criteria("national-2016").definition.model_dump(mode="json")
    document["effective_from"], document["effective_until"] = "2018-01-01", None
    document["arrangements"]["lwoo"] = lwoo
    if pro is not None:
        document["arrangements"]["pro"] = pro
    return CriteriaDefinition.model_validate(document)


def codes(found: list[Any]) -> list[tuple[str, str]]:
    return [(f.code, f.path) for f in found if f.severity == "error"]


def test_an_opted_out_region_may_allocate_lwoo_to_schools_open_ended() -> None:
    chosen = definition(SCHOOLS_ALLOCATE)
    phases = phases_spanned("enacted", chosen.effective_from, None)
    assert codes(check_criteria(chosen, phases, ("criteria",))) == []


@pytest.mark.parametrize("scope", [(), ("duration",), ("licences",)])
def test_without_an_opt_out_on_criteria_lwoo_cannot_go_to_schools(scope: tuple[str, ...]) -> None:
    chosen = definition(SCHOOLS_ALLOCATE)
    found = codes(
        check_criteria(chosen, phases_spanned("enacted", chosen.effective_from, None), scope)
    )
    assert ("allocation_not_permitted", "/arrangements/lwoo/allocation") in found


def test_pro_is_never_allocated_to_schools_not_even_after_loslaten() -> None:
    pro = {"allocation": "schools"}
    chosen = definition(SCHOOLS_ALLOCATE, pro).model_copy(
        update={"effective_from": dt.date(2018, 8, 1)}
    )
    phases = phases_spanned("kamerbrief-2014", chosen.effective_from, None)
    assert [p.id for p in phases] == ["loslaten"]
    assert codes(check_criteria(chosen, phases, ())) == [
        ("allocation_not_permitted", "/arrangements/pro/allocation")
    ]


def test_school_allocation_takes_no_routes() -> None:
    national_lwoo = national_criteria("national-2016").definition.arrangements.lwoo
    assert national_lwoo is not None
    lwoo = {**SCHOOLS_ALLOCATE, "routes": national_lwoo.model_dump(mode="json")["routes"]}
    chosen = definition(lwoo)
    found = codes(
        check_criteria(
            chosen, phases_spanned("enacted", chosen.effective_from, None), ("criteria",)
        )
    )
    assert found == [("routes_with_school_allocation", "/arrangements/lwoo/routes")]


def test_a_plan_that_allocates_lwoo_to_schools_says_how_it_is_distributed() -> None:
    plan = integratie_2016()
    plan["lwoo_pro"]["criteria"][0]["arrangements"]["lwoo"] = {"allocation": "schools"}
    found = findings(plan, "enacted-integratie-2016-opted-out")
    assert ("lwoo_distribution_missing", "/lwoo_pro/lwoo_distribution") in found
    plan["lwoo_pro"]["lwoo_distribution"] = "Naar rato van het aantal vmbo-bb/kb-leerlingen."
    assert ("lwoo_distribution_missing", "/lwoo_pro/lwoo_distribution") not in findings(
        plan, "enacted-integratie-2016-opted-out"
    )


REGION = {"region_id": "VO2001", "name": "SWV", "schools": []}


def test_the_figures_show_lwoo_allocated_to_schools_not_zero_allocations() -> None:
    documents = [
        doc("a", "2017-03-01"),  # lwoo, granted, in force on 2017-10-01
        doc("b", "2017-03-02", arrangement="pro", routes=(("pro", True, ("pro",)),)),
    ]
    switch = dt.date(2018, 1, 1)

    def by_schools(teldatum: dt.date) -> tuple[str, ...]:
        return ("lwoo",) if teldatum >= switch else ()

    before = region_statistics(REGION, documents, {}, dt.date(2017, 10, 1), by_schools)
    after = region_statistics(REGION, documents, {}, dt.date(2018, 10, 1), by_schools)
    assert before["figures"]["allocation"]["lwoo"] == "per_student"
    assert before["figures"]["allocations"] == {"lwoo": 1, "pro": 1, "total": 2}
    assert after["figures"]["allocation"]["lwoo"] == "allocated_to_schools"
    assert after["figures"]["allocations"] == {"lwoo": None, "pro": 1, "total": 1}
    assert after["figures"]["shares"]["lwoo"] is None
    national = national_statistics([after], None, None, dt.date(2018, 10, 1))
    assert national["national"]["lwoo_allocated_to_schools"] == ["VO2001"]
    assert national["national"]["allocations"] == {"lwoo": 0, "pro": 1, "total": 1}


def test_the_published_criteria_say_that_the_schools_choose() -> None:
    chosen = definition({**SCHOOLS_ALLOCATE, "legal_basis": []})
    text = render_text("\n".join(definition_markdown(chosen, ("lwoo",))), "nl")
    assert "geen besluiten per leerling" in text
    assert "route" not in text
