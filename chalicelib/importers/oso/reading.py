"""Reading an OSO 2019.1 document: namespaced paths and texts, dates and whole numbers as the
standard writes them, and the import's findings (a warning, a refusal)."""

from __future__ import annotations

import datetime as dt
import re
from typing import NoReturn
from xml.etree.ElementTree import Element

from chalicelib.errors import RequestValidationError
from chalicelib.importers.oso.vocabulary import OSO_NAMESPACE
from chalicelib.models.common import Finding

_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:\d{2})?$")

_WHOLE = re.compile(r"^[+-]?\d{1,6}$")

LEERLING = "/dossier/huidigeschool/leerling"

TOETSLIJST = f"{LEERLING}/toetslijst"


def _refuse(message: str, code: str, path: str = "/") -> NoReturn:
    raise RequestValidationError(message, [{"path": path, "code": code, "message": message}])


def _q(path: str) -> str:
    return "/".join(f"{{{OSO_NAMESPACE}}}{part}" for part in path.split("/"))


def _all(node: Element, path: str) -> list[Element]:
    return node.findall(_q(path))


def _text(node: Element, path: str) -> str | None:
    child = node.find(_q(path))
    text = child.text.strip() if child is not None and child.text is not None else ""
    return text or None


def _texts(node: Element, path: str) -> list[str]:
    return [t for t in ((c.text or "").strip() for c in _all(node, path)) if t]


def _date(value: str) -> dt.date | None:
    match = _DATE.match(value)
    if match is None:
        return None
    try:
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        return None


def _whole(value: str) -> int | None:
    return int(value) if _WHOLE.match(value) else None


def _warning(code: str, path: str, message: str) -> Finding:
    return Finding(severity="warning", code=code, path=path, message=message)
