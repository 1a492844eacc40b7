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


class EvidenceCitations(StrictModel):
    """Per evidence rule, the articles of this phase that make it a rule (IB WVO art. 15d,
    15a; UB WVO 2020 art. 2.46, 2.51). Every evidence finding cites the one of its rule."""

    board_motivation: tuple[Citation, ...] = Field(
        min_length=1, description="The board's motivation (IB 15d / UB 2.46 lid 1 a)."
    )
    learning_delay: tuple[Citation, ...] = Field(
        min_length=1, description="The leerachterstand on the four domains (lid 1 b)."
    )
    iq: tuple[Citation, ...] = Field(min_length=1, description="The IQ (lid 1 c).")
    sep: tuple[Citation, ...] = Field(
        min_length=1, description="The personality tests on SEP (lid 1 d)."
    )
    parent_view: tuple[Citation, ...] = Field(
        min_length=1, description="The parents' view, for pro (lid 1 e)."
    )
    testers: tuple[Citation, ...] = Field(
        min_length=1, description="IQ and SEP tests under a psycholoog or orthopedagoog (lid 2)."
    )
    experts: tuple[Citation, ...] = Field(
        min_length=1, description="The expert advice (IB 15a / UB 2.51)."
    )
    instrument_regulation: tuple[Citation, ...] = Field(
        min_length=1,
        description="The article that orders the yearly instrument regulation (lid 2); findings "
        "on the regulation's rules add the regulation itself (`data/instruments/`).",
    )


class EvidenceRule(StrictModel):
    """What a dossier must hold before a decision can be taken at all.

    How old a test result may be is not here: it is the yearly instrument regulation's, dated
    data shared by every phase (`chalicelib.legal.instruments`).
    """

    tester_professions: tuple[Profession, ...] = Field(
        min_length=1, description="Who may administer the IQ and SEP tests."
    )
    first_expert: tuple[Profession, ...] = Field(
        min_length=1, description="The expert advice needs one of these..."
    )
    second_expert: tuple[Profession, ...] = Field(
        min_length=1, description="...and another expert, one of these."
    )
    parent_view_for: tuple[Arrangement, ...]
    board_motivation_required: bool
    all_domains_required: bool
    citations: EvidenceCitations
    legal_basis: tuple[Citation, ...] = Field(
        min_length=1, description="The general basis, for an incomplete decision as a whole."
    )


class HealthDataRule(StrictModel):
    """How long the health data of a decision (test results) may be kept after it."""

    retention_years: int = Field(ge=1)
    legal_basis: tuple[Citation, ...] = Field(min_length=1)


class ObjectionRule(StrictModel):
    """Bezwaar against a decision: lodged within `term_weeks` (`legal_basis`: Awb art. 6:7)
    with the region, whose adviescommissie (Awb art. 7:13) advises on it (WVO art. 17a; WVO 2020
    art. 2.47 lid 15); then beroep at the administrative court (Awb art. 8:1: the WVO keeps it
    open for these decisions). The decision letter cites the articles of its date from here."""

    term_weeks: int = Field(ge=1)
    legal_basis: tuple[Citation, ...] = Field(min_length=1)
    advisory_committee_legal_basis: tuple[Citation, ...] = Field(min_length=1)
    appeal_legal_basis: tuple[Citation, ...] = Field(min_length=1)


class PlanSection(StrictModel):
    """A section the support plan must contain (WVO art. 17a lid 8; WVO 2020 art. 2.47 lid 9)."""

    id: str = Field(pattern=r"^[a-z]$")
    title: str = Field(min_length=1)
    legal_basis: tuple[Citation, ...] = Field(min_length=1)


class LwooProItem(StrictModel):
    """What the plan's lwoo/pro part must record, and when.

    `records`: `criteria` is the criteria definition(s) with their duration and the procedure
    for every arrangement whose criteria or duration the region sets; `nomination` is the
    criteria for nominating schools for lwoo funding and the nominated schools. `required`:
    `always`, or `with_opt_out` when the region's opt-out scope holds one of `opt_out_scope`.
    """

    id: str = Field(min_length=1, description="The item's letter in the legal text, or a name.")
    title: str = Field(min_length=1)
    records: Literal["criteria", "nomination"]
    required: Literal["with_opt_out", "always"]
    opt_out_scope: tuple[OptOutScopeItem, ...] = ()
    legal_basis: tuple[Citation, ...] = Field(min_length=1)


class SupportPlanRule(StrictModel):
    """What a support plan (ondersteuningsplan) adopted in this phase must contain.

    The plan covers at most `max_years` school years starting on `period_starts_month_day`; it is
    adopted only after OOGO with the municipalities and overleg with the PO partnership (and, where
    `mbo_invited_for_sections` is set, after inviting MBO institutions for those sections); it is
    sent to the inspectorate before `inspectorate_before_month_day` preceding its first school year.
    """

    sections: tuple[PlanSection, ...] = Field(min_length=1)
    lwoo_pro_items: tuple[LwooProItem, ...] = ()
    max_years: int = Field(default=4, ge=1)
    period_starts_month_day: str = Field(default="08-01", pattern=r"^\d{2}-\d{2}$")
    inspectorate_before_month_day: str = Field(default="05-01", pattern=r"^\d{2}-\d{2}$")
    mbo_invited_for_sections: tuple[str, ...] = ()
    period_legal_basis: tuple[Citation, ...] = Field(min_length=1)
    consultation_legal_basis: tuple[Citation, ...] = Field(min_length=1)
    inspectorate_legal_basis: tuple[Citation, ...] = Field(min_length=1)
    legal_basis: tuple[Citation, ...] = Field(min_length=1)


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
    support_plan: SupportPlanRule
    health_data: HealthDataRule
    objection: ObjectionRule
    own_criteria_legal_basis: tuple[Citation, ...] = Field(
        min_length=1,
        description="The power a region uses when it sets criteria or a duration of its own: "
        "cited by decisions on those criteria where the region's text cites nothing.",
    )
    criteria_need_published_plan: bool = Field(
        default=False,
        description="A region's own criteria hold only through a published support plan in "
        "force that records them (kamerbrief-2014 `loslaten`).",
    )
    legal_basis: tuple[Citation, ...]


class Framework(StrictModel):
    """A legal framework: `enacted` (the law in force) or `kamerbrief-2014` (the 2014 plan)."""

    id: str
    title: str
    description: str
    phases: tuple[Phase, ...] = Field(min_length=1)
