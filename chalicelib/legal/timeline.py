"""Load the legal framework data and answer: which phase is in force on a date?

Data files are read once, on first use (not at import), and validated by the models of
`chalicelib.legal.model`. The phase in force is the newest one whose `effective_from` is on or
before the date, as in OpenFisca.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from functools import cache, lru_cache
from operator import attrgetter
from pathlib import Path
from typing import TypeVar

from pydantic import Field

from chalicelib.errors import NoLegalPhaseError, UnknownFrameworkError
from chalicelib.legal.instruments import DatedValue, InstrumentRegulations, InstrumentRules
from chalicelib.legal.model import Framework, Phase
from chalicelib.messages import msg
from chalicelib.models.common import StrictModel
from chalicelib.models.criteria import CriteriaDefinition

DATA_DIR = Path(__file__).parent / "data"
V = TypeVar("V", bound=DatedValue)
DEFAULT_FRAMEWORK = "enacted"
FRAMEWORK_IDS = ("enacted", "kamerbrief-2014")


class NationalCriteria(StrictModel):
    """One version of the national criteria, as written in one legal text."""

    version_id: str
    title: str
    definition: CriteriaDefinition = Field(description="The criteria in the criteria language.")


@cache
def framework(framework_id: str = DEFAULT_FRAMEWORK) -> Framework:
    """The framework with this id; `UnknownFrameworkError` for any other id."""
    if framework_id not in FRAMEWORK_IDS:
        raise UnknownFrameworkError(
            msg("error.unknown_framework", framework=framework_id, known=list(FRAMEWORK_IDS))
        )
    text = (DATA_DIR / "frameworks" / f"{framework_id}.json").read_text(encoding="utf-8")
    return Framework.model_validate_json(text)


def phase_at(framework_id: str, date: dt.date) -> Phase:
    """The phase of the framework in force on `date`.

    Raises:
        NoLegalPhaseError: the date lies before the first phase (2016-01-01).
    """
    chosen: Phase | None = None
    for phase in framework(framework_id).phases:
        if phase.effective_from <= date:
            chosen = phase
    if chosen is None:
        first = framework(framework_id).phases[0].effective_from
        raise NoLegalPhaseError(
            msg("error.no_legal_phase", date=date.isoformat(), first=first.isoformat())
        )
    return chosen


def phases_spanned(framework_id: str, start: dt.date, end: dt.date | None) -> list[Phase]:
    """The phases of the framework in force at some day from `start` to `end` (None: open-ended).

    Raises:
        NoLegalPhaseError: `start` lies before the first phase.
    """
    first = phase_at(framework_id, start)
    return [
        phase
        for phase in framework(framework_id).phases
        if phase.effective_from >= first.effective_from
        and (end is None or phase.effective_from <= end)
    ]


@cache
def national_criteria(version_id: str) -> NationalCriteria:
    """The national criteria version with this id (e.g. `national-2016`)."""
    path = DATA_DIR / "national" / f"{version_id}.json"
    return NationalCriteria.model_validate_json(path.read_text(encoding="utf-8"))


def national_criteria_at(framework_id: str, date: dt.date) -> NationalCriteria | None:
    """The national criteria of the phase in force on `date`, or None where there are none."""
    version = phase_at(framework_id, date).national_criteria.version
    return None if version is None else national_criteria(version)


# Distinct application dates remembered: a cohort has a few hundred.
INSTRUMENT_CACHE_SIZE = 4096


@cache
def instrument_regulations() -> InstrumentRegulations:
    """The dated instrument rules of the yearly regulations (`data/instruments/`)."""
    path = DATA_DIR / "instruments" / "regulations.json"
    return InstrumentRegulations.model_validate_json(path.read_text(encoding="utf-8"))


def _in_force(values: tuple[V, ...], date: dt.date) -> V | None:
    """The newest of `values` (ascending by `effective_from`) in force on `date`."""
    index = bisect_right(values, date, key=attrgetter("effective_from")) - 1
    return values[index] if index >= 0 else None


@lru_cache(maxsize=INSTRUMENT_CACHE_SIZE)
def instrument_rules_at(date: dt.date) -> InstrumentRules:
    """The instrument rules in force on `date`: per rule, the newest value whose
    `effective_from` is on or before it (None before the first value). Cached per date."""
    data = instrument_regulations()
    return InstrumentRules(
        date,
        _in_force(data.iq_max_age_years, date),
        _in_force(data.sep_max_age_years, date),
        _in_force(data.didactic_recency, date),
    )
