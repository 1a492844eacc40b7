"""Evidence checks: is the dossier complete enough to decide at all?

Each missing or unusable piece of evidence is an error finding; any error makes the decision
`incomplete` rather than `refused`. What counts as evidence is data of the phase
(`Phase.evidence`): who may administer tests, how old an IQ may be, which experts advise.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from chalicelib.legal.model import EvidenceRule
from chalicelib.models.common import DOMAINS, Finding
from chalicelib.models.request import DecisionRequest


@lru_cache(maxsize=4096)
def years_before(date: dt.date, years: int) -> dt.date:
    """The same calendar day `years` earlier (29 February falls back to 28 February)."""
    try:
        return date.replace(year=date.year - years)
    except ValueError:
        return date.replace(year=date.year - years, day=28)


def _error(code: str, path: str, message: str, rule: EvidenceRule) -> Finding:
    return Finding(
        severity="error", code=code, path=path, message=message, legal_basis=rule.legal_basis
    )


def _tester(path: str, test: str, who: str, rule: EvidenceRule) -> list[Finding]:
    if who in rule.tester_professions:
        return []
    qualified = " or ".join(rule.tester_professions)
    message = (
        f"The {test} must be administered under a diagnostically trained {qualified}, not a {who}."
    )
    return [_error("tester_not_qualified", path, message, rule)]


def _iq_findings(request: DecisionRequest, rule: EvidenceRule) -> list[Finding]:
    iq, date = request.student.iq, request.application.date
    if iq is None:
        return [_error("iq_missing", "/student/iq", "The dossier has no IQ score.", rule)]
    found = _tester("/student/iq/administered_by", "IQ test", iq.administered_by, rule)
    path = "/student/iq/test_date"
    if iq.test_date > date:
        found.append(
            _error(
                "test_after_application", path, "The IQ test is dated after the application.", rule
            )
        )
    elif iq.test_date < years_before(date, rule.iq_max_age_years):
        message = (
            f"The IQ score of {iq.test_date.isoformat()} is more than {rule.iq_max_age_years} "
            f"years old on {date.isoformat()}; the student needs a new IQ test."
        )
        found.append(_error("iq_too_old", path, message, rule))
    return found


def _delay_findings(request: DecisionRequest, rule: EvidenceRule) -> list[Finding]:
    results = request.student.learning_delays
    found: list[Finding] = []
    # Domains are unique (the Student model checks), so fewer results means one is missing.
    if rule.all_domains_required and len(results) < len(DOMAINS):
        present = {r.domain for r in results}
        missing = [d for d in DOMAINS if d not in present]
        message = (
            "The leerachterstand must be measured on all four domains; missing: "
            f"{', '.join(missing)}."
        )
        found.append(_error("learning_delay_missing", "/student/learning_delays", message, rule))
    for i, result in enumerate(results):
        if result.test_date > request.application.date:
            message = f"The {result.domain} test is dated after the application."
            path = f"/student/learning_delays/{i}/test_date"
            found.append(_error("test_after_application", path, message, rule))
    return found


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
        message = f"Expert advice needs a {' or '.join(rule.first_expert)} and a second expert."
        found.append(_error("expert_advice_insufficient", "/evidence/expert_advice", message, rule))
    if arrangement in rule.parent_view_for and not evidence.parent_view:
        message = f"An application for {arrangement} needs the parents' view (zienswijze)."
        found.append(_error("parent_view_missing", "/evidence/parent_view", message, rule))
    if rule.board_motivation_required and not evidence.board_motivation:
        message = "The application needs the school board's motivation (onderwijskundig rapport)."
        found.append(
            _error("board_motivation_missing", "/evidence/board_motivation", message, rule)
        )
    return found


def check_evidence(request: DecisionRequest, rule: EvidenceRule) -> list[Finding]:
    """Every reason the dossier is incomplete, as error findings with JSON pointers.

    Implements UB WVO 2020 art. 2.46 lid 1-2 and art. 2.51 (IB WVO art. 15d, 15a before
    2022-08-01) and the two-year limit on IQ scores of the yearly instrument regulation.
    """
    found = _iq_findings(request, rule)
    sep = request.student.sep
    if sep is not None:
        found += _tester("/student/sep/administered_by", "SEP test", sep.administered_by, rule)
    return found + _delay_findings(request, rule) + _dossier_findings(request, rule)
