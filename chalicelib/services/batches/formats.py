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

import csv
import datetime as dt
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from chalicelib.errors import RequestValidationError
from chalicelib.messages import msg
from chalicelib.models.common import DOMAINS
from chalicelib.services.batches import archives, csv_text, json_items
from chalicelib.services.batches.archives import MAX_MEMBER_BYTES, MAX_ZIP_MEMBERS, Part
from chalicelib.services.batches.csv_text import MAX_LINE_CHARS, NOT_UTF8, TOO_LONG

log = logging.getLogger("toewijzing.batch")
JSON, CSV, XML, ZIP = "application/json", "text/csv", "application/xml", "application/zip"
FORMATS = (JSON, CSV, XML, ZIP)
# Budgets (README, "Budgets"; SECURITY.md): beyond them a body is refused (4xx) or a row rejected
MAX_UPLOAD_BYTES = 100_000_000  # a presigned upload; checked before anything is read
MAX_BATCH_ROWS = 100_000  # rows after this are not read: one rejected row says so
MAX_CELL_CHARS = 1_000  # a CSV cell (the row is rejected)
MAX_LISTED = 10  # names listed in an error message
__all__ = ["MAX_LINE_CHARS", "MAX_MEMBER_BYTES", "MAX_ZIP_MEMBERS", "Part"]

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
    """The items of a JSON batch, read incrementally (`json_items.py`)."""
    for number, (item, _) in enumerate(json_items.items(stream), start=1):
        if isinstance(item, dict):
            yield Row(number, item)
        else:
            message = msg("batch.item_type")
            yield Row(number, None, [{"path": "", "code": "model_type", "message": message}])


# CSV


def _bool(value: str, column: str) -> bool:
    text = value.strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError(column, msg("batch.not_yes_no", column=column, value=value[:40]))


def _number(value: str) -> int | str:
    """A CSV cell of a whole-number field (iq_score, dl, dle) as the integer JSON would carry;
    anything else stays text, which the strict model refuses with a 400-style row error."""
    return int(value) if value.isascii() and value.isdigit() else value


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
            text = cells[column].strip()
            _set(doc, path, _number(text) if column == "iq_score" else text)
    for flag in ("prestatiemotivatie", "faalangst", "emotionele_instabiliteit", "hinders_learning"):
        if cells.get(f"sep_{flag}", "").strip():
            _set(doc, ("student", "sep", flag), _bool(cells[f"sep_{flag}"], f"sep_{flag}"))
    delays = []
    for domain in DOMAINS:
        parts = {p: cells.get(f"{domain}_{p}", "").strip() for p in ("dl", "dle", "test_date")}
        if any(parts.values()):
            numbers = {k: _number(v) if k in ("dl", "dle") else v for k, v in parts.items() if v}
            delays.append({"domain": domain, **numbers})
    if delays:
        _set(doc, ("student", "learning_delays"), delays)
    evidence: dict[str, Any] = {
        name: _bool(cells.get(name, ""), name) for name in ("board_motivation", "parent_view")
    }
    advice = [a.strip() for a in cells.get("expert_advice", "").split(";") if a.strip()]
    doc["evidence"] = {**evidence, "expert_advice": advice}
    return doc


def _listed(what: str, names: list[str]) -> list[str]:
    """`batch.unknown_columns` or `batch.missing_columns` naming at most MAX_LISTED; or none."""
    shown = [n[:40] for n in names[:MAX_LISTED]]
    more = len(names) - len(shown)
    code = f"batch.{what}_columns" + ("_more" if more > 0 else "")
    return [msg(code, names=shown, more=more)] if names else []


def _header(text: io.TextIOWrapper) -> tuple[list[str], str]:
    line = text.readline(MAX_LINE_CHARS + 1)
    if NOT_UTF8 in line:
        raise RequestValidationError(msg("batch.csv_not_utf8"))
    if len(line) > MAX_LINE_CHARS:
        raise RequestValidationError(
            msg("batch.header_too_long", limit=MAX_LINE_CHARS),
            [{"path": "/header", "code": "csv_line_length", "message": msg("detail.header")}],
        )
    delimiter = ";" if line.count(";") > line.count(",") else ","
    header = [h.strip() for h in next(csv.reader([line], delimiter=delimiter), [])]
    unknown = [h for h in header if h not in CSV_COLUMNS]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if unknown or missing:
        raise RequestValidationError(
            msg("batch.header", problems=_listed("unknown", unknown) + _listed("missing", missing)),
            [{"path": "/header", "code": "csv_header",
              "message": msg("detail.header_columns", unknown=len(unknown), missing=len(missing))}],
        )  # fmt: skip
    return header, delimiter


def _readable_ref(header: list[str], cells: list[str]) -> str | None:
    """The row's student_ref cell when it could be read on its own (even if the row cannot):
    a rejected row's result names the student (README, "Results")."""
    if "student_ref" not in header or header.index("student_ref") >= len(cells):
        return None
    cell = cells[header.index("student_ref")].strip()
    readable = cell and NOT_UTF8 not in cell and TOO_LONG not in cell and len(cell) <= 64
    return cell if readable else None


def _csv_row(number: int, header: list[str], cells: list[str]) -> Row:
    def rejected(path: str, code: str, message: str) -> Row:
        # the errors reject the row (chunks.py); the document only carries the readable ref
        ref = _readable_ref(header, cells)
        document = None if ref is None else {"student": {"ref": ref}}
        return Row(number, document, [{"path": path, "code": code, "message": message}])

    if any(NOT_UTF8 in c for c in cells):
        return rejected("", "encoding", msg("batch.row_not_utf8"))
    if any(TOO_LONG in c for c in cells):
        return rejected("", "csv_line_length", msg("batch.line_too_long", limit=MAX_LINE_CHARS))
    if len(cells) != len(header):
        return rejected("", "csv_cells", msg("batch.cells", cells=len(cells), header=len(header)))
    for column, cell in zip(header, cells, strict=True):
        if len(cell) > MAX_CELL_CHARS:
            return rejected(
                f"/{column}",
                "csv_cell_length",
                msg("batch.cell_too_long", limit=MAX_CELL_CHARS),
            )
    try:
        return Row(number, csv_document(dict(zip(header, cells, strict=True))))
    except ValueError as exc:
        column, message = exc.args
        return rejected(f"/{column}", "bool_parsing", message)


def csv_rows(stream: IO[bytes]) -> Iterator[Row]:
    """Rows of a CSV batch (UTF-8, comma or semicolon separated, a header row first). Lines
    without a value are skipped (their numbers too); lines and cells are bounded."""
    text = csv_text.text(stream)
    header, delimiter = _header(text)
    reader = csv.reader(csv_text.lines(text), delimiter=delimiter)
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. a quoted field past csv's own limit
            number += 1
            message = msg("batch.csv_syntax", detail=str(exc)[:200])
            yield Row(number, None, [{"path": "", "code": "csv_syntax", "message": message}])
            continue
        number += 1
        if any(c.strip() for c in cells):
            yield _csv_row(number, header, cells)


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
    except Exception as exc:  # a dossier the importer cannot take: this row only
        log.warning("dossier not imported", extra={"row": number, "error": type(exc).__name__})
        message = msg("batch.not_oso")
        return Row(number, None, [{"path": where, "code": "oso_dossier", "message": message}])
    warnings = [w.model_dump(mode="json") for w in imported.warnings]
    return Row(number, imported.request.model_dump(mode="json"), [], warnings)


def xml_rows(stream: IO[bytes], params: OsoParameters) -> Iterator[Row]:
    yield _oso_row(1, stream.read(MAX_MEMBER_BYTES + 1), params, "/")


def zip_rows(stream: IO[bytes], params: OsoParameters | None, part: Part) -> Iterator[Row]:
    """One row per XML file in the archive, in name order, the members of `part` only
    (`archives.py`: budgets, and what is refused per member)."""
    with archives.seekable(stream, MAX_UPLOAD_BYTES) as file:
        archive, members = archives.open_archive(file)
        if params is None:  # a precheck: the archive opens and is within its budgets
            return
        for index, member in archives.part_members(members, part):
            where = f"/{member.filename[:200]}"
            try:
                xml = archives.read_member(archive, member)
            except ValueError as exc:
                message = str(exc)  # a message token (archives.py), whole
                yield Row(
                    index + 1, None, [{"path": where, "code": "zip_member", "message": message}]
                )
                continue
            yield _oso_row(index + 1, xml, params, where)


def rows(
    media: str, stream: IO[bytes], params: OsoParameters | None, part: Part | None = None
) -> Iterator[Row]:
    """The rows of a body, at most MAX_BATCH_ROWS; a zip archive's from `part` on."""
    if media == JSON:
        found = json_rows(stream)
    elif media == CSV:
        found = csv_rows(stream)
    elif params is None:
        raise RequestValidationError(msg("error.oso_parameters"))
    else:
        found = (
            xml_rows(stream, params) if media == XML else zip_rows(stream, params, part or Part())
        )
    return _budgeted(found)


def _budgeted(found: Iterator[Row]) -> Iterator[Row]:
    for row in found:
        if row.number > MAX_BATCH_ROWS:
            message = msg("batch.too_many_rows", limit=MAX_BATCH_ROWS)
            yield Row(row.number, None, [{"path": "", "code": "batch_rows", "message": message}])
            return
        yield row


def precheck(media: str, body: bytes) -> None:
    """What can be refused at once, before a batch is accepted: JSON that is not a batch, a
    CSV header, an archive that cannot be opened or is over its budgets. Rows are checked one
    by one later."""
    if media == JSON:
        for _ in json_items.items(io.BytesIO(body)):
            pass
    elif media == CSV:
        next(csv_rows(io.BytesIO(body)), None)
    elif media == XML:
        from chalicelib.importers.oso.dossier import (
            check_dossier,  # here: defusedxml only when dossiers come in
        )

        check_dossier(body)
    elif media == ZIP:
        next(zip_rows(io.BytesIO(body), None, Part()), None)
