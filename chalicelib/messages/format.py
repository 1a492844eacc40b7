"""The catalogs, and the one formatter that writes values inside a text per language.

A template is `str.format` text with named placeholders; a placeholder's format spec says how
to write its value, e.g. `{on:date}`, `{missing:domain,and}`, `{n:plural,year,years}`:

- `date`: an ISO date as "1 maart 2017" / "1 March 2017"; `daymonth`: "1 maart" / "1 March";
- `number`: a decimal as "0,25" / "0.25"; `percent`: a ratio as "25%";
- `plural,ONE,MANY`: the number and the word for one or for more;
- a label table (`domain`, `profession`, `outcome`, ...): the code's words from the catalog;
- `and` / `or` (alone or after a table): a list as "a, b en c" / "a, b and c"; `comma`:
  "a, b, c"; `semicolon`: "a; b"; `together`: "a en b, en c" (a comma before "en" after a
  part with a comma of its own).
"""

from __future__ import annotations

import datetime as dt
import json
import string
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
LABEL_TABLES = ("domain", "profession", "outcome", "indicator", "test", "count")
JOINERS = ("and", "or", "comma", "semicolon", "together")


@cache
def catalog(lang: str) -> dict[str, str]:
    """The templates of `lang` by code (nl.json or en.json)."""
    with (HERE / f"{lang}.json").open(encoding="utf-8") as handle:
        data: dict[str, str] = json.load(handle)
    return data


class LanguageFormatter(string.Formatter):
    """`str.format` with the format specs of this module, in one language."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang
        self.words = catalog(lang)

    def format_field(self, value: Any, format_spec: str) -> str:
        if not format_spec:
            return self._plain(value)
        kind, *rest = format_spec.split(",")
        if kind in JOINERS:
            return self._join([self._plain(v) for v in value], kind)
        if kind in LABEL_TABLES:
            if isinstance(value, list):
                return self._join([self._label(kind, v) for v in value], rest[0] if rest else "and")
            return self._label(kind, value)
        if kind in ("date", "daymonth"):
            return self._date(str(value), with_year=kind == "date")
        if kind == "number":
            return self._number(value)
        if kind == "percent":
            return self._number(Decimal(str(value)) * 100) + "%"
        if kind == "plural":
            one, many = rest
            return f"{self._plain(value)} {one if str(value) == '1' else many}"
        raise ValueError(f"unknown format spec {format_spec!r}")

    def _plain(self, value: Any) -> str:
        if isinstance(value, bool) or value is None:
            return self.words[f"value.{str(value).lower()}"]
        return str(value)

    def _label(self, table: str, value: Any) -> str:
        return self.words.get(f"{table}.{value}", str(value))

    def _join(self, items: list[str], joiner: str) -> str:
        if joiner in ("comma", "semicolon"):
            return (", " if joiner == "comma" else "; ").join(items)
        if joiner == "together":  # "and" between each, after a comma where a part has one
            word = self.words["join.and"]
            return "".join(
                item if i == 0 else f"{',' if ',' in items[i - 1] else ''} {word} {item}"
                for i, item in enumerate(items)
            )
        if len(items) <= 1:
            return "".join(items)
        return f"{', '.join(items[:-1])} {self.words['join.' + joiner]} {items[-1]}"

    def _date(self, text: str, with_year: bool) -> str:
        try:
            date = dt.date.fromisoformat(text)
        except ValueError:
            return text
        day_month = f"{date.day} {self.words[f'month.{date.month}']}"
        return f"{day_month} {date.year}" if with_year else day_month

    def _number(self, value: Any) -> str:
        try:
            text = f"{Decimal(str(value)).normalize():f}"
        except InvalidOperation:
            return str(value)
        return decimal_point(text, self.lang)


def decimal_point(text: str, lang: str) -> str:
    """A number's text with the language's decimal sign: "0,25" in Dutch, "0.25" in English."""
    return text.replace(".", ",") if lang == "nl" else text


@cache
def formatter(lang: str) -> LanguageFormatter:
    return LanguageFormatter(lang)
