"""The legal framework as dated data: which phase is in force on a date, and is the data sane?"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from chalicelib.errors import NoLegalPhaseError, UnknownFrameworkError
from chalicelib.legal import timeline
from chalicelib.legal.model import Framework, Phase
from chalicelib.legal.timeline import (
    FRAMEWORK_IDS,
    framework,
    national_criteria,
    national_criteria_at,
    phase_at,
)

DATA = Path(timeline.__file__).resolve().parent / "data"
FRAMEWORK_FILES = sorted((DATA / "frameworks").glob("*.json"))
NATIONAL_FILES = sorted((DATA / "national").glob("*.json"))
D = dt.date.fromisoformat


# --- phase_at ------------------------------------------------------------------------------

# (framework, date, phase id, national criteria version): from README "Two frameworks"
PHASES_ON = [
    ("enacted", "2016-01-01", "integratie-2016", "national-2016"),
    ("enacted", "2018-07-31", "integratie-2016", "national-2016"),
    ("enacted", "2018-08-01", "integratie-2016", "national-2016"),
    ("enacted", "2022-07-31", "integratie-2016", "national-2016"),
    ("enacted", "2022-08-01", "wvo2020", "national-2022"),
    ("enacted", "2040-12-31", "wvo2020", "national-2022"),
    ("kamerbrief-2014", "2016-01-01", "integratie-2016", "national-2016"),
    ("kamerbrief-2014", "2018-07-31", "integratie-2016", "national-2016"),
    ("kamerbrief-2014", "2018-08-01", "loslaten", None),
    ("kamerbrief-2014", "2022-07-31", "loslaten", None),
    ("kamerbrief-2014", "2022-08-01", "loslaten", None),
]


@pytest.mark.parametrize(("framework_id", "date", "phase_id", "version"), PHASES_ON)
def test_phase_at(framework_id: str, date: str, phase_id: str, version: str | None) -> None:
    phase = phase_at(framework_id, D(date))
    assert phase.id == phase_id
    assert phase.national_criteria.version == version
    criteria = national_criteria_at(framework_id, D(date))
    assert (criteria.version_id if criteria else None) == version


@pytest.mark.parametrize("framework_id", FRAMEWORK_IDS)
@pytest.mark.parametrize("date", ["2015-12-31", "2014-08-01", "1998-01-01"])
def test_no_phase_before_2016(framework_id: str, date: str) -> None:
    with pytest.raises(NoLegalPhaseError) as raised:
        phase_at(framework_id, D(date))
    assert raised.value.code == "no_legal_phase"
    assert "2016-01-01" in raised.value.message


def test_national_criteria_bind_in_both_frameworks_until_the_plan_diverges() -> None:
    # GIVEN the 2014 plan and the enacted law WHEN asked on 2017-03-01 THEN both bind nationally
    for framework_id in FRAMEWORK_IDS:
        rule = phase_at(framework_id, D("2017-03-01")).national_criteria
        assert (rule.lwoo, rule.pro) == ("binding_unless_opted_out", "binding")
    # ...and from 2018-08-01 only the enacted law keeps them; the plan drops lwoo AND pro
    assert phase_at("enacted", D("2018-08-01")).national_criteria.pro == "binding"
    loslaten = phase_at("kamerbrief-2014", D("2018-08-01"))
    assert (loslaten.national_criteria.lwoo, loslaten.national_criteria.pro) == ("none", "none")
    assert loslaten.licences.lwoo_licences is False
    assert loslaten.duration.region_sets == "always"


def test_opting_out_never_covers_pro() -> None:
    # WVO 2020 art. 2.48 / WVO art. 17a1: pro is never in scope; the data has no pro item at all
    for framework_id in FRAMEWORK_IDS:
        for phase in framework(framework_id).phases:
            assert phase.national_criteria.pro != "binding_unless_opted_out"
            assert set(phase.opt_out.scope) <= {"criteria", "duration", "licences"}
            assert phase.opt_out.consent == "all_boards"


def test_unknown_framework() -> None:
    with pytest.raises(UnknownFrameworkError):
        phase_at("kamerbrief-2015", D("2017-01-01"))


# --- data sanity ---------------------------------------------------------------------------


def test_every_framework_file_is_listed_and_named_by_its_id() -> None:
    ids = {json.loads(p.read_text(encoding="utf-8"))["id"] for p in FRAMEWORK_FILES}
    assert ids == set(FRAMEWORK_IDS)
    for path in FRAMEWORK_FILES:
        assert json.loads(path.read_text(encoding="utf-8"))["id"] == path.stem


def _load(path: Path) -> Framework:
    return Framework.model_validate_json(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", FRAMEWORK_FILES, ids=lambda p: p.stem)
def test_phases_sorted_contiguous_and_last_open_ended(path: Path) -> None:
    phases = _load(path).phases
    assert phases[0].effective_from == D("2016-01-01")
    for phase in phases:
        if phase.effective_until is not None:
            assert phase.effective_from <= phase.effective_until, phase.id
    for earlier, later in itertools.pairwise(phases):
        assert earlier.effective_from < later.effective_from, "phases must be sorted"
        assert earlier.effective_until is not None, f"{earlier.id} is open-ended but not last"
        # contiguous: no gap, no overlap
        assert earlier.effective_until + dt.timedelta(days=1) == later.effective_from, (
            f"{earlier.id} ends {earlier.effective_until}, {later.id} starts {later.effective_from}"
        )
    assert phases[-1].effective_until is None, "the last phase must be open-ended"
    assert len({p.id for p in phases}) == len(phases), "phase ids must be unique"


@pytest.mark.parametrize("path", FRAMEWORK_FILES, ids=lambda p: p.stem)
def test_phase_at_agrees_with_each_phases_own_dates(path: Path) -> None:
    fw = _load(path)
    for phase in fw.phases:
        assert phase_at(fw.id, phase.effective_from).id == phase.id
        if phase.effective_until is not None:
            assert phase_at(fw.id, phase.effective_until).id == phase.id


def _blocks(phase: Phase) -> dict[str, Any]:
    return {
        "phase": phase,
        "national_criteria": phase.national_criteria,
        "opt_out": phase.opt_out,
        "duration": phase.duration,
        "licences": phase.licences,
        "evidence": phase.evidence,
        "objection": phase.objection,
    }


@pytest.mark.parametrize("path", FRAMEWORK_FILES, ids=lambda p: p.stem)
def test_every_phase_and_rule_block_cites_its_source(path: Path) -> None:
    for phase in _load(path).phases:
        for name, block in _blocks(phase).items():
            citations = block.legal_basis
            assert citations, f"{phase.id}.{name} has no legal_basis"
            for citation in citations:
                assert citation.citation.strip(), f"{phase.id}.{name}: empty citation"
                assert citation.url.startswith("https://"), f"{phase.id}.{name}: {citation.url}"


def test_every_rule_block_in_the_raw_files_carries_a_legal_basis() -> None:
    # The model defaults nothing for legal_basis on rule blocks, but check the raw JSON too,
    # so that a block added to the data without a model change cannot slip through.
    for path in FRAMEWORK_FILES:
        for phase in json.loads(path.read_text(encoding="utf-8"))["phases"]:
            assert phase["legal_basis"], phase["id"]
            for key, value in phase.items():
                if isinstance(value, dict):
                    assert value.get("legal_basis"), f"{path.stem}/{phase['id']}/{key}"


@pytest.mark.parametrize("path", NATIONAL_FILES, ids=lambda p: p.stem)
def test_national_criteria_files_cite_every_route_and_condition(path: Path) -> None:
    criteria = national_criteria(path.stem)
    assert criteria.version_id == path.stem
    definition = criteria.definition
    assert definition.mixed_profile_legal_basis
    for name in ("lwoo", "pro"):
        arrangement = getattr(definition.arrangements, name)
        assert arrangement is not None, f"{path.stem} lacks {name}"
        assert arrangement.legal_basis
        assert arrangement.duration.kind == "school_career"
        for route in arrangement.routes:
            assert route.legal_basis, route.id
            for condition in route.conditions:
                assert condition.legal_basis, f"{route.id}/{condition.kind}"
                for citation in condition.legal_basis:
                    assert citation.url.startswith("https://")


def test_phases_reference_existing_national_criteria_with_matching_dates() -> None:
    referenced: set[str] = set()
    for framework_id in FRAMEWORK_IDS:
        for phase in framework(framework_id).phases:
            version = phase.national_criteria.version
            reference = getattr(phase.national_criteria, "reference_version", None)
            if reference is not None:
                # a former version kept for comparison must exist too
                assert (DATA / "national" / f"{reference}.json").exists(), reference
            if version is None:
                # no version: nothing national binds in the phase
                assert phase.national_criteria.lwoo == "none"
                assert phase.national_criteria.pro == "none"
                continue
            referenced.add(version)
            assert (DATA / "national" / f"{version}.json").exists(), version
            definition = national_criteria(version).definition
            # the criteria start when the phase starts...
            assert definition.effective_from == phase.effective_from, (framework_id, phase.id)
            # ...and hold for the whole phase
            if definition.effective_until is not None:
                assert phase.effective_until is not None, (framework_id, phase.id)
                assert definition.effective_until >= phase.effective_until
            if framework_id == "enacted":
                # the law as enacted: the legal text and the phase are the same period
                assert definition.effective_until == phase.effective_until, phase.id
    assert referenced == {p.stem for p in NATIONAL_FILES}, "unreferenced national criteria"


def test_2016_and_2022_criteria_are_the_same_rules_renumbered() -> None:
    # README: "Same rules, renumbered citations." Compare the definitions without citations.
    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            drop = {"legal_basis", "mixed_profile_legal_basis", "mixed_profile_note"}
            drop |= {"effective_from", "effective_until", "description"}
            return {k: strip(v) for k, v in value.items() if k not in drop}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    old = national_criteria("national-2016").definition.model_dump(mode="json")
    new = national_criteria("national-2022").definition.model_dump(mode="json")
    assert strip(old) == strip(new)
    # and the 2022 version alone carries the interpretation note on art. 2.46 lid 6
    assert national_criteria("national-2016").definition.mixed_profile_note is None
    assert national_criteria("national-2022").definition.mixed_profile_note


def test_national_bands_are_the_ones_in_the_law() -> None:
    # UB WVO 2020 art. 2.46 lid 4-5, read directly: pro IQ 55-80 and delay >= 0,5;
    # lwoo A IQ 75-90, lwoo B IQ 91-120 with SEP, delay 0,25 to 0,5; two domains, one IR or BL.
    for version in ("national-2016", "national-2022"):
        arrangements = national_criteria(version).definition.arrangements
        assert arrangements.lwoo is not None
        assert arrangements.pro is not None
        found: dict[str, dict[str, Any]] = {}
        for route in arrangements.lwoo.routes + arrangements.pro.routes:
            found[route.id] = {c.kind: c for c in route.conditions}
        assert set(found) == {"lwoo-a", "lwoo-b", "pro"}
        assert (found["pro"]["iq"].min, found["pro"]["iq"].max) == (55, 80)
        assert (found["lwoo-a"]["iq"].min, found["lwoo-a"]["iq"].max) == (75, 90)
        assert (found["lwoo-b"]["iq"].min, found["lwoo-b"]["iq"].max) == (91, 120)
        pro_delay = found["pro"]["learning_delay"]
        assert str(pro_delay.min_ratio) == "0.5"
        assert pro_delay.max_ratio_exclusive is None
        for route_id in ("lwoo-a", "lwoo-b"):
            delay = found[route_id]["learning_delay"]
            assert (str(delay.min_ratio), str(delay.max_ratio_exclusive)) == ("0.25", "0.5")
        for conditions in found.values():
            delay = conditions["learning_delay"]
            assert delay.min_domains == 2
            assert set(delay.required_one_of) == {"begrijpend_lezen", "inzichtelijk_rekenen"}
        assert "sep" in found["lwoo-b"]
        assert found["lwoo-b"]["sep"].requires_hindrance
        assert "sep" not in found["lwoo-a"]
        assert "sep" not in found["pro"]
