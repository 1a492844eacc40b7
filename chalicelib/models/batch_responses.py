"""The response bodies of batches: accepted, an upload form, status and the rows' results."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from chalicelib.models.common import Arrangement, Citation, Finding, Severity
from chalicelib.models.responses import ErrorDetail, Id, ResponseModel, RunError, Timestamp


class BatchAccepted(ResponseModel):
    batch_id: Id
    status_url: str
    results_url: str


class UploadForm(ResponseModel):
    """A presigned POST to send a large batch body to, and how to submit it after."""

    upload_id: Id
    upload_url: str
    method: Literal["POST"]
    fields: dict[str, str]
    max_bytes: int


class BatchCounts(ResponseModel):
    total: int | None = Field(description="Rows in the batch, once it is split.")
    decided: dict[str, int] = Field(description="Decided rows per outcome.")
    rejected: int
    pending: int | None


class BatchStatus(ResponseModel):
    batch_id: Id
    status: Literal["accepted", "processing", "completed", "failed"]
    format: str
    accepted_at: Timestamp
    counts: BatchCounts
    results_url: str
    error: RunError | None = Field(default=None, description="Only when the batch failed.")


class RowFinding(ResponseModel):
    """Why a row is `incomplete` or rejected: an error finding (in full for a rejected row)."""

    code: str
    path: str
    message: str
    severity: Severity | None = None
    legal_basis: list[Citation] | None = None


class RowResult(ResponseModel):
    """One row of a batch: decided (with its decision) or rejected (with its errors)."""

    row: int
    warnings: list[Finding]
    student_ref: str | None = Field(description="Whenever the row's ref was readable.")
    status: Literal["decided", "rejected"]
    decision_id: Id | None = Field(default=None, description="A decided row's.")
    volgnummer: str | None = None
    outcome: Literal["granted", "refused", "incomplete"] | None = None
    eligible_for: list[Arrangement] | None = None
    errors: list[ErrorDetail]
    findings: list[RowFinding] | None = Field(
        default=None, description="An incomplete row's error findings; a rejected row's."
    )


class BatchResultsPage(ResponseModel):
    items: list[RowResult]
    next: str | None
