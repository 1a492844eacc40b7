"""How long an allocation holds (WVO 2020 art. 2.48 lid 1 b; nationally: the school career)."""

from __future__ import annotations

import datetime as dt

from chalicelib.models.criteria import Duration, SchoolYears

SCHOOL_YEAR_START = (8, 1)  # school years start on 1 August


def valid_until(decided_on: dt.date, duration: Duration) -> dt.date | None:
    """The first day the allocation no longer holds; None for the whole school career.

    N school years from the decision date; a decision taken during a school year runs on to the
    first day of the next school year (1 August).
    """
    if not isinstance(duration, SchoolYears):
        return None
    year = decided_on.year + duration.years
    if (decided_on.month, decided_on.day) > SCHOOL_YEAR_START:
        year += 1
    return dt.date(year, *SCHOOL_YEAR_START)
