"""Opting out (WVO art. 17a1; WVO 2020 art. 2.48): a region's notice to deviate for lwoo."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from chalicelib.models.common import InputDate, StrictModel


class Consent(StrictModel):
    """One board's consent (instemming), signed on a date."""

    board_id: str = Field(min_length=1, max_length=20)
    signed_on: InputDate


class OptOutNotice(StrictModel):
    """The body of `PUT /v1/regions/{region_id}/opt-out`.

    An empty `scope` is a re-entry: from `effective_from` the national criteria bind again.
    Scope items are checked against the phase (not by the schema), so that a wrong item gets a
    finding with its legal basis.
    """

    effective_from: InputDate
    scope: tuple[str, ...] = Field(
        max_length=10, description="Any of criteria, duration, licences; empty: re-entry."
    )
    notified_on: InputDate = Field(description="The date of the notice to the inspectorate.")
    consents: tuple[Consent, ...] = Field(default=(), max_length=500)
    nominated_schools: tuple[str, ...] = Field(default=(), max_length=500)


class OptOutState(StrictModel):
    """Which opt-out holds on a date: the scope in force, and the notice it comes from."""

    date: dt.date
    scope: tuple[str, ...]
    notice: OptOutNotice | None
