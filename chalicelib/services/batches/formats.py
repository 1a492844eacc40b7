"""The formats a batch comes in, each turned into a stream of rows (one application each).

- `application/json`: `{"items": [<decision request>, ...]}`.
- `text/csv`: one application per row, the columns of `CSV_COLUMNS` (README, "Batch CSV").
  Read as a stream: a file of 100,000 rows is never held in memory whole.
- `application/xml`: one OSO dossier; `application/zip`: many. See
  chalicelib/importers/oso/dossier.py.

A row is `Row(number, document, errors, warnings)`: the decision request as a JSON document, or
the errors that kept it from being one. Rows count from 1.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from chalicelib.documents import parse_json
from chalicelib.errors import MalformedJsonError, RequestValidationError
from chalicelib.models.common import DOMAINS

JSON, CSV, XML, ZIP = "application/json", "text/csv", "application/xml", "application/zip"
FORMATS = (JSON, CSV, XML, ZIP)
MAX_ZIP_MEMBERS = 10_000
MAX_MEMBER_BYTES = 5_000_000

CSV_COLUMNS: tuple[str, ...] = (
    "student_ref", "arrangement", "application_date", "school_brin",
    "iq_score", "iq_test_date", "iq_instrument", "iq_administered_by",
    *(f"{d}_{part}" for d in DOMAINS for part in ("dl", "dle", "test_date")),
    "sep_prestatiemotivatie", "sep_faalangst", "sep_emotionele_instabiliteit",
    "sep_hinders_learning", "sep_test_date", "sep_administered_by",
    "board_motivation", "parent_view", "expert_advice",
)  # fmt: skip
REQUIRED_COLUMNS = ("student_ref", "arrangement", "application_date")
TRUE, FALSE = {"ja", "j", "yes", "y", "true", "1", "waar"}, {"nee", "n", "no", "false", "0", ""}


@dataclass
class Row:
    number: int
    document: dict[str, Any] | None
    errors: list[dict[str, str]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)


def media_type(content_type: str | None) -> str:
    value = (content_type or "").split(";")[0].strip().lower()
    return {"text/xml": XML, "application/x-zip-compressed": ZIP}.get(value, value)


# JSON


def json_rows(stream: IO[bytes]) -> Iterator[Row]:
    """The items of a JSON batch. The body is at most the API's limit, so it is parsed whole."""
    try:
        document = parse_json(stream.read())
    except MalformedJsonError as exc:
        raise RequestValidationError(f"The batch is not valid JSON: {exc}.") from exc
    items = document.get("items") if isinstance(document, dict) else None
    if not isinstance(items, list) or set(document) != {"items"}:
        raise RequestValidationError(
            'A JSON batch is {"items": [<decision request>, ...]}.',
            [{"path": "/items", "code": "batch_shape", "message": "Give a list of items."}],
        )
    for number, item in enumerate(items, start=1):
        if isinstance(item, dict):
            yield Row(number, item)
        else:
            yield Row(
                number,
                None,
                [
                    {
                        "path": "",
                        "code": "model_type",
                        "message": "An item must be a decision request object.",
                    }
                ],
            )


# CSV


def _bool(value: str, column: str) -> bool:
    text = value.strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError(f"{column}: {value!r} is not ja/nee")


def _set(document: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = document
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value


def csv_document(cells: dict[str, str]) -> dict[str, Any]:
    """One CSV row as a decision request document. Empty cells are left out."""
    doc: dict[str, Any] = {}
    plain = {
        "student_ref": ("student", "ref"), "arrangement": ("application", "arrangement"),
        "application_date": ("application", "date"), "school_brin": ("application", "school_brin"),
        "iq_score": ("student", "iq", "score"), "iq_test_date": ("student", "iq", "test_date"),
        "iq_instrument": ("student", "iq", "instrument"),
        "iq_administered_by": ("student", "iq", "administered_by"),
        "sep_test_date": ("student", "sep", "test_date"),
        "sep_administered_by": ("student", "sep", "administered_by"),
    }  # fmt: skip
    for column, path in plain.items():
        if cells.get(column, "").strip():
            _set(doc, path, cells[column].strip())
    for flag in ("prestatiemotivatie", "faalangst", "emotionele_instabiliteit", "hinders_learning"):
        if cells.get(f"sep_{flag}", "").strip():
            _set(doc, ("student", "sep", flag), _bool(cells[f"sep_{flag}"], f"sep_{flag}"))
    delays = []
    for domain in DOMAINS:
        parts = {p: cells.get(f"{domain}_{p}", "").strip() for p in ("dl", "dle", "test_date")}
        if any(parts.values()):
            delays.append({"domain": domain, **{k: v for k, v in parts.items() if v}})
    if delays:
        _set(doc, ("student", "learning_delays"), delays)
    evidence: dict[str, Any] = {
        name: _bool(cells.get(name, ""), name) for name in ("board_motivation", "parent_view")
    }
    advice = [a.strip() for a in cells.get("expert_advice", "").split(";") if a.strip()]
    doc["evidence"] = {**evidence, "expert_advice": advice}
    return doc


def csv_rows(stream: IO[bytes]) -> Iterator[Row]:
    """Rows of a CSV batch (UTF-8, comma or semicolon separated, a header row first)."""
    text = codecs.getreader("utf-8-sig")(stream)
    try:
        header_line = text.readline()
    except UnicodeDecodeError as exc:
        raise RequestValidationError("The CSV file is not UTF-8.") from exc
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    header = [h.strip() for h in next(csv.reader([header_line], delimiter=delimiter), [])]
    unknown = [h for h in header if h not in CSV_COLUMNS]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if unknown or missing:
        raise RequestValidationError(
            "The CSV header is not the documented one (README, 'Batch CSV'): "
            + "; ".join(filter(None, [
                f"unknown columns {', '.join(unknown)}" if unknown else "",
                f"missing columns {', '.join(missing)}" if missing else "",
            ])) + ".",
            [{"path": "/header", "code": "csv_header", "message": ", ".join(unknown + missing)}],
        )  # fmt: skip
    broken: list[UnicodeDecodeError] = []
    number = 0
    for number, cells in enumerate(csv.reader(_lines(text, broken), delimiter=delimiter), 1):
        if len(cells) != len(header):
            message = f"The row has {len(cells)} cells; the header has {len(header)}."
            yield Row(number, None, [{"path": "", "code": "csv_cells", "message": message}])
            continue
        try:
            yield Row(number, csv_document(dict(zip(header, cells, strict=True))))
        except ValueError as exc:
            column = str(exc).split(":")[0]
            yield Row(
                number, None, [{"path": f"/{column}", "code": "bool_parsing", "message": str(exc)}]
            )
    if broken:
        message = f"The file stops being UTF-8 after row {number}: {broken[0].reason}."
        yield Row(number + 1, None, [{"path": "", "code": "encoding", "message": message}])


def _lines(text: Any, broken: list[UnicodeDecodeError]) -> Iterator[str]:
    """Lines of the decoded stream, until the end or the first bytes that are not UTF-8."""
    while True:
        try:
            line: str = text.readline()
        except UnicodeDecodeError as exc:
            broken.append(exc)
            return
        if not line:
            return
        yield line


# OSO dossiers


@dataclass(frozen=True)
class OsoParameters:
    """What an OSO dossier does not say: the application and the rest of the evidence."""

    arrangement: str
    date: dt.date
    evidence: dict[str, Any]
    region_secret: bytes


def _oso_row(number: int, xml: bytes, params: OsoParameters, where: str) -> Row:
    from chalicelib.importers.oso.dossier import (
        import_dossier,  # here: defusedxml only when dossiers come in
    )

    try:
        imported = import_dossier(
            xml,
            arrangement=params.arrangement,
            application_date=params.date,
            evidence=params.evidence,
            region_secret=params.region_secret,
        )
    except RequestValidationError as exc:
        detail = {"path": where, "code": "oso_dossier", "message": exc.message}
        return Row(number, None, [detail, *exc.details])
    warnings = [w.model_dump(mode="json") for w in imported.warnings]
    return Row(number, imported.request.model_dump(mode="json"), [], warnings)


def xml_rows(stream: IO[bytes], params: OsoParameters) -> Iterator[Row]:
    yield _oso_row(1, stream.read(MAX_MEMBER_BYTES + 1), params, "/")


def zip_rows(stream: IO[bytes], params: OsoParameters | None) -> Iterator[Row]:
    """One row per XML file in the archive, in name order; sizes are checked before reading."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(stream.read()))
        members = sorted(
            (
                m
                for m in archive.infolist()
                if not m.is_dir() and m.filename.lower().endswith(".xml")
            ),
            key=lambda m: m.filename,
        )
    except zipfile.BadZipFile as exc:
        raise RequestValidationError(f"The zip archive cannot be read: {exc}.") from exc
    if len(members) > MAX_ZIP_MEMBERS:
        raise RequestValidationError(f"The archive holds more than {MAX_ZIP_MEMBERS} dossiers.")
    if params is None:  # a precheck: the archive opens
        return
    for number, member in enumerate(members, start=1):
        if member.file_size > MAX_MEMBER_BYTES:
            message = f"{member.filename} is larger than {MAX_MEMBER_BYTES} bytes."
            yield Row(
                number,
                None,
                [{"path": f"/{member.filename}", "code": "too_large", "message": message}],
            )
            continue
        with archive.open(member) as data:
            yield _oso_row(number, data.read(MAX_MEMBER_BYTES + 1), params, f"/{member.filename}")


def rows(media: str, stream: IO[bytes], params: OsoParameters | None) -> Iterator[Row]:
    if media == JSON:
        return json_rows(stream)
    if media == CSV:
        return csv_rows(stream)
    if params is None:
        raise RequestValidationError("OSO dossiers need the arrangement and the date.")
    return xml_rows(stream, params) if media == XML else zip_rows(stream, params)


def precheck(media: str, body: bytes) -> None:
    """What can be refused at once, before a batch is accepted: a JSON batch's shape, a CSV
    header, an archive that cannot be opened. Rows are checked one by one later."""
    if media == JSON:
        for _ in json_rows(io.BytesIO(body)):
            break
    elif media == CSV:
        next(csv_rows(io.BytesIO(body)), None)
    elif media == XML:
        from chalicelib.importers.oso.dossier import (
            check_dossier,  # here: defusedxml only when dossiers come in
        )

        check_dossier(body)
    elif media == ZIP:
        next(zip_rows(io.BytesIO(body), None), None)
