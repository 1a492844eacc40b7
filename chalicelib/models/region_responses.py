"""The response bodies of a region's own documents: the framework view, opt-outs, criteria
versions and support plans."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from chalicelib.legal.model import Phase
from chalicelib.models.common import Finding
from chalicelib.models.criteria import ArrangementCriteria, CriteriaDefinition
from chalicelib.models.optout import OptOutNotice
from chalicelib.models.responses import Id, PhaseId, ResponseModel
from chalicelib.models.support_plan import SupportPlan


class FrameworkPhase(ResponseModel):
    """`GET /v1/framework`: the phase of the legal framework in force on the date."""

    framework: str
    date: dt.date
    phase: Phase


class OptOutView(ResponseModel):
    """The opt-out in force on the date (scope empty: none), and every notice so far."""

    region_id: str
    date: dt.date
    scope: list[str]
    in_force: OptOutNotice | None
    history: list[OptOutNotice]


class CriteriaVersion(ResponseModel):
    """A stored version of the region's criteria, with the findings it was stored with."""

    version_id: str
    framework: str
    effective_from: dt.date
    effective_until: dt.date | None
    content_hash: str
    stored_on: dt.date
    phase: str
    definition: CriteriaDefinition
    findings: list[Finding]


class CriteriaVersionList(ResponseModel):
    items: list[CriteriaVersion]


class ArrangementInForce(ResponseModel):
    source: Literal["national", "region"]
    version_id: str
    criteria: ArrangementCriteria


class CriteriaInForce(ResponseModel):
    """The criteria decisions use on a date, per arrangement, and where they come from."""

    date: dt.date
    framework: str
    phase: PhaseId
    source: Literal["national", "region"]
    arrangements: dict[str, ArrangementInForce]


class PlanCreated(ResponseModel):
    """A draft support plan just stored (whatever its findings), and its validation."""

    id: Id
    content_hash: str
    status: Literal["draft"]
    framework: str
    phase: PhaseId
    valid: bool
    findings: list[Finding]


class PlanSummary(ResponseModel):
    """A support plan as listed: its status, not its content."""

    id: Id
    region_id: str
    framework: str
    content_hash: str
    status: Literal["draft", "published", "superseded"]
    created_on: dt.date
    published_on: dt.date | None
    superseded_by: str | None


class PlanView(PlanSummary):
    plan: SupportPlan


class PublishedPlan(PlanView):
    findings: list[Finding] = Field(description="The warnings it was published with.")


class PlanList(ResponseModel):
    items: list[PlanSummary]
