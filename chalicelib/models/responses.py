"""The response bodies of the API: one model per shape a route sends (the OpenAPI document and
`criteria_schemas/` are generated from them).

A service builds a response from the JSON document it has (stored items are dicts) with
`model_validate`; the web layer sends it with `model_dump(mode="json", exclude_unset=True)`.
So a field the document does not have is not sent (absent, not null): the JSON is exactly the
document, and a document that does not fit its model is a bug found where it is built.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.models.common import ID_PATTERN, Arrangement, Finding
from chalicelib.models.decision import Decision
from chalicelib.models.region import REGION_ID_PATTERN

Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
"""A moment as ISO 8601 text, sent as it was stored (not re-formatted)."""
Share = Annotated[str, Field(pattern=r"^-?[0-9]+(\.[0-9]+)?$")]
"""An exact decimal (a share or a gap) as text: figures are never floats."""
Id = Annotated[str, Field(pattern=ID_PATTERN)]
RegionId = Annotated[str, Field(pattern=REGION_ID_PATTERN)]


class ResponseModel(BaseModel):
    """Base of every response model: no field the model does not name (a service that sends
    one has drifted from the contract)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)


class ErrorDetail(ResponseModel):
    path: str = Field(description="JSON pointer (or ?query, {path}) of the input at fault.")
    code: str
    message: str


class ErrorBody(ResponseModel):
    code: str
    message: str
    details: list[ErrorDetail] | None = Field(default=None, description="Absent when empty.")
    findings: list[Finding] | None = Field(default=None, description="Absent when empty.")


class Error(ResponseModel):
    """Every 4xx and 5xx answer of the API (README, "Errors")."""

    error: ErrorBody


class Health(ResponseModel):
    status: Literal["ok"]


class Document(ResponseModel):
    """`GET /v1/openapi.json`: the OpenAPI 3.1 description of this API."""

    model_config = ConfigDict(extra="allow")
    openapi: str
    info: dict[str, str]
    paths: dict[str, dict[str, dict[str, object]]]


class TokenInfo(ResponseModel):
    """A token as it is listed: never its secret (nor its hash)."""

    token_id: Id
    role: Literal["region", "ministry", "admin"]
    region_id: str | None
    label: str | None
    created_at: Timestamp
    expires_at: Timestamp


class Token(TokenInfo):
    """A token just made: the only time its secret is shown. (Sent after the other fields; it
    came first before the response was a model: JSON objects have no order.)"""

    token: str


class TokenList(ResponseModel):
    items: list[TokenInfo]


class DecisionPage(ResponseModel):
    """A student's decisions, a page at a time; `next` is the cursor of the next page."""

    # Not `extra="forbid"`: pydantic would give it to the Decision dataclasses' schemas too,
    # which would then differ from the Decision a route sends alone.
    model_config = ConfigDict(defer_build=True)

    items: list[Decision]
    next: str | None


class PhaseId(ResponseModel):
    """The legal phase a check used (its start, where the answer gives it)."""

    id: str
    effective_from: dt.date | None = None


class Validation(ResponseModel):
    """A dry run of criteria or a support plan: `valid` when no finding is an error."""

    valid: bool
    framework: str
    phase: PhaseId
    findings: list[Finding]


class AffectedDossier(ResponseModel):
    """A dossier whose eligibility the candidate criteria change."""

    student_ref: str
    before: list[Arrangement]
    after: list[Arrangement]


class ImpactTotals(ResponseModel):
    dossiers: int
    changed: int
    changes: dict[str, int] = Field(description='Per change, e.g. "lwoo -> none": how many.')
    per_arrangement: dict[str, dict[str, int]] = Field(
        description="Per arrangement: dossiers that kept, gained, lost or never had it."
    )


class ImpactResult(ResponseModel):
    """`POST .../criteria/impact`: the candidate against the criteria in force (the figures
    of `ImpactTotals`, sent between the framework and the affected dossiers)."""

    framework: str
    date: dt.date | None
    dossiers: int
    changed: int
    changes: dict[str, int]
    per_arrangement: dict[str, dict[str, int]]
    affected: list[AffectedDossier]


class AffectedPage(ResponseModel):
    items: list[AffectedDossier]
    next: str | None


class RunError(ResponseModel):
    code: str
    message: str


class ImpactRunAccepted(ResponseModel):
    run_id: Id
    status: Literal["accepted"]
    status_url: str
    affected_url: str


class ImpactRunStatus(ResponseModel):
    run_id: Id
    status: Literal["accepted", "processing", "completed", "failed"]
    accepted_at: Timestamp
    framework: str
    date: dt.date | None
    pages_done: int
    dossiers_read: int
    report: ImpactTotals | None = Field(description="The figures once the run is completed.")
    status_url: str
    affected_url: str
    error: RunError | None = Field(default=None, description="Only when the run failed.")
