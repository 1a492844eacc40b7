"""The optional body of `POST .../letter`: who the letter is addressed to, for one rendering.

The service stores no names: this body is used to fill the letter's address block and is then
dropped. It is never stored and never logged (tests/api/test_letters.py scans both).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from chalicelib.models.common import StrictModel

# One printed line: no line breaks or other control characters, which would break the block.
Line = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[^\x00-\x1f\x7f]+$")]


class Addressee(StrictModel):
    """The name and address the region's own system fills in."""

    name: Line
    address_lines: tuple[Line, ...] = Field(default=(), max_length=5)


class LetterRequest(StrictModel):
    addressee: Addressee | None = None
