"""Shared building blocks of the models: citations, findings, domains and arrangements."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Arrangement = Literal["lwoo", "pro"]
"""lwoo: leerwegondersteunend onderwijs; pro: praktijkonderwijs."""

ARRANGEMENTS: tuple[Arrangement, ...] = ("lwoo", "pro")
OUTCOMES = ("granted", "refused", "incomplete")
ID_PATTERN = r"^[0-9a-f]{32}$"  # decision, batch, plan and upload ids (`wiring.new_id`)

Domain = Literal["technisch_lezen", "spellen", "begrijpend_lezen", "inzichtelijk_rekenen"]
"""The four domains of the leerachterstand (UB WVO 2020 art. 2.46 lid 1 b)."""

DOMAINS: tuple[Domain, ...] = (
    "technisch_lezen",
    "spellen",
    "begrijpend_lezen",
    "inzichtelijk_rekenen",
)

Profession = Literal[
    "psycholoog",
    "orthopedagoog",
    "kinder_en_jeugdpsycholoog",
    "pedagoog",
    "kinderpsychiater",
    "maatschappelijk_werker",
    "arts",
    "deskundige_vo",
    "deskundige_pro",
    "intern_begeleider",
    "leerkracht",
    "remedial_teacher",
    "other",
]
"""Who administered a test or gave expert advice (UB WVO 2020 art. 2.46 lid 2, art. 2.51)."""

Severity = Literal["error", "warning"]


class StrictModel(BaseModel):
    """Base of every input model: unknown fields are refused, instances are immutable.

    `defer_build`: a model's validator is built on first use, not at import, so a Lambda cold
    start pays only for the models its first request needs.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Citation(StrictModel):
    """A reference to the legal text a rule comes from."""

    citation: str = Field(min_length=1, examples=["Inrichtingsbesluit WVO art. 15d lid 5"])
    url: str = Field(pattern=r"^https://", examples=["https://wetten.overheid.nl/BWBR0005946"])


class Finding(StrictModel):
    """One observation about a document: an `error` blocks, a `warning` informs."""

    severity: Severity
    code: str
    path: str = Field(description="JSON pointer into the document the finding is about.")
    message: str
    legal_basis: tuple[Citation, ...] = ()
