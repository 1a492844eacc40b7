"""Bodies of the monitoring routes: enrolment on a count date, and national budget shares."""

from __future__ import annotations

import re
from decimal import Decimal

from pydantic import Field, StrictInt, model_validator

from chalicelib.messages import msg
from chalicelib.models.common import StrictModel
from chalicelib.models.region import REGION_ID_PATTERN

SHARE_PATTERN = r"^(0(\.[0-9]{1,12})?|1(\.0{1,12})?)$"
SHARE_TOLERANCE = Decimal("0.001")
"""Budget shares must sum to 1 within this (sources publish them rounded)."""


class SchoolEnrolment(StrictModel):
    """The number of students of one school (BRIN) on the count date."""

    brin: str = Field(pattern=r"^[0-9]{2}[A-Z0-9]{2}$")
    students: StrictInt = Field(ge=0, le=100_000)


class EnrolmentIn(StrictModel):
    """The body of `PUT /v1/regions/{region_id}/enrolments/{teldatum}`: students per school
    on that count date (1 October). A school of the region left out counts as unknown."""

    schools: tuple[SchoolEnrolment, ...] = Field(max_length=2000)
    source: str | None = Field(
        default=None, max_length=200, examples=["DUO telling 1 oktober 2017"]
    )

    @model_validator(mode="after")
    def _unique_schools(self) -> EnrolmentIn:
        brins = [s.brin for s in self.schools]
        if len(set(brins)) != len(brins):
            raise ValueError(msg("model.school_once"))
        return self


class BudgetSharesIn(StrictModel):
    """The body of `PUT /v1/budget-shares/{year}`: each region's share of the national lwoo/pro
    budget in that year (WVO 2020 art. 5.13 lid 3-4: still its share of lwoo/pro students on
    1 October 2012), as decimal strings from 0 to 1 that sum to 1 (within 0.001)."""

    shares: dict[str, str] = Field(
        min_length=1, max_length=500, examples=[{"VO2001": "0.0125", "VO2002": "0.0098"}]
    )
    basis: str | None = Field(default=None, max_length=200, examples=["1 oktober 2012"])

    @model_validator(mode="after")
    def _shares_are_decimal_fractions(self) -> BudgetSharesIn:
        for region_id, share in self.shares.items():
            if not re.fullmatch(REGION_ID_PATTERN, region_id):
                raise ValueError(msg("model.not_a_region_id", region=region_id))
            if not re.fullmatch(SHARE_PATTERN, share):
                raise ValueError(msg("model.share_text", region=region_id, share=share))
        total = sum((Decimal(s) for s in self.shares.values()), Decimal(0))
        if abs(total - 1) > SHARE_TOLERANCE:
            raise ValueError(
                msg("model.shares_sum", total=str(total), tolerance=str(SHARE_TOLERANCE))
            )
        return self

    def decimal_shares(self) -> dict[str, Decimal]:
        return {region_id: Decimal(s) for region_id, s in self.shares.items()}
