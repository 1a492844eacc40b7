"""Models of the legal framework data files (`data/frameworks/*.json`).

A framework is a list of phases; a phase says, with citations, what binds in it: the national
criteria per arrangement, whether and how a region may opt out, the duration rule, the lwoo
licences, and the evidence a dossier must hold.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from chalicelib.models.common import Arrangement, Citation, Profession, StrictModel

NationalCriteriaStatus = Literal["binding", "binding_unless_opted_out", "none"]
"""How the national criteria hold for one arrangement: always, unless the region opted out
(with `criteria` in scope), or not at all (the region sets its own)."""

OptOutScopeItem = Literal["criteria", "duration", "licences"]


class NationalCriteriaRule(StrictModel):
    lwoo: NationalCriteriaStatus
    pro: NationalCriteriaStatus
    version: str | None = Field(description="The national criteria version in force, if any.")
    reference_version: str | None = Field(
        default=None,
        description="Where none bind: the former national criteria, to compare a region's with.",
    )
    legal_basis: tuple[Citation, ...]

    @property
    def comparison_version(self) -> str | None:
        return self.version or self.reference_version


class OptOutRule(StrictModel):
    """Opting out (WVO art. 17a1; WVO 2020 art. 2.48): lwoo only, all boards consenting."""

    available: bool
    scope: tuple[OptOutScopeItem, ...] = ()
    consent: Literal["all_boards"] = "all_boards"
    notice_by_month_day: str = Field(default="12-15", pattern=r"^\d{2}-\d{2}$")
    starts_on_month_day: str = Field(default="01-01", pattern=r"^\d{2}-\d{2}$")
    legal_basis: tuple[Citation, ...]


class DurationRule(StrictModel):
    """How long an allocation holds: nationally the whole school career."""

    national: Literal["school_career"] | None
    region_sets: Literal["never", "with_opt_out", "always"]
    legal_basis: tuple[Citation, ...]


class LicenceRule(StrictModel):
    """lwoo funding at a school: a licence, or a school nominated by an opting-out region."""

    lwoo_licences: bool
    nomination_with_opt_out: bool
    legal_basis: tuple[Citation, ...]


class EvidenceRule(StrictModel):
    """What a dossier must hold before a decision can be taken at all."""

    iq_max_age_years: int = Field(ge=1)
    tester_professions: tuple[Profession, ...]
    first_expert: tuple[Profession, ...]
    second_expert: tuple[Profession, ...]
    parent_view_for: tuple[Arrangement, ...]
    board_motivation_required: bool
    all_domains_required: bool
    legal_basis: tuple[Citation, ...]


class Phase(StrictModel):
    """One phase of a legal framework: what binds from `effective_from` to `effective_until`."""

    id: str
    title: str
    effective_from: dt.date
    effective_until: dt.date | None
    national_criteria: NationalCriteriaRule
    opt_out: OptOutRule
    duration: DurationRule
    licences: LicenceRule
    evidence: EvidenceRule
    legal_basis: tuple[Citation, ...]


class Framework(StrictModel):
    """A legal framework: `enacted` (the law in force) or `kamerbrief-2014` (the 2014 plan)."""

    id: str
    title: str
    description: str
    phases: tuple[Phase, ...] = Field(min_length=1)
