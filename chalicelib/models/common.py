"""Shared building blocks of the models: citations, findings, domains and arrangements."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
)

from chalicelib.messages import msg

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


# NUL, and the bidirectional controls that make text read otherwise than it is stored (the
# "Trojan Source" characters: embeddings, overrides, isolates, marks). Refused in any text.
HIDDEN_CHARACTERS = re.compile("[\x00\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
EARLIEST_DATE, LATEST_DATE = dt.date(1900, 1, 1), dt.date(2099, 12, 31)


def refuse_hidden_characters(value: Any) -> Any:
    """The one check of free text: every string of every input model (in lists and mappings
    too) goes through it. A `ValueError` is a 400 that names the field."""
    if isinstance(value, str):
        found = HIDDEN_CHARACTERS.search(value)
        if found is not None:
            where = {"char": f"U+{ord(found.group()):04X}", "position": found.start()}
            raise ValueError(msg("model.hidden_characters", **where))
    elif isinstance(value, list | tuple | frozenset | set):
        for item in value:
            refuse_hidden_characters(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_hidden_characters(key)
            refuse_hidden_characters(item)
    return value


def _sane_date(value: dt.date) -> dt.date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(
            msg("model.date_range", first=EARLIEST_DATE.isoformat(), last=LATEST_DATE.isoformat())
        )
    return value


def _date_text(value: Any) -> Any:
    """A date is sent as the text YYYY-MM-DD (JSON has no dates); a number is refused, not read
    as a unix timestamp."""
    if isinstance(value, int | float | Decimal):
        raise ValueError(msg("model.date_not_number"))
    return value


InputDate = Annotated[dt.date, BeforeValidator(_date_text), AfterValidator(_sane_date)]
"""Any date a client sends: within 1900-2099, so no date arithmetic (retention, validity, school
years) leaves the calendar. Dates with a narrower meaning are checked further where they are
used (an application date against the framework's phases and the clock, a count date)."""


class StrictModel(BaseModel):
    """Base of every input model: unknown fields are refused, instances are immutable, text
    holds no NUL or bidirectional control characters (`refuse_hidden_characters`). Numbers and
    flags are strict (`StrictInt`, `StrictBool` in the models: `"70"` is not an IQ, `"yes"` not
    a flag); dates (`InputDate`) and decimal ratios are text, as the JSON schemas say. The CSV
    batch format converts its cells before validation (`services/batches/formats.py`).

    `defer_build`: a model's validator is built on first use, not at import, so a Lambda cold
    start pays only for the models its first request needs.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_hidden_characters(cls, value: Any) -> Any:
        return refuse_hidden_characters(value)


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
