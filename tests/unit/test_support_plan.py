"""The support plan's checks, pure: `check_plan` on complete plans of every phase, minus one item.

A complete plan validates clean. Removing any one required item (each section of the phase,
each municipality's OOGO, the PO overleg, the MBO invitation where the phase asks it, the
adoption and the inspectorate's dates, each lwoo/pro item the phase requires of the region)
produces exactly the finding for that item; the required items are read from the phase data.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain.support_plan import (
    check_plan,
    plan_in_force,
    required_items,
    superseded_by,
)
from chalicelib.legal.model import Phase
from chalicelib.legal.timeline import national_criteria, phase_at
from chalicelib.messages import render_text
from chalicelib.messages.format import formatter
from chalicelib.models.criteria import CriteriaDefinition
from chalicelib.models.region import RegionIn
from chalicelib.models.support_plan import PlanPublication, SupportPlan
from chalicelib.render.markdown import route_words
from chalicelib.services.criteria import content_hash

EXAMPLES = Path(__file__).resolve().parents[2] / "criteria_schemas" / "examples" / "support-plan"
Document = dict[str, Any]


def example(name: str) -> Document:
    document: Document = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return document


REGION = RegionIn.model_validate(example("region"))
OLD_SECTIONS = {k: {"text": f"Tekst van onderdeel {k}."} for k in "abcdefgh"}


def own_criteria(
    base: str, start: str, until: str | None, arrangements: tuple[str, ...]
) -> Document:
    definition = national_criteria(base).definition.model_dump(mode="json", exclude_none=True)
    definition["effective_from"], definition["effective_until"] = start, until
    definition["arrangements"] = {a: definition["arrangements"][a] for a in arrangements}
    definition["arrangements"]["lwoo"]["routes"][0]["conditions"][0]["min"] = 70
    definition["arrangements"]["lwoo"]["duration"] = {"kind": "school_years", "years": 2}
    return definition


def wvo2020() -> Document:
    return example("plan")


def integratie_2016() -> Document:
    plan = example("plan")
    plan.update(
        period={"start": "2018-08-01", "end": "2022-07-31"},
        adopted_on="2018-03-20",
        sent_to_inspectorate_on="2018-04-10",
        sections=copy.deepcopy(OLD_SECTIONS),
        consultations={
            "oogo": [
                {"municipality": "Voorbeeldstad", "held_on": "2018-02-15"},
                {"municipality": "Dorpsveen", "held_on": "2018-02-16"},
            ],
            "po_partnerships": [{"partnership": "PO2001", "held_on": "2018-02-20"}],
        },
    )
    plan["lwoo_pro"]["criteria"] = [
        own_criteria("national-2016", "2018-01-01", "2022-07-31", ("lwoo",))
    ]
    return plan


def loslaten() -> Document:
    plan = integratie_2016()
    plan["lwoo_pro"] = {
        "criteria": [own_criteria("national-2016", "2018-08-01", None, ("lwoo", "pro"))],
        "procedure": "De school vraagt aan; het samenwerkingsverband beslist na advies.",
    }
    return plan


ALL = ("criteria", "duration", "licences")
SITUATIONS: dict[str, tuple[str, str, tuple[str, ...], Callable[[], Document]]] = {
    # name: framework, date in the phase, opt-out scope, complete plan
    "enacted-wvo2020-opted-out": ("enacted", "2024-08-01", ALL, wvo2020),
    "enacted-integratie-2016-opted-out": ("enacted", "2018-08-01", ALL, integratie_2016),
    "kamerbrief-2014-loslaten": ("kamerbrief-2014", "2018-08-01", (), loslaten),
}


def phase_of(situation: str) -> Phase:
    framework, date, _, _ = SITUATIONS[situation]
    return phase_at(framework, dt.date.fromisoformat(date))


def findings(
    document: Document,
    situation: str,
    stored: str | bool | None = True,
    region: RegionIn = REGION,
) -> list[tuple[str, str]]:
    _, _, scope, _ = SITUATIONS[situation]
    plan = SupportPlan.model_validate(document)
    recorded = [content_hash(d) for d in plan.lwoo_pro.criteria]
    if stored is True:
        stored = recorded[0] if recorded else None
    found = check_plan(plan, region, phase_of(situation), scope, stored or None, [], recorded)
    for f in found:
        assert f.legal_basis, f"{f.code} has no legal basis"
        assert all(c.url.startswith("https://") for c in f.legal_basis)
    return [(f.code, f.path) for f in found]


@pytest.mark.parametrize("situation", sorted(SITUATIONS))
def test_a_complete_plan_validates_clean(situation: str) -> None:
    assert findings(SITUATIONS[situation][3](), situation) == []


def _drop(*keys: str) -> Callable[[Document], None]:
    def remove(document: Document) -> None:
        node = document
        for key in keys[:-1]:
            node = node[key]
        del node[keys[-1]]

    return remove


def _drop_oogo(municipality: str) -> Callable[[Document], None]:
    def remove(document: Document) -> None:
        oogo = document["consultations"]["oogo"]
        oogo[:] = [o for o in oogo if o["municipality"] != municipality]

    return remove


def removal_cases() -> list[Any]:
    """(situation, what is removed, expected findings), read from the phase data."""
    cases = []
    for situation in sorted(SITUATIONS):
        phase, scope = phase_of(situation), SITUATIONS[situation][2]
        rule = phase.support_plan
        items: list[tuple[str, Callable[[Document], None], list[tuple[str, str]]]] = [
            (f"section {s.id}", _drop("sections", s.id), [("section_missing", f"/sections/{s.id}")])
            for s in rule.sections
        ]
        items += [
            (f"OOGO {m}", _drop_oogo(m), [("oogo_missing", "/consultations/oogo")])
            for m in REGION.municipalities
        ]
        items.append(
            (
                "PO overleg",
                _drop("consultations", "po_partnerships"),
                [("po_overleg_missing", "/consultations/po_partnerships")],
            )
        )
        if rule.mbo_invited_for_sections:
            items.append(
                (
                    "MBO invitation",
                    _drop("consultations", "mbo_invited"),
                    [("mbo_not_invited", "/consultations/mbo_invited")],
                )
            )
        items.append(("adoption", _drop("adopted_on"), [("not_adopted", "/adopted_on")]))
        items.append(
            (
                "sent to the inspectorate",
                _drop("sent_to_inspectorate_on"),
                [("not_sent_to_inspectorate", "/sent_to_inspectorate_on")],
            )
        )
        for item in required_items(phase, scope):
            if item.records == "criteria":
                arrangements = 2 if phase.national_criteria.pro == "none" else 1
                items.append(
                    (
                        f"item {item.id}: criteria",
                        _drop("lwoo_pro", "criteria"),
                        [("criteria_not_recorded", "/lwoo_pro/criteria")] * arrangements,
                    )
                )
                items.append(
                    (
                        f"item {item.id}: procedure",
                        _drop("lwoo_pro", "procedure"),
                        [("procedure_missing", "/lwoo_pro/procedure")],
                    )
                )
            else:
                items.append(
                    (
                        f"item {item.id}: nomination criteria",
                        _drop("lwoo_pro", "nomination_criteria"),
                        [("nomination_criteria_missing", "/lwoo_pro/nomination_criteria")],
                    )
                )
                items.append(
                    (
                        f"item {item.id}: nominated schools",
                        _drop("lwoo_pro", "nominated_schools"),
                        [("nominated_schools_missing", "/lwoo_pro/nominated_schools")],
                    )
                )
        cases += [
            pytest.param(situation, remove, expected, id=f"{situation}: {name}")
            for name, remove, expected in items
        ]
    return cases


@pytest.mark.parametrize(("situation", "remove", "expected"), removal_cases())
def test_removing_one_required_item_gives_exactly_its_finding(
    situation: str, remove: Callable[[Document], None], expected: list[tuple[str, str]]
) -> None:
    document = SITUATIONS[situation][3]()
    remove(document)
    assert Counter(findings(document, situation)) == Counter(expected)


def test_every_phase_of_every_framework_has_its_support_plan_rule_covered() -> None:
    covered = {(SITUATIONS[s][0], phase_of(s).id) for s in SITUATIONS}
    assert covered >= {("enacted", "wvo2020"), ("enacted", "integratie-2016")}
    assert ("kamerbrief-2014", "loslaten") in covered
    sections = {
        phase_of(s).id: [x.id for x in phase_of(s).support_plan.sections] for s in SITUATIONS
    }
    assert sections["wvo2020"] == list("abcdefg")
    assert sections["integratie-2016"] == list("abcdefgh")
    old = phase_of("enacted-integratie-2016-opted-out").support_plan.lwoo_pro_items
    assert [(i.id, i.legal_basis[0].citation) for i in old] == [
        ("i", "WVO art. 17a lid 8 i"),
        ("j", "WVO art. 17a lid 8 j"),
    ]
    assert phase_of("kamerbrief-2014-loslaten").criteria_need_published_plan is True
    assert phase_of("enacted-wvo2020-opted-out").criteria_need_published_plan is False


def test_without_opt_out_no_lwoo_item_is_required_and_nominations_are_refused() -> None:
    document = wvo2020()
    document["lwoo_pro"] = {"nominated_schools": ["00YY"]}
    plan = SupportPlan.model_validate(document)
    phase = phase_of("enacted-wvo2020-opted-out")
    found = check_plan(plan, REGION, phase, (), None, [], [])
    assert [(f.code, f.path) for f in found] == [
        ("nomination_without_licences", "/lwoo_pro/nominated_schools")
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {"period": {"start": "2024-09-01", "end": "2028-07-31"}},
            [("period_start", "/period/start")],
        ),
        ({"period": {"start": "2024-08-01", "end": "2028-06-30"}}, [("period_end", "/period/end")]),
        (
            {"period": {"start": "2024-08-01", "end": "2029-07-31"}},
            [("period_too_long", "/period/end")],
        ),
        (
            {"period": {"start": "2024-08-01", "end": "2024-07-31"}},
            [("period_end_before_start", "/period/end")],
        ),
        (
            {"sent_to_inspectorate_on": "2024-05-01"},
            [("inspectorate_late", "/sent_to_inspectorate_on")],
        ),
        (
            {"sent_to_inspectorate_on": "2024-03-01"},
            [("sent_before_adoption", "/sent_to_inspectorate_on")],
        ),
        (
            {"sections": {"a": {"text": "  "}}},
            [("section_missing", f"/sections/{k}") for k in "abcdefg"],
        ),
    ],
    ids=["start", "end", "five-years", "end-before-start", "on-1-may", "before-adoption", "blank"],
)
def test_a_late_or_wrong_item_gets_its_finding(
    change: Document, expected: list[tuple[str, str]]
) -> None:
    document = {**wvo2020(), **change}
    assert Counter(findings(document, "enacted-wvo2020-opted-out")) == Counter(expected)


def test_consultations_after_adoption_and_unknown_municipalities() -> None:
    document = wvo2020()
    document["consultations"]["oogo"][1]["held_on"] = "2024-03-21"
    document["consultations"]["oogo"].append({"municipality": "Elders", "held_on": "2024-02-01"})
    document["consultations"]["mbo_invited"][0]["invited_on"] = "2024-03-25"
    assert findings(document, "enacted-wvo2020-opted-out") == [
        ("oogo_unknown_municipality", "/consultations/oogo/2/municipality"),
        ("oogo_after_adoption", "/consultations/oogo/1/held_on"),
        ("mbo_invited_after_adoption", "/consultations/mbo_invited/0/invited_on"),
    ]


def test_municipality_names_match_regardless_of_case_and_spacing() -> None:
    document = wvo2020()
    document["consultations"]["oogo"][0]["municipality"] = "  voorbeeldSTAD "
    assert findings(document, "enacted-wvo2020-opted-out") == []


def test_recorded_criteria_are_compared_with_the_stored_version_by_hash() -> None:
    situation = "enacted-wvo2020-opted-out"
    assert findings(wvo2020(), situation, stored="0" * 64) == [
        ("criteria_differ_from_stored", "/lwoo_pro/criteria/0")
    ]
    assert findings(wvo2020(), situation, stored=None) == [
        ("criteria_not_stored", "/lwoo_pro/criteria/0")
    ]


def test_a_nominated_school_must_be_a_school_of_the_region() -> None:
    document = wvo2020()
    document["lwoo_pro"]["nominated_schools"] = ["00YY", "99ZZ"]
    assert findings(document, "enacted-wvo2020-opted-out") == [
        ("nominated_school_unknown", "/lwoo_pro/nominated_schools/1")
    ]


def test_a_plan_running_into_the_next_phase_gets_a_warning() -> None:
    document = integratie_2016()
    document["period"] = {"start": "2019-08-01", "end": "2023-07-31"}
    document["sent_to_inspectorate_on"] = "2018-04-10"
    plan = SupportPlan.model_validate(document)
    recorded = [content_hash(d) for d in plan.lwoo_pro.criteria]
    phase = phase_at("enacted", dt.date(2019, 8, 1))
    found = check_plan(plan, REGION, phase, ALL, recorded[0], [], recorded)
    assert [(f.severity, f.code) for f in found] == [("warning", "crosses_phase_boundary")]


def test_without_municipalities_one_oogo_is_still_required() -> None:
    document = wvo2020()
    document["consultations"]["oogo"] = []
    bare = RegionIn.model_validate({**example("region"), "municipalities": []})
    assert findings(document, "enacted-wvo2020-opted-out", region=bare) == [
        ("oogo_missing", "/consultations/oogo")
    ]


def publication(plan_id: str, sequence: int, start: str, end: str) -> PlanPublication:
    return PlanPublication.model_validate(
        {
            "plan_id": plan_id,
            "framework": "kamerbrief-2014",
            "sequence": sequence,
            "published_on": "2018-05-01",
            "published_at": "2018-05-01T12:00:00",
            "period": {"start": start, "end": end},
            "content_hash": plan_id * 4,
            "criteria_hashes": [],
        }
    )


def test_the_latest_published_plan_covering_a_date_is_in_force() -> None:
    first = publication("a", 1, "2018-08-01", "2022-07-31")
    second = publication("b", 2, "2020-08-01", "2024-07-31")
    later = publication("c", 3, "2024-08-01", "2028-07-31")
    every = [first, second, later]
    assert plan_in_force(every, "kamerbrief-2014", dt.date(2019, 1, 1)) == first
    assert plan_in_force(every, "kamerbrief-2014", dt.date(2021, 1, 1)) == second
    assert plan_in_force(every, "kamerbrief-2014", dt.date(2025, 1, 1)) == later
    assert plan_in_force(every, "enacted", dt.date(2019, 1, 1)) is None
    assert plan_in_force(every, "kamerbrief-2014", dt.date(2018, 7, 31)) is None
    assert superseded_by(first, every) == second
    assert superseded_by(second, every) is None  # the next one does not overlap
    assert superseded_by(later, every) is None


def test_criteria_read_as_the_law_does() -> None:
    national = national_criteria("national-2022").definition
    lwoo, pro = national.arrangements.lwoo, national.arrangements.pro
    assert lwoo is not None and pro is not None
    assert render_text(route_words(lwoo.routes[0]), "nl") == (
        "IQ 75 t/m 90 en een leerachterstand van 25% tot 50% op ten minste twee domeinen, "
        "waarvan een begrijpend lezen of inzichtelijk rekenen"
    )
    assert render_text(route_words(pro.routes[0]), "nl") == (
        "IQ 55 t/m 80 en een leerachterstand van ten minste 50% op ten minste twee domeinen, "
        "waarvan een begrijpend lezen of inzichtelijk rekenen"
    )
    assert render_text(route_words(lwoo.routes[1]), "nl").endswith(
        "waarvan een begrijpend lezen of inzichtelijk rekenen, en sociaal-emotionele problematiek "
        "(ten minste één van: prestatiemotivatie, faalangst, emotionele instabiliteit) waardoor "
        "het onderwijsleerproces substantieel wordt belemmerd"
    )


def test_ratios_in_words_are_exact() -> None:
    from decimal import Decimal

    assert [
        formatter("nl").format("{r:percent}", r=Decimal(v))
        for v in ("0.25", "0.5", "0.50", "0.333", "1", "0")
    ] == [
        "25%",
        "50%",
        "50%",
        "33,3%",
        "100%",
        "0%",
    ]
    one = CriteriaDefinition.model_validate(
        {
            "effective_from": "2024-01-01",
            "arrangements": {
                "lwoo": {
                    "routes": [
                        {
                            "id": "a",
                            "conditions": [
                                {"kind": "iq", "min": 70},
                                {"kind": "learning_delay", "min_months": 18, "min_domains": 1,
                                 "required_one_of": ["inzichtelijk_rekenen"]},
                            ],
                        }
                    ]
                }
            },
        }
    )  # fmt: skip
    assert one.arrangements.lwoo is not None
    assert render_text(route_words(one.arrangements.lwoo.routes[0]), "nl") == (
        "IQ ten minste 70 en een leerachterstand van ten minste 18 maanden (DL min DLE) op "
        "inzichtelijk rekenen"
    )
