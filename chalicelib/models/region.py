"""A region (samenwerkingsverband VO): its boards and the schools they run in the region."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool, StrictInt, model_validator

from chalicelib.messages import msg
from chalicelib.models.common import StrictModel
from chalicelib.models.optout import OptOutNotice

REGION_ID_PATTERN = r"^[A-Z]{2}[0-9A-Z-]{2,10}$"

SchoolKind = Literal["vmbo", "pro", "aoc", "havo", "vwo", "mavo", "vso", "other"]


class Board(StrictModel):
    """A school board (bevoegd gezag) with at least one school in the region."""

    id: str = Field(pattern=r"^[0-9A-Za-z-]{1,20}$")
    name: str = Field(min_length=1, max_length=200)


class School(StrictModel):
    """A school location in the region, by BRIN."""

    brin: str = Field(pattern=r"^[0-9]{2}[A-Z0-9]{2}$")
    name: str = Field(min_length=1, max_length=200)
    board_id: str
    kinds: tuple[SchoolKind, ...] = ()
    lwoo_licence: StrictBool = False


class RegionIn(StrictModel):
    """The body of `PUT /v1/regions/{region_id}`."""

    name: str = Field(min_length=1, max_length=200)
    boards: tuple[Board, ...] = ()
    schools: tuple[School, ...] = ()
    municipalities: tuple[str, ...] = Field(
        default=(), description="Municipalities (gemeenten) in the region's area."
    )

    @model_validator(mode="after")
    def _schools_belong_to_boards(self) -> RegionIn:
        boards = {b.id for b in self.boards}
        if len(boards) != len(self.boards):
            raise ValueError(msg("model.board_ids_unique"))
        brins = [s.brin for s in self.schools]
        if len(set(brins)) != len(brins):
            raise ValueError(msg("model.brins_unique"))
        unknown = sorted({s.board_id for s in self.schools} - boards)
        if unknown:
            raise ValueError(msg("model.unknown_boards", boards=unknown))
        return self


class RegionFile(RegionIn):
    """A region described in one file for the offline commands: the body of
    `PUT /v1/regions/{region_id}`, optionally with its id and its opt-out notices."""

    region_id: str = Field(default="XX0000", pattern=REGION_ID_PATTERN)
    opt_outs: tuple[OptOutNotice, ...] = ()


class Region(RegionIn):
    """A stored region."""

    region_id: str = Field(pattern=REGION_ID_PATTERN)


class TokenIn(StrictModel):
    """The body of `POST /v1/regions/{region_id}/tokens` (optional) or `POST /v1/tokens`."""

    role: Literal["region", "ministry", "admin"] = "region"
    label: str | None = Field(default=None, max_length=100)
    expires_in_days: StrictInt = Field(
        default=365, ge=1, le=365, description="Days until the token expires (at most a year)."
    )
