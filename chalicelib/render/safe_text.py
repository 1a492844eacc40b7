"""Outputs that cannot bite the program that opens them: spreadsheet cells and published Markdown.

- A CSV cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula
  by spreadsheets (CSV injection): it gets a leading `'`, which they show as text. Every CSV the
  service or the command line writes goes through `csv_row`.
- Markdown meant for publication (a support plan's `lwoo-pro.md`) carries the region's own texts:
  `publication_markdown` escapes HTML in them (`&`, `<`, `>`) and drops the target of a link or
  a link definition whose scheme is not `https:`, `http:` or `mailto:` (`javascript:`, `data:`,
  `vbscript:`, ...), keeping the link's text.

Pure: no storage, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SAFE_SCHEMES = ("https:", "http:", "mailto:")
_INLINE_LINK = re.compile(r"\]\(((?:[^()\n]|\([^()\n]*\))*)\)")  # one level of (...) inside
_LINK_DEFINITION = re.compile(r"^( {0,3}\[[^\]\n]+\]:)[ \t]*(\S+)(.*)$", re.MULTILINE)
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]+")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")


def csv_cell(value: Any) -> str:
    """A cell's text, with a leading `'` when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_row(values: Iterable[Any]) -> list[str]:
    return [csv_cell(v) for v in values]


def safe_target(target: str) -> bool:
    """True for a relative link or one with a safe scheme; browsers ignore whitespace and
    control characters inside a scheme (`java\tscript:`), so we do too."""
    squeezed = _IGNORED_IN_SCHEME.sub("", target).lower().removeprefix("&lt;")
    match = _SCHEME.match(squeezed)
    return match is None or match.group(0) in SAFE_SCHEMES


def _inline(match: re.Match[str]) -> str:
    return match.group(0) if safe_target(match.group(1)) else "]"


def _definition(match: re.Match[str]) -> str:
    return match.group(0) if safe_target(match.group(2)) else match.group(1) + " #"


def publication_markdown(text: str) -> str:
    """Markdown without raw HTML and without links to unsafe schemes."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _LINK_DEFINITION.sub(_definition, _INLINE_LINK.sub(_inline, escaped))
