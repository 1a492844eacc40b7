"""The decision letter's words: the Dutch catalog `letter_nl.json`, dates and citations.

Every text of the letter is a code in the catalog with named `{placeholders}`; `say` fills
them with values escaped for HTML, so nothing a decision carries can become markup. Pure: the
catalog is package data, read once.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from functools import cache
from html import escape
from pathlib import Path
from typing import Any

from chalicelib.models.common import Citation

CATALOG = Path(__file__).with_name("letter_nl.json")


@cache
def catalog() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(CATALOG.read_text(encoding="utf-8"))
    return data


def say(code: str, **values: object) -> str:
    """The text of `code` as HTML: the catalog's words escaped, each value escaped once.

    Raises:
        KeyError: the catalog has no such code, or the text names a value not given.
    """
    template = escape(catalog()["texts"][code], quote=False)
    return template.format_map({k: escape(str(v)) for k, v in values.items()})


def raw(code: str) -> str:
    """A text as it stands in the catalog (not escaped): a value for another text."""
    return str(catalog()["texts"][code])


def has(code: str) -> bool:
    return code in catalog()["texts"]


def nl_date(date: dt.date) -> str:
    """A date as Dutch readers write it: 1 maart 2017."""
    return f"{date.day} {catalog()['months'][date.month - 1]} {date.year}"


def cite(citations: Iterable[Citation]) -> str:
    """Citations as one line of text, each once, in their order: `a; b`."""
    seen = dict.fromkeys(c.citation for c in citations)
    return "; ".join(seen)


def completion_term() -> tuple[int, Citation]:
    """The term (in weeks) an incomplete dossier gets, and the article that lets us set it."""
    term = catalog()["completion_term"]
    return int(term["weeks"]), Citation.model_validate(term["legal_basis"])
