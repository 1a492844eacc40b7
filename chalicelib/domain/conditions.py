"""One evaluator per condition kind: given a dossier, is the condition met, and why?

Leerachterstand is `1 - DLE/DL` (UB WVO 2020 art. 2.46 lid 3). It is never computed as a float:
a bound p/q is compared by cross-multiplication, `(DL - DLE) * q >= p * DL`, which is exact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from chalicelib.models.common import DOMAINS, Domain
from chalicelib.models.criteria import (
    Condition,
    IqCondition,
    LearningDelayCondition,
    SepCondition,
)
from chalicelib.models.decision import ConditionExplanation
from chalicelib.models.request import Student

DOMAIN_LABELS: dict[str, str] = {
    "technisch_lezen": "technisch lezen",
    "spellen": "spellen",
    "begrijpend_lezen": "begrijpend lezen",
    "inzichtelijk_rekenen": "inzichtelijk rekenen",
}


@dataclass(frozen=True, slots=True)
class Dossier:
    """The student's data prepared once per decision for every condition to read.

    `delays` holds, per domain in the fixed order of DOMAINS, `(months behind, DL)`: the delay is
    the exact fraction (DL - DLE) / DL. `fractions` shows the same as text, e.g. "16/56".
    """

    student: Student
    delays: tuple[tuple[Domain, int, int], ...]
    fractions: dict[str, str]
    index: dict[str, int]  # domain -> position in student.learning_delays, for JSON pointers

    @classmethod
    def of(cls, student: Student) -> Dossier:
        results = student.learning_delays
        index: dict[str, int] = {r.domain: i for i, r in enumerate(results)}
        delays: list[tuple[Domain, int, int]] = []
        fractions: dict[str, str] = {}
        for domain in DOMAINS:
            if domain in index:
                r = results[index[domain]]
                delays.append((domain, r.dl - r.dle, r.dl))
                fractions[domain] = f"{r.dl - r.dle}/{r.dl}"
        return cls(student, tuple(delays), fractions, index)


Evaluator = Callable[[Dossier], ConditionExplanation]


def _ratio(value: Decimal) -> tuple[int, int]:
    numerator, denominator = value.as_integer_ratio()
    return numerator, denominator


def _percent(value: Decimal) -> str:
    return f"{(value * 100).normalize():f}%"


def compile_iq(cond: IqCondition) -> Evaluator:
    lo, hi = cond.min, cond.max
    if lo is not None and hi is not None:
        expected = f"{lo} t/m {hi}"
    elif lo is not None:
        expected = f"ten minste {lo}"
    else:
        expected = f"ten hoogste {hi}"

    def evaluate(dossier: Dossier) -> ConditionExplanation:
        iq = dossier.student.iq
        if iq is None:
            return ConditionExplanation("iq", expected, None, False, "geen IQ")
        score = iq.score
        met = (lo is None or score >= lo) and (hi is None or score <= hi)
        return ConditionExplanation("iq", expected, score, met)

    return evaluate


def _delay_expected(cond: LearningDelayCondition) -> str:
    if cond.min_months is not None:
        band = f"een leerachterstand van ten minste {cond.min_months} maanden"
    elif cond.max_ratio_exclusive is None:
        band = f"een leerachterstand van ten minste {_percent(cond.min_ratio or Decimal(0))}"
    else:
        low = _percent(cond.min_ratio or Decimal(0))
        band = f"een leerachterstand van {low} tot {_percent(cond.max_ratio_exclusive)}"
    text = f"{band} op ten minste {cond.min_domains} domein(en)"
    if cond.required_one_of:
        names = " of ".join(DOMAIN_LABELS[d] for d in cond.required_one_of)
        text += f", waarvan een {names}"
    return text


def compile_learning_delay(cond: LearningDelayCondition) -> Evaluator:
    """A domain counts only when its own delay lies in the band (the literal text).

    The explanation's `actual` holds every measured delay as an exact fraction, the domains
    `counted`, and the domains `above_band`: at or above an exclusive upper bound.
    """
    expected = _delay_expected(cond)
    lo_p, lo_q = _ratio(cond.min_ratio) if cond.min_ratio is not None else (0, 1)
    hi = _ratio(cond.max_ratio_exclusive) if cond.max_ratio_exclusive is not None else None
    months = cond.min_months
    need = cond.min_domains
    core = frozenset(cond.required_one_of)

    def evaluate(dossier: Dossier) -> ConditionExplanation:
        counted: list[Domain] = []
        above: list[Domain] = []
        for domain, behind, dl in dossier.delays:
            if months is not None:
                in_band = behind >= months
            else:
                in_band = behind * lo_q >= lo_p * dl
                if in_band and hi is not None and behind * hi[1] >= hi[0] * dl:
                    in_band = False
                    above.append(domain)
            if in_band:
                counted.append(domain)
        met = len(counted) >= need and (not core or not core.isdisjoint(counted))
        actual = {"delays": dossier.fractions, "counted": counted, "above_band": above}
        return ConditionExplanation("learning_delay", expected, actual, met)

    return evaluate


def compile_sep(cond: SepCondition) -> Evaluator:
    need = cond.min_indicators
    hindrance = cond.requires_hindrance
    expected = f"ten minste {need} van prestatiemotivatie, faalangst, emotionele instabiliteit"
    if hindrance:
        expected += ", die het onderwijsleerproces substantieel belemmeren"

    def evaluate(dossier: Dossier) -> ConditionExplanation:
        sep = dossier.student.sep
        if sep is None:
            return ConditionExplanation("sep", expected, None, False, "geen SEP-onderzoek")
        indicators = [
            name
            for name, flag in (
                ("prestatiemotivatie", sep.prestatiemotivatie),
                ("faalangst", sep.faalangst),
                ("emotionele_instabiliteit", sep.emotionele_instabiliteit),
            )
            if flag
        ]
        met = len(indicators) >= need and (sep.hinders_learning or not hindrance)
        actual = {"indicators": indicators, "hinders_learning": sep.hinders_learning}
        return ConditionExplanation("sep", expected, actual, met)

    return evaluate


def compile_condition(cond: Condition) -> Evaluator:
    """The evaluator for one condition, by its kind."""
    if isinstance(cond, IqCondition):
        return compile_iq(cond)
    if isinstance(cond, LearningDelayCondition):
        return compile_learning_delay(cond)
    return compile_sep(cond)
