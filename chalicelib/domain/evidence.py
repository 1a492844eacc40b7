"""Evidence checks: is the dossier complete enough to decide at all?

Each missing or unusable piece of evidence is an error finding; any error makes the decision
`incomplete` rather than `refused`. A warning (`delay_test_old`) informs and does not block.
What counts as evidence is data of the phase (`Phase.evidence`): who may administer tests,
which experts advise, which article makes each rule (`EvidenceRule.citations`). How old a test
result may be is the yearly instrument regulation's: dated data shared by every phase
(`chalicelib.legal.timeline.instrument_rules_at`), taken on the application date.

The rules, as this module reads them (README "Evidence"; legal-rules §1.7, §2.2):

- IQ and SEP tests under a diagnostically trained psycholoog or orthopedagoog (UB WVO 2020
  art. 2.46 lid 2; IB WVO art. 15d lid 2); a kinder- en jeugdpsycholoog is a psycholoog. The
  professions that count are the phase's `tester_professions`.
- No test dated after the application. An IQ score at most `iq_max_age_years` old and a SEP
  score at most `sep_max_age_years` old on the application date: the same calendar day that many
  years earlier is still in time, the day before is not (29 February counts from 28 February).
- Expert advice (UB art. 2.51; IB art. 15a): one expert of `first_expert` and another, second
  expert of `second_expert` (an orthopedagoog counts as a pedagoog there).
- Didactic tests (the regulation's "afname van leervorderingenonderzoek", read in the 2016-2017
  regulation). Applying from 1 February to 30 September: tests "in het schooljaar ... of
  daarna", read as on or after 1 August of the year before the application's year, so an
  application in August or September may use the tests of the school year that just ended
  (groep-8 tests are used in 1-VO). Applying before 1 February (October to January): "niet
  ouder dan zes toetsmaanden (juli en augustus worden niet meegerekend)", read as: the number
  of calendar months whose first day lies in (test date, application date] and that are not
  July or August; the test is too old when that number is more than six. Equivalently: the
  seventh counted first-of-month on or before the application date is the oldest usable test
  date. A test older than that gives the warning `delay_test_old`, never an error: the rule is
  verified for one regulation year only.

Every finding cites its rule's article of the phase; a rule of the instrument regulation also
cites the regulation, named as an example of the yearly regulation.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from chalicelib.legal.instruments import (
    DatedValue,
    DidacticRecency,
    InstrumentRules,
    MaxAgeYears,
)
from chalicelib.legal.model import EvidenceRule
from chalicelib.legal.timeline import instrument_rules_at
from chalicelib.messages import msg
from chalicelib.models.common import DOMAINS, Citation, Finding, Profession, Severity
from chalicelib.models.request import DecisionRequest

# Distinct application dates remembered (a cohort has a few hundred).
DATE_CACHE_SIZE = 4096


@lru_cache(maxsize=DATE_CACHE_SIZE)
def years_before(date: dt.date, years: int) -> dt.date:
    """The same calendar day `years` earlier (29 February falls back to 28 February)."""
    try:
        return date.replace(year=date.year - years)
    except ValueError:
        return date.replace(year=date.year - years, day=28)


def _month_day(text: str) -> tuple[int, int]:
    month, day = text.split("-")
    return int(month), int(day)


def oldest_didactic_test(date: dt.date, rule: DidacticRecency) -> dt.date:
    """The oldest test date the recency rule accepts for an application on `date`."""
    start = _month_day(rule.school_year_rule_from)
    if start <= (date.month, date.day) <= _month_day(rule.school_year_rule_until):
        month, day = _month_day(rule.school_year_starts)
        return dt.date(date.year - 1, month, day)
    # Walk back over the first days of months on or before `date`; the test is too old when
    # more than `max_test_months` counted ones lie after it, so the oldest usable test date is
    # the (max_test_months + 1)-th counted first day.
    year, month, counted = date.year, date.month, 0
    while True:
        if month not in rule.months_not_counted:
            counted += 1
            if counted == rule.max_test_months + 1:
                return dt.date(year, month, 1)
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)


@lru_cache(maxsize=DATE_CACHE_SIZE)
def _didactic_cutoff(date: dt.date) -> dt.date | None:
    """The oldest usable didactic test date for an application on `date` (None: no rule)."""
    rule = instrument_rules_at(date).didactic_recency
    return None if rule is None else oldest_didactic_test(date, rule)


def _finding(
    code: str,
    path: str,
    message: str,
    basis: tuple[Citation, ...],
    severity: Severity = "error",
) -> Finding:
    return Finding(
        severity=severity,
        code=code,
        path=path,
        message=message,
        legal_basis=basis,
    )


def _regulation_basis(rule: EvidenceRule, value: DatedValue) -> tuple[Citation, ...]:
    """The article that orders the yearly regulation, then the regulation read (an example)."""
    return rule.citations.instrument_regulation + value.legal_basis


def _tester(path: str, test: str, who: Profession, rule: EvidenceRule) -> list[Finding]:
    if who in rule.tester_professions:
        return []
    message = msg(
        "evidence.tester_not_qualified", test=test, allowed=list(rule.tester_professions), who=who
    )
    return [_finding("tester_not_qualified", path, message, rule.citations.testers)]


def _dated_findings(
    test: str,
    path: str,
    test_date: dt.date,
    date: dt.date,
    basis: tuple[Citation, ...],
    max_age: tuple[str, MaxAgeYears | None, EvidenceRule],
) -> list[Finding]:
    """A test dated after the application (citing `basis`, the article that lists the data),
    or older than the regulation in force allows: `max_age` is the finding's code, the
    regulation's maximum age and the phase's rule."""
    if test_date > date:
        message = msg("evidence.test_after_application", test=test)
        return [_finding("test_after_application", path, message, basis)]
    code, limit, rule = max_age
    if limit is not None and test_date < years_before(date, limit.value):
        message = msg(
            "evidence.test_too_old",
            test=test,
            tested=test_date.isoformat(),
            years=limit.value,
            on=date.isoformat(),
        )
        return [_finding(code, path, message, _regulation_basis(rule, limit))]
    return []


def _iq_findings(
    request: DecisionRequest, rule: EvidenceRule, rules: InstrumentRules, iq_required: bool
) -> list[Finding]:
    iq = request.student.iq
    if iq is None:
        if not iq_required:
            return []
        message = msg("evidence.iq_missing")
        return [_finding("iq_missing", "/student/iq", message, rule.citations.iq)]
    found = _tester("/student/iq/administered_by", "iq", iq.administered_by, rule)
    return found + _dated_findings(
        "iq",
        "/student/iq/test_date",
        iq.test_date,
        request.application.date,
        rule.citations.iq,
        ("iq_too_old", rules.iq_max_age, rule),
    )


def _sep_findings(
    request: DecisionRequest, rule: EvidenceRule, rules: InstrumentRules
) -> list[Finding]:
    sep = request.student.sep
    if sep is None:
        return []
    found = _tester("/student/sep/administered_by", "sep", sep.administered_by, rule)
    return found + _dated_findings(
        "sep",
        "/student/sep/test_date",
        sep.test_date,
        request.application.date,
        rule.citations.sep,
        ("sep_too_old", rules.sep_max_age, rule),
    )


def _delay_findings(
    request: DecisionRequest, rule: EvidenceRule, rules: InstrumentRules
) -> list[Finding]:
    results, date = request.student.learning_delays, request.application.date
    found: list[Finding] = []
    # Domains are unique (the Student model checks), so fewer results means one is missing.
    if rule.all_domains_required and len(results) < len(DOMAINS):
        present = {r.domain for r in results}
        missing = [d for d in DOMAINS if d not in present]
        message = msg("evidence.learning_delay_missing", missing=missing)
        found.append(
            _finding(
                "learning_delay_missing",
                "/student/learning_delays",
                message,
                rule.citations.learning_delay,
            )
        )
    recency = rules.didactic_recency
    cutoff = _didactic_cutoff(date)
    for i, result in enumerate(results):
        path = f"/student/learning_delays/{i}/test_date"
        if result.test_date > date:
            message = msg("evidence.test_after_application", test=result.domain)
            found.append(
                _finding("test_after_application", path, message, rule.citations.learning_delay)
            )
        elif cutoff is not None and recency is not None and result.test_date < cutoff:
            basis = _regulation_basis(rule, recency)
            found.append(_delay_test_old(path, result.domain, result.test_date, cutoff, basis))
    return found


def _delay_test_old(
    path: str, domain: str, test_date: dt.date, cutoff: dt.date, basis: tuple[Citation, ...]
) -> Finding:
    message = msg(
        "evidence.delay_test_old",
        domain=domain,
        tested=test_date.isoformat(),
        cutoff=cutoff.isoformat(),
    )
    return _finding("delay_test_old", path, message, basis, severity="warning")


# Distinct (advice, first experts, second experts) combinations remembered: a handful of
# expert pairs occur in practice.
EXPERT_CACHE_SIZE = 1024


@lru_cache(maxsize=EXPERT_CACHE_SIZE)
def _has_two_experts(
    advice: tuple[str, ...], first_expert: tuple[str, ...], second_expert: tuple[str, ...]
) -> bool:
    """A first expert (orthopedagoog or psycholoog) and a second, other expert."""
    return any(
        first in first_expert
        and any(j != i and second in second_expert for j, second in enumerate(advice))
        for i, first in enumerate(advice)
    )


def _dossier_findings(request: DecisionRequest, rule: EvidenceRule) -> list[Finding]:
    evidence, arrangement = request.evidence, request.application.arrangement
    found: list[Finding] = []
    if not _has_two_experts(evidence.expert_advice, rule.first_expert, rule.second_expert):
        message = msg(
            "evidence.expert_advice_insufficient"
            if evidence.expert_advice
            else "evidence.no_expert",
            first=list(rule.first_expert),
            second=list(rule.second_expert),
            given=list(evidence.expert_advice),
        )
        found.append(
            _finding(
                "expert_advice_insufficient",
                "/evidence/expert_advice",
                message,
                rule.citations.experts,
            )
        )
    if arrangement in rule.parent_view_for and not evidence.parent_view:
        message = msg("evidence.parent_view_missing", arrangement=arrangement)
        found.append(
            _finding(
                "parent_view_missing", "/evidence/parent_view", message, rule.citations.parent_view
            )
        )
    if rule.board_motivation_required and not evidence.board_motivation:
        message = msg("evidence.board_motivation_missing")
        found.append(
            _finding(
                "board_motivation_missing",
                "/evidence/board_motivation",
                message,
                rule.citations.board_motivation,
            )
        )
    return found


def check_evidence(
    request: DecisionRequest, rule: EvidenceRule, iq_required: bool = True
) -> list[Finding]:
    """Every reason the dossier is incomplete, as error findings with JSON pointers, and the
    warnings about old didactic tests.

    `iq_required`: false where no criteria that could grant the arrangement look at an IQ (a
    region that opted out on criteria and procedure and dropped the IQ condition): then a
    dossier without an IQ is complete; an IQ that is there must still be usable.

    Implements UB WVO 2020 art. 2.46 lid 1-2 and art. 2.51 (IB WVO art. 15d, 15a before
    2022-08-01) and the rules of the yearly instrument regulation in force on the application
    date (IQ and SEP age, recency of didactic tests).
    """
    rules = instrument_rules_at(request.application.date)
    return (
        _iq_findings(request, rule, rules, iq_required)
        + _sep_findings(request, rule, rules)
        + _delay_findings(request, rule, rules)
        + _dossier_findings(request, rule)
    )
