"""The conditions of a criteria definition: given a dossier, which are met, and why?

Leerachterstand is `1 - DLE/DL` (UB WVO 2020 art. 2.46 lid 3). It is never computed as a float:
a bound p/q is compared by cross-multiplication, `(DL - DLE) * q >= p * DL`, which is exact.

`compile_conditions` compiles a definition's distinct conditions once; `Conditions.explain`
then explains all of them for one dossier. It runs for every decision of a cohort, so work
that depends on a small input only is done once per input and cached, within a bound: the IQ
explanations per score, the SEP explanations per set of flags, per (DL, DLE) pair its text and
its band under each delay condition, and per pattern of bands the domains each delay condition
counts. The same input gets the same objects; explanations and what they hold are never
mutated after they are made (see `chalicelib.models.decision`), so sharing them is safe. A
delay explanation shows every measured delay of the dossier, so it is built per dossier.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache, partial
from typing import Literal

from chalicelib.messages import msg
from chalicelib.models.common import DOMAINS, Citation, Domain
from chalicelib.models.criteria import (
    Condition,
    IqCondition,
    LearningDelayCondition,
    SepCondition,
)
from chalicelib.models.decision import ConditionExplanation
from chalicelib.models.request import LearningDelayResult, Student

# Cache bounds, per compiled definition (`in_force` keeps up to 256 of those). An IQ score is
# 0..200 (the request model checks) and SEP has 16 flag combinations, so those two bounds only
# guard against a model that one day allows more. DL and DLE may be 0..200, but a few thousand
# (DL, DLE) pairs occur in practice (DL runs to about 72 months); an entry is some 250 bytes.
IQ_CACHE_SIZE = 256
SEP_CACHE_SIZE = 32
DELAY_CACHE_SIZE = 4096
# Patterns of bands: at most 4 ** 4 per delay condition (no measurement, below, in or above the
# band, for four domains), and far fewer combinations between conditions occur.
PATTERN_CACHE_SIZE = 4096

SepFlags = tuple[bool, bool, bool, bool]
"""prestatiemotivatie, faalangst, emotionele_instabiliteit, hinders_learning."""

SEP_INDICATORS = ("prestatiemotivatie", "faalangst", "emotionele_instabiliteit")

Band = Literal["below", "in", "above"]
"""Where one domain's delay lies against a delay condition's band; "above" is at or above the
band's exclusive upper bound."""

Cell = tuple[str, tuple[Band, ...]]
"""One measured delay: its text, e.g. "16/56", and its band under each delay condition."""

Bands = tuple[tuple[Domain, tuple[Band, ...]], ...]
"""A dossier's measured domains, in DOMAINS order, each with its band under each delay
condition."""


def _ratio(value: Decimal) -> tuple[int, int]:
    numerator, denominator = value.as_integer_ratio()
    return numerator, denominator


# --- IQ ------------------------------------------------------------------------------------


def _iq_expected(cond: IqCondition) -> str:
    if cond.min is not None and cond.max is not None:
        return msg("condition.iq_between", min=cond.min, max=cond.max)
    if cond.min is not None:
        return msg("condition.iq_at_least", min=cond.min)
    return msg("condition.iq_at_most", max=cond.max)


def _explain_iq(
    conditions: tuple[IqCondition, ...], score: int | None
) -> tuple[ConditionExplanation, ...]:
    return tuple(_explain_one_iq(cond, score) for cond in conditions)


def _explain_one_iq(cond: IqCondition, score: int | None) -> ConditionExplanation:
    expected = _iq_expected(cond)
    if score is None:
        return ConditionExplanation(
            "iq", expected, None, False, msg("condition.no_iq"), cond.legal_basis
        )
    lo, hi = cond.min, cond.max
    met = (lo is None or score >= lo) and (hi is None or score <= hi)
    return ConditionExplanation("iq", expected, score, met, None, cond.legal_basis)


# --- SEP -----------------------------------------------------------------------------------


def _explain_sep(
    conditions: tuple[SepCondition, ...], flags: SepFlags | None
) -> tuple[ConditionExplanation, ...]:
    return tuple(_explain_one_sep(cond, flags) for cond in conditions)


def _explain_one_sep(cond: SepCondition, flags: SepFlags | None) -> ConditionExplanation:
    code = "condition.sep_hindering" if cond.requires_hindrance else "condition.sep"
    expected = msg(code, n=cond.min_indicators, indicators=list(SEP_INDICATORS))
    if flags is None:
        return ConditionExplanation(
            "sep", expected, None, False, msg("condition.no_sep"), cond.legal_basis
        )
    hinders = flags[3]
    indicators = [name for name, flag in zip(SEP_INDICATORS, flags[:3], strict=True) if flag]
    met = len(indicators) >= cond.min_indicators and (hinders or not cond.requires_hindrance)
    actual = {"indicators": indicators, "hinders_learning": hinders}
    return ConditionExplanation("sep", expected, actual, met, None, cond.legal_basis)


# --- learning delay ------------------------------------------------------------------------


def _delay_expected(cond: LearningDelayCondition) -> str:
    low = str(cond.min_ratio or Decimal(0))
    if cond.min_months is not None:
        band = msg("condition.delay_months", months=cond.min_months)
    elif cond.max_ratio_exclusive is None:
        band = msg("condition.delay_at_least", ratio=low)
    else:
        band = msg("condition.delay_band", low=low, high=str(cond.max_ratio_exclusive))
    if cond.required_one_of:
        core = list(cond.required_one_of)
        return msg("condition.delay_domains_core", band=band, n=cond.min_domains, core=core)
    return msg("condition.delay_domains", band=band, n=cond.min_domains)


def _band(cond: LearningDelayCondition, behind: int, dl: int) -> Band:
    """Where a delay of `behind` months at DL `dl` lies against the condition's band. A domain
    counts only when its own delay lies in the band (the literal text)."""
    if cond.min_months is not None:
        return "in" if behind >= cond.min_months else "below"
    lo_p, lo_q = _ratio(cond.min_ratio) if cond.min_ratio is not None else (0, 1)
    if behind * lo_q < lo_p * dl:
        return "below"
    if cond.max_ratio_exclusive is not None:
        hi_p, hi_q = _ratio(cond.max_ratio_exclusive)
        if behind * hi_q >= hi_p * dl:
            return "above"
    return "in"


def _delay_cell(conditions: tuple[LearningDelayCondition, ...], dl: int, dle: int) -> Cell:
    behind = dl - dle
    return f"{behind}/{dl}", tuple(_band(cond, behind, dl) for cond in conditions)


@dataclass(frozen=True, slots=True)
class DelayCount:
    """What one delay condition finds in a dossier's bands: the domains it counts, the domains
    at or above its exclusive upper bound, and whether it is met."""

    counted: list[Domain]
    above_band: list[Domain]
    met: bool


def _count(cond: LearningDelayCondition, bands: list[tuple[Domain, Band]]) -> DelayCount:
    counted = [domain for domain, band in bands if band == "in"]
    above = [domain for domain, band in bands if band == "above"]
    core = cond.required_one_of
    met = len(counted) >= cond.min_domains and (not core or any(d in counted for d in core))
    return DelayCount(counted, above, met)


def _count_all(
    conditions: tuple[LearningDelayCondition, ...], bands: Bands
) -> tuple[DelayCount, ...]:
    """Each delay condition's count; the condition in slot s reads band s of each domain."""
    return tuple(
        _count(cond, [(domain, per_condition[slot]) for domain, per_condition in bands])
        for slot, cond in enumerate(conditions)
    )


# --- all conditions of a definition --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Conditions:
    """A definition's distinct conditions, compiled: see `compile_conditions`.

    `conditions` lists them IQ first, then SEP, then learning delay: the order the
    explanations are made in, so the results need no reordering."""

    conditions: tuple[Condition, ...]
    expected: tuple[str, ...]  # per delay condition, what it expects
    delay_basis: tuple[tuple[Citation, ...], ...]  # per delay condition, its legal basis
    iq: Callable[[int | None], tuple[ConditionExplanation, ...]]  # per score; cached
    sep: Callable[[SepFlags | None], tuple[ConditionExplanation, ...]]  # per flags; cached
    cell: Callable[[int, int], Cell]  # (DL, DLE) -> its text and bands; cached
    count: Callable[[Bands], tuple[DelayCount, ...]]  # per delay condition; cached

    def explain(self, student: Student) -> tuple[tuple[ConditionExplanation, ...], dict[str, str]]:
        """Every condition explained for this student, in the order of `conditions`; and the
        dossier's delays as text, e.g. "16/56", per domain in DOMAINS order."""
        iq = self.iq(None if student.iq is None else student.iq.score)
        sep = student.sep
        flags: SepFlags | None = None
        if sep is not None:
            flags = (
                sep.prestatiemotivatie,
                sep.faalangst,
                sep.emotionele_instabiliteit,
                sep.hinders_learning,
            )
        fractions, bands = self._measured(student.learning_delays)
        # `actual` holds every measured delay as an exact fraction, the domains `counted`, and
        # the domains `above_band`: at or above an exclusive upper bound.
        delays = tuple(
            ConditionExplanation(
                "learning_delay",
                expected,
                {"delays": fractions, "counted": c.counted, "above_band": c.above_band},
                c.met,
                None,
                basis,
            )
            for expected, basis, c in zip(
                self.expected, self.delay_basis, self.count(bands), strict=True
            )
        )
        return (*iq, *self.sep(flags), *delays), fractions

    def _measured(self, results: Sequence[LearningDelayResult]) -> tuple[dict[str, str], Bands]:
        """The measured delays, in DOMAINS order: as text per domain, and their bands."""
        by_domain = {r.domain: r for r in results}
        fractions: dict[str, str] = {}
        bands: list[tuple[Domain, tuple[Band, ...]]] = []
        for domain in DOMAINS:
            result = by_domain.get(domain)
            if result is not None:
                fractions[domain], per_condition = self.cell(result.dl, result.dle)
                bands.append((domain, per_condition))
        return fractions, tuple(bands)


def compile_conditions(conditions: Sequence[Condition]) -> Conditions:
    """Compile a definition's distinct conditions, regrouped: IQ, SEP, learning delay (see
    `Conditions.conditions`)."""
    iq = tuple(c for c in conditions if isinstance(c, IqCondition))
    sep = tuple(c for c in conditions if isinstance(c, SepCondition))
    delay = tuple(c for c in conditions if isinstance(c, LearningDelayCondition))
    return Conditions(
        conditions=(*iq, *sep, *delay),
        expected=tuple(_delay_expected(c) for c in delay),
        delay_basis=tuple(c.legal_basis for c in delay),
        iq=lru_cache(maxsize=IQ_CACHE_SIZE)(partial(_explain_iq, iq)),
        sep=lru_cache(maxsize=SEP_CACHE_SIZE)(partial(_explain_sep, sep)),
        cell=lru_cache(maxsize=DELAY_CACHE_SIZE)(partial(_delay_cell, delay)),
        count=lru_cache(maxsize=PATTERN_CACHE_SIZE)(partial(_count_all, delay)),
    )
