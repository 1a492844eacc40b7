"""Evidence rules through the pure core: who tests, which experts advise, how old a test may be.

Expected values come from the law as README "Evidence" reads it (UB WVO 2020 art. 2.46 lid 1-2,
2.51; IB WVO art. 15d, 15a; the yearly Regeling screenings- en testinstrumenten lwoo en pro,
legal-rules §1.7), never from the code's output.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, get_args

import pytest
from dossiers import request_for
from pydantic import ValidationError

from chalicelib.domain import evidence
from chalicelib.domain.evidence import check_evidence, oldest_didactic_test
from chalicelib.legal import timeline
from chalicelib.legal.instruments import DidacticRecency, InstrumentRegulations
from chalicelib.legal.timeline import instrument_rules_at, phase_at
from chalicelib.messages import LANGUAGES, render
from chalicelib.messages.format import catalog, formatter
from chalicelib.models.common import Finding, Profession
from chalicelib.models.decision import Evaluation
from chalicelib.services.decisions import decide_national

D = dt.date.fromisoformat
LWOO_DELAYS: dict[str, Any] = {"begrijpend_lezen": [60, 42], "inzichtelijk_rekenen": [60, 39]}
SEP_PROBLEM = {"faalangst": True, "hinders_learning": True}
DATA = Path(timeline.__file__).resolve().parent / "data"
REGULATION_2015 = "https://wetten.overheid.nl/BWBR0035541"
REGULATION_2016 = "https://wetten.overheid.nl/BWBR0036963"
REGULATION_2022 = "https://zoek.officielebekendmakingen.nl/stcrt-2021-35786.html"


def codes(evaluation: Evaluation) -> list[str]:
    return [f.code for f in evaluation.findings]


def finding(evaluation: Evaluation, code: str) -> Finding:
    return next(f for f in evaluation.findings if f.code == code)


def lwoo_a(date: str = "2017-03-01", **parts: Any) -> Evaluation:
    """An lwoo A dossier (IQ 85, BL and IR in the lwoo band), with `parts` merged over it."""
    compact: dict[str, Any] = {"arrangement": "lwoo", "iq": 85, "delays": LWOO_DELAYS, **parts}
    return decide_national(request_for(compact, date))


def lwoo_b(sep: dict[str, Any], date: str = "2017-03-01") -> Evaluation:
    """An lwoo B dossier (IQ 100, lwoo-band delays) with a SEP result showing a problem."""
    compact = {"arrangement": "lwoo", "iq": 100, "delays": LWOO_DELAYS, "sep": SEP_PROBLEM | sep}
    return decide_national(request_for(compact, date))


# --- kinder- en jeugdpsycholoog (UB art. 2.46 lid 2, 2.51) ---------------------------------


@pytest.mark.parametrize("date", ["2017-03-01", "2023-03-01"])
def test_an_iq_test_by_a_kinder_en_jeugdpsycholoog_is_usable(date: str) -> None:
    # a kinder- en jeugdpsycholoog is a psycholoog: diagnostically trained for lid 2
    evaluation = lwoo_a(date, iq={"score": 85, "administered_by": "kinder_en_jeugdpsycholoog"})
    assert (evaluation.outcome, evaluation.eligible_for) == ("granted", ("lwoo",))
    assert "tester_not_qualified" not in codes(evaluation)


def test_a_sep_test_by_a_kinder_en_jeugdpsycholoog_is_usable() -> None:
    evaluation = lwoo_b({"administered_by": "kinder_en_jeugdpsycholoog"})
    assert (evaluation.outcome, evaluation.eligible_for) == ("granted", ("lwoo",))


@pytest.mark.parametrize(
    "advice",
    [
        ["kinder_en_jeugdpsycholoog", "arts"],
        ["psycholoog", "orthopedagoog"],  # an orthopedagoog counts as a pedagoog (2.51)
        ["orthopedagoog", "kinder_en_jeugdpsycholoog"],
        ["psycholoog", "deskundige_vo"],
    ],
)
def test_expert_advice_that_suffices(advice: list[str]) -> None:
    evaluation = lwoo_a(evidence={"expert_advice": advice})
    assert evaluation.outcome == "granted", codes(evaluation)
    assert "expert_advice_insufficient" not in codes(evaluation)


@pytest.mark.parametrize(
    "advice",
    [
        ["psycholoog"],  # no second expert
        ["psycholoog", "psycholoog"],  # a psycholoog is not on the second list
        ["arts", "pedagoog"],  # no orthopedagoog or psycholoog
        ["kinder_en_jeugdpsycholoog", "leerkracht"],
        [],
    ],
)
def test_expert_advice_that_is_insufficient(advice: list[str]) -> None:
    evaluation = lwoo_a(evidence={"expert_advice": advice})
    assert (evaluation.outcome, evaluation.eligible_for) == ("incomplete", ())
    assert finding(evaluation, "expert_advice_insufficient").path == "/evidence/expert_advice"


def test_refusals_name_the_professions_that_count_in_readable_words() -> None:
    evaluation = lwoo_a(
        iq={"score": 85, "administered_by": "leerkracht"},
        evidence={"expert_advice": ["maatschappelijk_werker"]},
    )
    tester = render(finding(evaluation, "tester_not_qualified").message, "en")
    advice = render(finding(evaluation, "expert_advice_insufficient").message, "en")
    for message in (tester, advice):
        assert "kinder- en jeugdpsycholoog" in message
        assert "psycholoog" in message and "orthopedagoog" in message
        assert "_" not in message, message  # no snake_case codes
    assert "leerkracht" in tester
    assert "maatschappelijk werker" in advice and "arts" in advice and "pedagoog" in advice


def test_the_named_professions_come_from_the_phases_lists() -> None:
    # GIVEN an evidence rule whose lists hold only an orthopedagoog and an arts
    rule = phase_at("enacted", D("2017-03-01")).evidence.model_copy(
        update={"tester_professions": ("orthopedagoog",), "second_expert": ("arts",)}
    )
    request = request_for(
        {
            "arrangement": "lwoo",
            "iq": {"score": 85, "administered_by": "psycholoog"},
            "delays": LWOO_DELAYS,
            "evidence": {"expert_advice": ["psycholoog", "pedagoog"]},
        }
    )
    found = {f.code: render(f.message, "en") for f in check_evidence(request, rule)}
    assert (
        "under a diagnostically trained orthopedagoog, not a psycholoog"
        in found["tester_not_qualified"]
    )
    assert "a second, other expert: a arts" in found["expert_advice_insufficient"]
    assert "kinder- en jeugdpsycholoog" not in found["tester_not_qualified"]


def test_every_profession_has_readable_words() -> None:
    for lang in LANGUAGES:
        names = [catalog(lang)[f"profession.{p}"] for p in get_args(Profession)]
        assert all(name and "_" not in name for name in names), lang


# --- SEP test dates (instrument regulation: SE scores at most one year old) ----------------


def test_a_sep_test_dated_after_the_application_makes_the_dossier_incomplete() -> None:
    evaluation = lwoo_b({"test_date": "2017-03-02"})
    assert (evaluation.outcome, evaluation.eligible_for) == ("incomplete", ())
    found = finding(evaluation, "test_after_application")
    assert (found.severity, found.path) == ("error", "/student/sep/test_date")


def test_a_sep_test_exactly_one_year_old_is_usable() -> None:
    evaluation = lwoo_b({"test_date": "2016-03-01"})
    assert (evaluation.outcome, evaluation.eligible_for) == ("granted", ("lwoo",))
    assert "sep_too_old" not in codes(evaluation)


def test_a_sep_test_one_year_and_one_day_old_makes_the_dossier_incomplete() -> None:
    evaluation = lwoo_b({"test_date": "2016-02-29"})
    assert (evaluation.outcome, evaluation.eligible_for) == ("incomplete", ())
    found = finding(evaluation, "sep_too_old")
    assert (found.severity, found.path) == ("error", "/student/sep/test_date")


def test_sep_age_on_a_leap_day_counts_from_28_february() -> None:
    assert "sep_too_old" not in codes(lwoo_b({"test_date": "2019-02-28"}, "2020-02-29"))
    assert "sep_too_old" in codes(lwoo_b({"test_date": "2019-02-27"}, "2020-02-29"))


def test_an_old_sep_is_set_aside_where_lwoo_a_does_not_need_it() -> None:
    # SEP results count only where they can decide (lid 1 d): lwoo A needs none
    evaluation = lwoo_a(sep={"test_date": "2015-03-01"})
    assert evaluation.outcome == "granted"
    assert finding(evaluation, "sep_too_old").severity == "warning"


# --- dated instrument rules --------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "iq_url", "sep_url", "didactic_url"),
    [
        ("2014-09-30", None, None, None),
        ("2014-10-01", REGULATION_2015, None, None),
        ("2015-09-30", REGULATION_2015, None, None),
        ("2015-10-01", REGULATION_2016, REGULATION_2016, REGULATION_2016),
        ("2017-03-01", REGULATION_2016, REGULATION_2016, REGULATION_2016),
        ("2021-09-30", REGULATION_2016, REGULATION_2016, REGULATION_2016),
        ("2021-10-01", REGULATION_2022, REGULATION_2016, REGULATION_2016),
        ("2030-01-01", REGULATION_2022, REGULATION_2016, REGULATION_2016),
    ],
)
def test_the_rules_in_force_are_the_newest_on_or_before_the_date(
    date: str, iq_url: str | None, sep_url: str | None, didactic_url: str | None
) -> None:
    rules = instrument_rules_at(D(date))
    got = [
        value.legal_basis[0].url if value is not None else None
        for value in (rules.iq_max_age, rules.sep_max_age, rules.didactic_recency)
    ]
    assert got == [iq_url, sep_url, didactic_url]
    if rules.iq_max_age is not None:
        assert rules.iq_max_age.value == 2
    if rules.sep_max_age is not None:
        assert rules.sep_max_age.value == 1


def test_the_rules_are_cached_per_date() -> None:
    instrument_rules_at.cache_clear()
    first = instrument_rules_at(D("2017-03-01"))
    assert instrument_rules_at(D("2017-03-01")) is first
    info = instrument_rules_at.cache_info()
    assert (info.hits, info.misses, info.maxsize) == (1, 1, timeline.INSTRUMENT_CACHE_SIZE)


def test_ages_are_not_copied_into_the_phases() -> None:
    for path in sorted((DATA / "frameworks").glob("*.json")):
        for phase in json.loads(path.read_text(encoding="utf-8"))["phases"]:
            assert not any("max_age" in key for key in phase["evidence"]), path.name
            assert "Regeling screenings" not in json.dumps(phase["evidence"]), path.name


def test_values_must_be_in_ascending_date_order() -> None:
    data = json.loads((DATA / "instruments" / "regulations.json").read_text(encoding="utf-8"))
    InstrumentRegulations.model_validate(data)
    data["iq_max_age_years"].reverse()
    with pytest.raises(ValidationError, match="ascending"):
        InstrumentRegulations.model_validate(data)


def test_every_value_cites_the_regulation_as_an_example() -> None:
    data = timeline.instrument_regulations()
    for values in (data.iq_max_age_years, data.sep_max_age_years, data.didactic_recency):
        for value in values:
            assert value.legal_basis
            assert all(
                "voorbeeld van de jaarlijkse regeling" in c.citation for c in value.legal_basis
            )


def test_an_old_iq_in_2017_cites_the_2016_2017_regulation_not_the_2022_2023_one() -> None:
    evaluation = lwoo_a(iq={"score": 85, "test_date": "2015-02-28"})
    urls = [c.url for c in finding(evaluation, "iq_too_old").legal_basis]
    assert REGULATION_2016 in urls and REGULATION_2022 not in urls
    assert not any(c.url == REGULATION_2022 for c in evaluation.legal_basis)


def test_both_frameworks_read_the_same_regulation() -> None:
    request = request_for(
        {
            "arrangement": "lwoo",
            "iq": {"score": 85, "test_date": "2015-02-28"},
            "delays": LWOO_DELAYS,
        }
    )
    enacted = finding(decide_national(request, "enacted"), "iq_too_old")
    letter = finding(decide_national(request, "kamerbrief-2014"), "iq_too_old")
    assert enacted.legal_basis == letter.legal_basis


# --- recency of didactic tests (a warning, never an error) --------------------------------


RECENCY = DidacticRecency.model_validate(
    {
        "effective_from": "2015-10-01",
        "legal_basis": [{"citation": "Regeling 2016-2017", "url": REGULATION_2016}],
    }
)


@pytest.mark.parametrize(
    ("application", "oldest"),
    [
        # from 1 February to 30 September: from 1 August of the year before
        ("2017-02-01", "2016-08-01"),
        ("2017-06-15", "2016-08-01"),
        ("2017-08-15", "2016-08-01"),  # August: the school year that just ended still counts
        ("2017-09-30", "2016-08-01"),
        # before 1 February: the 7th counted first-of-month on or before the date
        ("2017-01-31", "2016-05-01"),  # Jan, Dec, Nov, Oct, Sep, (Aug, Jul), Jun, May
        ("2016-10-01", "2016-02-01"),  # Oct, Sep, (Aug, Jul), Jun, May, Apr, Mar, Feb
        ("2016-10-31", "2016-02-01"),
        ("2016-12-01", "2016-04-01"),
    ],
)
def test_the_oldest_usable_didactic_test(application: str, oldest: str) -> None:
    assert oldest_didactic_test(D(application), RECENCY) == D(oldest)


def delay_test(application: str, test_date: str) -> Evaluation:
    """lwoo A with the begrijpend-lezen test (position 2 in the request) dated `test_date`."""
    delays = LWOO_DELAYS | {"begrijpend_lezen": [60, 42, test_date]}
    return lwoo_a(application, delays=delays)


@pytest.mark.parametrize(
    ("application", "usable", "old"),
    [
        ("2017-02-01", "2016-08-01", "2016-07-31"),  # the current school year from 1 February
        ("2017-09-15", "2016-08-01", "2016-07-31"),  # Aug-Sep: last school year's tests usable
        ("2017-01-31", "2016-05-01", "2016-04-30"),  # six test months before 1 February
        ("2016-10-15", "2016-02-01", "2016-01-31"),  # July and August are not counted
        ("2023-01-10", "2022-05-01", "2022-04-30"),  # the same rule after the renumbering
    ],
)
def test_an_old_didactic_test_gives_a_warning_not_an_error(
    application: str, usable: str, old: str
) -> None:
    fine = delay_test(application, usable)
    assert fine.outcome == "granted" and "delay_test_old" not in codes(fine)
    warned = delay_test(application, old)
    # the warning does not make the dossier incomplete: the outcome stays what it was
    assert (warned.outcome, warned.eligible_for) == ("granted", ("lwoo",))
    found = finding(warned, "delay_test_old")
    assert found.severity == "warning"
    assert found.path == "/student/learning_delays/2/test_date"
    assert formatter("en").format("{d:date}", d=old) in render(found.message, "en")


def test_a_groep_8_test_of_may_is_usable_in_a_september_application() -> None:
    assert "delay_test_old" not in codes(delay_test("2017-09-15", "2017-05-15"))


def test_july_and_august_would_make_it_too_old_if_they_counted() -> None:
    # 2016-02-15 to 2016-10-15: Mar..Oct is eight months, six without July and August
    assert "delay_test_old" not in codes(delay_test("2016-10-15", "2016-02-15"))


def test_a_delay_test_after_the_application_is_an_error_not_a_recency_warning() -> None:
    evaluation = delay_test("2017-03-01", "2017-03-02")
    assert evaluation.outcome == "incomplete"
    assert "test_after_application" in codes(evaluation)
    assert "delay_test_old" not in codes(evaluation)


def test_the_recency_cutoff_is_cached_per_date() -> None:
    evidence._didactic_cutoff.cache_clear()
    delay_test("2017-03-01", "2017-01-01")
    delay_test("2017-03-01", "2016-01-01")
    info = evidence._didactic_cutoff.cache_info()
    assert (info.misses, info.hits, info.maxsize) == (1, 1, evidence.DATE_CACHE_SIZE)


# --- citations: per rule, of the phase of the application date ----------------------------

PHASE_LAWS = {
    "integratie-2016": {"BWBR0005946", "BWBR0002399"},
    "wvo2020": {"BWBR0045787", "BWBR0044212"},
    "loslaten": {"BWBR0005946", "BWBR0002399"},
}
REGULATION_IDS = {"BWBR0035541", "BWBR0036963"}
LAW_PREFIX = "https://wetten.overheid.nl/"

# Dossiers that between them give every evidence finding.
FAULTY: list[dict[str, Any]] = [
    {"arrangement": "pro", "iq": None, "delays": {"spellen": None},
     "evidence": {"board_motivation": False, "parent_view": False, "expert_advice": []}},
    {"arrangement": "lwoo", "iq": {"score": 85, "administered_by": "leerkracht",
                                   "test_date": "2000-01-01"},
     "sep": {"administered_by": "leerkracht", "test_date": "2000-01-01"},
     "delays": {"begrijpend_lezen": [60, 42, "2000-01-01"]}},
    {"arrangement": "lwoo", "iq": {"score": 85, "test_date": "2099-01-01"},
     "sep": {"test_date": "2099-01-01"},
     "delays": {"begrijpend_lezen": [60, 42, "2099-01-01"]}},
]  # fmt: skip
EVIDENCE_CODES = {
    "iq_missing",
    "learning_delay_missing",
    "parent_view_missing",
    "board_motivation_missing",
    "expert_advice_insufficient",
    "tester_not_qualified",
    "iq_too_old",
    "sep_too_old",
    "test_after_application",
    "delay_test_old",
}
DATES = [
    ("enacted", "2016-01-04"),
    ("enacted", "2017-03-01"),
    ("enacted", "2021-12-01"),
    ("enacted", "2022-08-01"),
    ("enacted", "2025-01-15"),
    ("kamerbrief-2014", "2017-03-01"),
    ("kamerbrief-2014", "2019-03-01"),
    ("kamerbrief-2014", "2023-03-01"),
]


def bwbr_ids(basis: tuple[Any, ...]) -> set[str]:
    return {
        c.url.removeprefix(LAW_PREFIX).split("/")[0].split("#")[0]
        for c in basis
        if c.url.startswith(LAW_PREFIX)
    }


@pytest.mark.parametrize(("framework_id", "date"), DATES)
def test_every_evidence_finding_cites_the_phase_of_its_date(framework_id: str, date: str) -> None:
    phase = phase_at(framework_id, D(date))
    seen: set[str] = set()
    for compact in FAULTY:
        for finding_ in check_evidence(request_for(compact, date), phase.evidence):
            seen.add(finding_.code)
            ids = bwbr_ids(finding_.legal_basis)
            assert finding_.legal_basis, finding_.code
            assert ids & PHASE_LAWS[phase.id], (finding_.code, ids)
            assert ids <= PHASE_LAWS[phase.id] | REGULATION_IDS, (finding_.code, ids)
            for citation in finding_.legal_basis:
                if "Regeling" in citation.citation:
                    assert "voorbeeld van de jaarlijkse regeling" in citation.citation
                if D(date) < D("2021-10-01"):
                    assert citation.url != REGULATION_2022, finding_.code
    assert seen == EVIDENCE_CODES
    assert bwbr_ids(phase.evidence.legal_basis) <= PHASE_LAWS[phase.id]
    assert bwbr_ids(phase.evidence.legal_basis)


# (code, date) -> the article text each finding cites first, worked out from the law
CITED = [
    ("iq_missing", "2017-03-01", "Inrichtingsbesluit WVO art. 15d lid 1 c"),
    ("learning_delay_missing", "2017-03-01", "Inrichtingsbesluit WVO art. 15d lid 1 b"),
    ("parent_view_missing", "2017-03-01", "Inrichtingsbesluit WVO art. 15d lid 1 e"),
    ("board_motivation_missing", "2017-03-01", "Inrichtingsbesluit WVO art. 15d lid 1 a"),
    ("expert_advice_insufficient", "2017-03-01", "Inrichtingsbesluit WVO art. 15a"),
    ("iq_missing", "2023-03-01", "Uitvoeringsbesluit WVO 2020 art. 2.46 lid 1 c"),
    ("learning_delay_missing", "2023-03-01", "Uitvoeringsbesluit WVO 2020 art. 2.46 lid 1 b"),
    ("parent_view_missing", "2023-03-01", "Uitvoeringsbesluit WVO 2020 art. 2.46 lid 1 e"),
    ("board_motivation_missing", "2023-03-01", "Uitvoeringsbesluit WVO 2020 art. 2.46 lid 1 a"),
    ("expert_advice_insufficient", "2023-03-01", "Uitvoeringsbesluit WVO 2020 art. 2.51"),
]


@pytest.mark.parametrize(("code", "date", "citation"), CITED)
def test_each_rule_cites_its_own_article(code: str, date: str, citation: str) -> None:
    request = request_for(FAULTY[0], date)
    found = {f.code: f for f in check_evidence(request, phase_at("enacted", D(date)).evidence)}
    assert found[code].legal_basis[0].citation == citation


@pytest.mark.parametrize(
    ("date", "article", "iq_regulation"),
    [
        ("2017-03-01", "Inrichtingsbesluit WVO art. 15d lid 2", REGULATION_2016),
        ("2023-03-01", "Uitvoeringsbesluit WVO 2020 art. 2.46 lid 2", REGULATION_2022),
    ],
)
def test_testers_and_regulation_rules_cite_lid_2(
    date: str, article: str, iq_regulation: str
) -> None:
    request = request_for(FAULTY[1], date)
    found = {f.code: f for f in check_evidence(request, phase_at("enacted", D(date)).evidence)}
    for code in ("tester_not_qualified", "iq_too_old", "sep_too_old", "delay_test_old"):
        assert found[code].legal_basis[0].citation.startswith(article), code
    # the age and recency rules also name the regulation they were read in, as an example
    assert found["iq_too_old"].legal_basis[1].url == iq_regulation
    assert found["sep_too_old"].legal_basis[1].url == REGULATION_2016
    assert found["delay_test_old"].legal_basis[1].url == REGULATION_2016


# The case tables are walked by tests/unit/test_cases.py (`uncited`): every finding and
# condition of every case decision cites an article of its phase.


@pytest.mark.parametrize(
    "change",
    [
        {"months_not_counted": list(range(1, 13))},  # nothing left to count
        {"school_year_rule_from": "10-01", "school_year_rule_until": "01-31"},  # wraps the year
    ],
)
def test_a_recency_rule_that_cannot_be_applied_is_refused(change: dict[str, Any]) -> None:
    data = {"effective_from": "2015-10-01", "legal_basis": [{"citation": "x", "url": "https://x"}]}
    with pytest.raises(ValidationError):
        DidacticRecency.model_validate(data | change)
