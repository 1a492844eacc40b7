"""Models of the dated instrument rules (`data/instruments/regulations.json`).

Every school year the minister fixes the screenings- and test instruments for lwoo and pro in a
*Regeling screenings- en testinstrumenten lwoo en pro schooljaar X*, in force from 1 October
(IB WVO art. 15d lid 2; UB WVO 2020 art. 2.46 lid 2). Some rules in its appendix decide whether a
test result may be used at all: how old an IQ or SEP score may be, and how recent the didactic
tests must be. Those rules are dated data, OpenFisca style: per rule a list of values, each with
the date from which it holds and the regulation it was read in. The value in force on a date is
the newest one whose `effective_from` is on or before it. The file is shared by every framework
and phase: a regulation does not change with the renumbering of 2022.

Only the regulations that were actually read are recorded; a value holds until a newer one is
recorded, and its citation names the regulation it was read in as an example of the yearly
regulation, never as the regulation of another year.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import pairwise
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from chalicelib.models.common import Citation, StrictModel

MonthDay = Annotated[str, Field(pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
Month = Annotated[int, Field(ge=1, le=12)]


class DatedValue(StrictModel):
    """One value of a rule, from `effective_from` until the next value's date."""

    effective_from: dt.date
    legal_basis: tuple[Citation, ...] = Field(min_length=1)


class MaxAgeYears(DatedValue):
    """A test score may be at most `value` years old on the application date (that calendar
    day `value` years earlier is still in time)."""

    value: int = Field(ge=1)


class DidacticRecency(DatedValue):
    """How recent the didactic tests (the leerachterstand) must be.

    Applying from `school_year_rule_from` to `school_year_rule_until` (month-day, inclusive):
    tests from the school year that began on `school_year_starts` of the year before the
    application's year, or later. Applying on any other day: at most `max_test_months` test
    months old, the months in `months_not_counted` not counted.
    """

    school_year_rule_from: MonthDay = "02-01"
    school_year_rule_until: MonthDay = "09-30"
    school_year_starts: MonthDay = "08-01"
    max_test_months: int = Field(default=6, ge=1)
    months_not_counted: tuple[Month, ...] = (7, 8)

    @model_validator(mode="after")
    def _well_formed(self) -> DidacticRecency:
        if self.school_year_rule_from > self.school_year_rule_until:
            raise ValueError("school_year_rule_from must not lie after school_year_rule_until")
        if len(set(self.months_not_counted)) >= 12:
            raise ValueError("months_not_counted must leave at least one month to count")
        return self


def _ascending(values: tuple[DatedValue, ...]) -> tuple[DatedValue, ...]:
    dates = [v.effective_from for v in values]
    if any(a >= b for a, b in pairwise(dates)):
        raise ValueError("values must be in strictly ascending order of effective_from")
    return values


class InstrumentRegulations(StrictModel):
    """Every dated instrument rule, each a list of values in ascending date order."""

    description: str = Field(min_length=1)
    iq_max_age_years: tuple[MaxAgeYears, ...] = Field(min_length=1)
    sep_max_age_years: tuple[MaxAgeYears, ...] = Field(min_length=1)
    didactic_recency: tuple[DidacticRecency, ...] = Field(min_length=1)

    @field_validator("iq_max_age_years", "sep_max_age_years", "didactic_recency")
    @classmethod
    def _sorted(cls, values: tuple[DatedValue, ...]) -> tuple[DatedValue, ...]:
        return _ascending(values)


@dataclass(frozen=True, slots=True)
class InstrumentRules:
    """The instrument rules in force on one date; None where no value was in force yet."""

    date: dt.date
    iq_max_age: MaxAgeYears | None
    sep_max_age: MaxAgeYears | None
    didactic_recency: DidacticRecency | None
