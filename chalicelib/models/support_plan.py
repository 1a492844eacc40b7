"""The support plan (ondersteuningsplan) of a region, and the record of its publication.

WVO art. 17a lid 7-10 (2016 to 2022-07-31) and WVO 2020 art. 2.47 lid 8-11: a region adopts a
plan at least once every four years, after consultations, and sends it to the inspectorate before
1 May preceding its first school year. What a plan must contain depends on the legal phase and the
region's opt-out; that is checked by `chalicelib.domain.support_plan`, not by this schema, so that
every missing or late item gets a finding with its legal basis. Nearly every field is therefore
optional here.
"""

from __future__ import annotations

import json
from typing import Annotated

from pydantic import Field, StrictInt, model_validator

from chalicelib.messages import msg
from chalicelib.models.common import InputDate, StrictModel
from chalicelib.models.criteria import CriteriaDefinition
from chalicelib.models.region import REGION_ID_PATTERN

SectionId = Annotated[str, Field(pattern=r"^[a-z]$")]
LONG_TEXT = 100_000
MAX_STORED_CHARS = 350_000  # a stored document is one DynamoDB item (at most 400 KB)


class Period(StrictModel):
    """The school years the plan covers: from 1 August to 31 July, at most four school years."""

    start: InputDate = Field(description="The first day of the first school year (1 August).")
    end: InputDate = Field(description="The last day of the last school year (31 July).")


class Section(StrictModel):
    """The content of one section of the plan, keyed by its letter in the law."""

    title: str | None = Field(default=None, max_length=300)
    text: str = Field(min_length=1, max_length=LONG_TEXT, description="The content (Markdown).")


class Oogo(StrictModel):
    """Op overeenstemming gericht overleg (OOGO) with one municipality on a draft of the plan."""

    municipality: str = Field(min_length=1, max_length=100)
    held_on: InputDate


class PoOverleg(StrictModel):
    """Overleg with a primary-education partnership (WPO art. 18a) whose area overlaps."""

    partnership: str = Field(min_length=1, max_length=200, examples=["PO2001"])
    held_on: InputDate


class MboInvitation(StrictModel):
    """An MBO institution with a location in the region, invited to the OOGO on section a."""

    institution: str = Field(min_length=1, max_length=200)
    invited_on: InputDate


class Consultations(StrictModel):
    oogo: tuple[Oogo, ...] = Field(default=(), max_length=200)
    po_partnerships: tuple[PoOverleg, ...] = Field(default=(), max_length=50)
    mbo_invited: tuple[MboInvitation, ...] = Field(default=(), max_length=50)


class LwooPro(StrictModel):
    """The plan's lwoo/pro part: what a region that sets its own rules records.

    `criteria`: the criteria definition(s) the region applies in the plan's period, each with its
    duration per arrangement (old WVO art. 17a lid 8 i; WVO 2020 art. 2.48 lid 1; every region
    under the 2014 letter's `loslaten`). `nomination_criteria` and `nominated_schools`: the
    criteria for nominating schools for lwoo funding, and the schools (old WVO art. 17a lid 8 j).
    """

    criteria: tuple[CriteriaDefinition, ...] = Field(default=(), max_length=10)
    procedure: str | None = Field(
        default=None,
        min_length=1,
        max_length=LONG_TEXT,
        description="The procedure for assessing lwoo (and, where the region sets them, pro).",
    )
    lwoo_distribution: str | None = Field(
        default=None,
        min_length=1,
        max_length=LONG_TEXT,
        description="Where the criteria allocate lwoo to schools: how the lwoo budget is "
        "distributed over them (the verdeelsleutel) and how a school chooses its pupils.",
    )
    nomination_criteria: str | None = Field(default=None, min_length=1, max_length=LONG_TEXT)
    nominated_schools: tuple[str, ...] = Field(
        default=(), max_length=500, description="BRINs of the schools nominated for lwoo funding."
    )


class SupportPlan(StrictModel):
    """A support plan: the body of `POST /v1/regions/{region_id}/support-plans[/validate]`."""

    region_id: str = Field(pattern=REGION_ID_PATTERN)
    title: str | None = Field(default=None, max_length=300)
    period: Period
    adopted_on: InputDate | None = Field(default=None, description="Vastgesteld op.")
    sections: dict[SectionId, Section] = Field(
        default_factory=dict,
        description="The sections by their letter: a-g (WVO 2020 art. 2.47 lid 9) or a-h (WVO "
        "art. 17a lid 8).",
    )
    consultations: Consultations = Consultations()
    sent_to_inspectorate_on: InputDate | None = None
    lwoo_pro: LwooPro = LwooPro()

    @model_validator(mode="after")
    def _storable(self) -> SupportPlan:
        size = len(json.dumps(self.model_dump(mode="json")))
        if size > MAX_STORED_CHARS:
            raise ValueError(msg("model.plan_too_large", size=size, limit=MAX_STORED_CHARS))
        return self


class PlanPublication(StrictModel):
    """The record of a plan's publication; the published plan itself is never changed.

    A later publication (higher `sequence`) in the same framework whose period overlaps
    supersedes this one from its start.
    """

    plan_id: str
    framework: str
    sequence: StrictInt = Field(ge=1)
    published_on: InputDate
    published_at: str
    period: Period
    content_hash: str
    criteria_hashes: tuple[str, ...] = Field(
        description="Content hashes of the criteria definitions the plan records."
    )
