"""The body of `POST /v1/regions/{region_id}/criteria/impact`."""

from __future__ import annotations

from pydantic import Field

from chalicelib.models.common import StrictModel
from chalicelib.models.criteria import CriteriaDefinition
from chalicelib.models.request import DecisionRequest


class ImpactRequest(StrictModel):
    """A candidate definition, and optionally a cohort (default: the region's stored dossiers
    still within their retention)."""

    definition: CriteriaDefinition
    dossiers: tuple[DecisionRequest, ...] | None = Field(default=None, max_length=5000)
