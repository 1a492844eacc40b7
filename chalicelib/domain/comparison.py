"""Where a region's criteria are stricter or looser than the national ones, in words.

Rather than comparing condition fields, both definitions decide the same probe dossiers: one
per stretch of IQ between the bounds either definition uses, per delay band between the ratio
bounds either uses, on three domain patterns, with and without SEP. Every difference becomes a
warning naming the students affected ("IQ 70-74 with a delay of 25% to 50% on begrijpend lezen
and inzichtelijk rekenen"). The probes cover ratio-based conditions; delays in months are
probed at a DL of 200 months.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from itertools import pairwise

from chalicelib.domain.eligibility import CompiledCriteria, decide
from chalicelib.legal.model import Phase
from chalicelib.messages import msg
from chalicelib.models.common import DOMAINS, Arrangement, Domain, Finding
from chalicelib.models.criteria import CriteriaDefinition, IqCondition, LearningDelayCondition
from chalicelib.models.request import DecisionRequest

IQ_FLOOR, IQ_CEILING = 40, 160
PROBE_DL = 200
# The delayed domains of a probe, and whether the others are free of any delay ("only").
PATTERNS: tuple[tuple[tuple[Domain, ...], bool], ...] = (
    (("begrijpend_lezen", "inzichtelijk_rekenen"), False),
    (("technisch_lezen", "spellen"), True),
    (("begrijpend_lezen",), True),
)


@dataclass(frozen=True)
class Probe:
    iq: tuple[int, int]  # the stretch of IQ it stands for, both ends included
    band: tuple[Decimal, Decimal]  # the delay band it stands for, [low, high)
    pattern: int
    sep: bool


def _conditions(definitions: Iterable[CriteriaDefinition]) -> Iterable[object]:
    for definition in definitions:
        for arrangement in (definition.arrangements.lwoo, definition.arrangements.pro):
            for route in arrangement.routes if arrangement else ():
                yield from route.conditions


def _iq_stretches(definitions: list[CriteriaDefinition]) -> list[tuple[int, int]]:
    bounds = {IQ_FLOOR, IQ_CEILING + 1}
    for cond in _conditions(definitions):
        if isinstance(cond, IqCondition):
            bounds |= {b for b in (cond.min, cond.max + 1 if cond.max is not None else None) if b}
    edges = sorted(b for b in bounds if IQ_FLOOR <= b <= IQ_CEILING + 1)
    return [(lo, hi - 1) for lo, hi in pairwise(edges)]


def _bands(definitions: list[CriteriaDefinition]) -> list[tuple[Decimal, Decimal]]:
    bounds = {Decimal(0), Decimal(1)}
    for cond in _conditions(definitions):
        if isinstance(cond, LearningDelayCondition):
            bounds |= {b for b in (cond.min_ratio, cond.max_ratio_exclusive) if b is not None}
    edges = sorted(bounds)
    return list(pairwise(edges))


def _request(probe: Probe, arrangement: Arrangement, phase: Phase) -> DecisionRequest:
    date = phase.effective_from.isoformat()
    low, high = probe.band
    behind = int(((low + high) / 2 * PROBE_DL).to_integral_value(ROUND_CEILING))
    delayed = PATTERNS[probe.pattern][0]
    tester = phase.evidence.tester_professions[0]
    document = {
        "application": {"arrangement": arrangement, "date": date},
        "student": {
            "ref": "probe",
            "iq": {"score": probe.iq[0], "test_date": date, "administered_by": tester},
            "learning_delays": [
                {
                    "domain": d,
                    "dl": PROBE_DL,
                    "dle": PROBE_DL - (behind if d in delayed else 0),
                    "test_date": date,
                }
                for d in DOMAINS
            ],
        },
        "evidence": {
            "board_motivation": True,
            "parent_view": True,
            "expert_advice": [tester, phase.evidence.second_expert[-1]],
        },
    }
    if probe.sep:
        document["student"]["sep"] = {  # type: ignore[index]
            "prestatiemotivatie": True,
            "faalangst": True,
            "emotionele_instabiliteit": True,
            "hinders_learning": True,
            "test_date": date,
            "administered_by": tester,
        }
    return DecisionRequest.model_validate(document)


def _describe(probe: Probe, both_sep: bool) -> str:
    lo, hi = probe.iq
    iq = msg("comparison.iq", iq=lo) if lo == hi else msg("comparison.iq_range", low=lo, high=hi)
    low, high = probe.band
    band = (
        msg("comparison.band", low=str(low), high=str(high))
        if high < 1
        else msg("comparison.band_open", low=str(low))
    )
    domains, only = PATTERNS[probe.pattern]
    on = msg("comparison.domains_only" if only else "comparison.domains", domains=list(domains))
    sep = (
        "comparison.who"
        if both_sep
        else "comparison.who_sep"
        if probe.sep
        else "comparison.who_no_sep"
    )
    return msg(sep, iq=iq, band=band, domains=on)


def compare_to_national(
    arrangement: Arrangement,
    region: CompiledCriteria,
    national: CompiledCriteria,
    phase: Phase,
) -> list[Finding]:
    """Warnings for every group of students the region treats otherwise than the nation."""
    own = getattr(region.definition.arrangements, arrangement)
    if own is not None and own.allocation == "schools":
        return []  # no individual decisions to compare: the schools choose the pupils
    definitions = [region.definition, national.definition]
    differences: dict[tuple[tuple[int, int], tuple[Decimal, Decimal], int], set[tuple[bool, bool]]]
    differences = {}
    for iq in _iq_stretches(definitions):
        for band in _bands(definitions):
            for pattern in range(len(PATTERNS)):
                for sep in (False, True):
                    probe = Probe(iq, band, pattern, sep)
                    request = _request(probe, arrangement, phase)
                    ours = arrangement in decide(request, region, phase).eligible_for
                    theirs = arrangement in decide(request, national, phase).eligible_for
                    if ours != theirs:
                        differences.setdefault((iq, band, pattern), set()).add((sep, ours))
    found: list[Finding] = []
    for (iq, band, pattern), seps in differences.items():
        for looser in (True, False):
            matching = [sep for sep, ours in seps if ours == looser]
            if not matching:
                continue
            probe = Probe(iq, band, pattern, matching[0])
            who = _describe(probe, both_sep=len(matching) == 2)
            verdict = "comparison.looser" if looser else "comparison.stricter"
            found.append(
                Finding(
                    severity="warning",
                    code="looser_than_national" if looser else "stricter_than_national",
                    path=f"/arrangements/{arrangement}",
                    message=msg(verdict, who=who, arrangement=arrangement),
                    legal_basis=phase.national_criteria.legal_basis,
                )
            )
    return found
