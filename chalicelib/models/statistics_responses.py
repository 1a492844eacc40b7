"""The response bodies of monitoring: enrolments, budget shares, a region's and the national
figures (`chalicelib/domain/statistics.py` computes them; README, "Monitoring")."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from chalicelib.models.responses import ResponseModel, Share, Timestamp
from chalicelib.models.statistics import SchoolEnrolment

Counts = dict[str, int | None]
"""Allocations per arrangement (lwoo, pro) and their total; null for an arrangement the
region allocates to its schools (no individual decisions to count)."""
Shares = dict[str, Share | None]
Outcomes = dict[str, int]


class Enrolment(ResponseModel):
    region_id: str
    teldatum: dt.date
    schools: list[SchoolEnrolment]
    source: str | None
    students: int
    stored_at: Timestamp


class BudgetShares(ResponseModel):
    year: int
    shares: dict[str, Share]
    basis: str | None
    stored_at: Timestamp


class SchoolFigures(ResponseModel):
    brin: str
    name: str
    kind: Literal["aoc", "pro", "vmbo_lwoo", "vmbo", "other"]
    kinds: list[str]
    lwoo_licence: bool
    students: int | None = Field(description="Null when the count date has no enrolment.")
    small: bool | None
    allocations: Counts
    shares: Shares


class KindFigures(ResponseModel):
    schools: int
    small_schools: int
    students: int
    lwoo: int | None
    pro: int | None
    total: int | None
    shares: Shares


class ArrangementFlow(ResponseModel):
    total: int
    by_outcome: Outcomes
    by_reason: dict[str, dict[str, int]] = Field(description="Per outcome: per reason, how many.")


class Flows(ResponseModel):
    """The decisions of the school year before the count date."""

    school_year: str
    from_: dt.date = Field(alias="from")
    until: dt.date
    total: int
    by_outcome: Outcomes
    by_arrangement: dict[str, ArrangementFlow]


class Figures(ResponseModel):
    teldatum: dt.date
    enrolment_known: bool
    students: int | None
    allocation: dict[str, Literal["per_student", "allocated_to_schools"]]
    allocations: Counts
    shares: Shares
    schools: list[SchoolFigures]
    unknown_school: Counts
    by_kind: dict[str, KindFigures]
    decisions: Flows


class FigureWarning(ResponseModel):
    """A stored document the figures left out, and why."""

    code: str
    region_id: str
    message: str


class RegionStatistics(ResponseModel):
    region_id: str
    name: str | None
    teldatum: dt.date
    figures: Figures
    trend: list[Figures]
    warnings: list[FigureWarning]


class NationalTotals(ResponseModel):
    allocations: Outcomes
    students: int | None
    shares: Shares
    decisions: Outcomes
    lwoo_allocated_to_schools: list[str]


class NationalRow(ResponseModel):
    region_id: str
    name: str | None
    students: int | None
    allocations: Counts
    shares: Shares
    allocation_share: Share | None
    allocation_shares: Shares
    budget_share: Share | None
    gap: Share | None
    by_kind: dict[str, KindFigures]
    decisions: Flows


class BudgetInfo(ResponseModel):
    year: int
    basis: str | None


class TrendPoint(ResponseModel):
    teldatum: dt.date
    allocations: Outcomes


class NationalStatistics(ResponseModel):
    teldatum: dt.date
    national: NationalTotals
    budget: BudgetInfo | None
    regions: list[NationalRow]
    trend: list[TrendPoint]
    warnings: list[FigureWarning]
