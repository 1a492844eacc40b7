"""Shared by the commands: reading documents, printing results and errors, exit codes."""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from chalicelib.documents import error_body, parse_json, validation_details
from chalicelib.errors import MalformedJsonError, RequestValidationError, ToewijzingError
from chalicelib.messages import DEFAULT_LANGUAGE, msg, render_text, render_tree
from chalicelib.models.region import RegionFile, RegionIn
from chalicelib.services import Services
from chalicelib.wiring import offline_services

EXIT_OK, EXIT_INVALID, EXIT_MALFORMED = 0, 1, 2
M = TypeVar("M", bound=BaseModel)
# The language of everything the command prints (`--lang`, default nl): set once by `main`.
LANGUAGE = [DEFAULT_LANGUAGE]


def language() -> str:
    return LANGUAGE[0]


def set_language(lang: str) -> None:
    LANGUAGE[0] = lang


class InputError(Exception):
    """Input the command cannot use; carries the contract's error body."""

    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(body["error"]["message"])
        self.body = body


class UsageError(Exception):
    """A wrong or missing option: argparse's message, printed as the contract's error JSON."""


class WaitTimeoutError(Exception):
    """The batch was not done by the deadline; `status` is the last one seen."""

    def __init__(self, status: dict[str, Any], waited: float) -> None:
        super().__init__(status.get("batch_id"))
        self.status = status
        self.waited = waited


def read_json(source: str) -> Any:
    """Read a JSON document (a path, or - for stdin); InputError when unreadable or not JSON."""
    try:
        raw = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as exc:
        raise InputError(
            error_body("file_unreadable", msg("cli.unreadable", source=source, reason=exc.strerror))
        ) from exc
    try:
        return parse_json(raw)
    except MalformedJsonError as exc:
        raise InputError(
            error_body("validation_error", msg("cli.not_json", source=source, reason=str(exc)))
        ) from exc


def read_model(source: str, model: type[M]) -> M:
    """Read a JSON document (a path, or - for stdin) into a model; InputError when unusable."""
    document = read_json(source)
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        details = validation_details(exc, document)
        raise InputError(
            error_body(
                "validation_error",
                msg("cli.not_valid", source=source, model=model.__name__),
                details=details,
            )
        ) from exc


def print_json(document: Any, stream: Any = None) -> None:
    """A document as JSON, its texts in the command's language (`chalicelib/messages`)."""
    shown = render_tree(document, language())
    print(json.dumps(shown, indent=2, ensure_ascii=False), file=stream or sys.stdout)


def report(result: dict[str, Any]) -> int:
    """Print a validation result; exit 0 when it is valid, 1 when not."""
    print_json(result)
    return EXIT_OK if result["valid"] else EXIT_INVALID


def say_line(text: str, newline: bool = False) -> None:
    """A line for the person at the terminal (stderr), in the command's language."""
    print(("\n" if newline else "") + render_text(text, language()), file=sys.stderr)


def fail(body: dict[str, Any]) -> int:
    print_json(body, sys.stderr)
    return EXIT_MALFORMED


def command(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """A command's run function, with unusable input and refused requests turned into the
    contract's error JSON on stderr and exit code 2."""

    @functools.wraps(run)
    def wrapper(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except InputError as exc:
            return fail(exc.body)
        except ToewijzingError as exc:
            return fail(error_of(exc))

    return wrapper


def error_of(exc: ToewijzingError) -> dict[str, Any]:
    details = exc.details if isinstance(exc, RequestValidationError) else ()
    return error_body(exc.code, exc.message, details=details, findings=exc.findings)


def region_state(args: argparse.Namespace, region_id: str | None = None) -> RegionFile:
    """The region of `--region-file` (or, without one, a bare region `region_id`) with the
    opt-out notices of its `opt_outs` and of every `--opt-out-file`: the state the API holds
    after `PUT /v1/regions/{id}` and each `PUT .../opt-out`."""
    from chalicelib.models.optout import OptOutNotice

    if args.region_file is None:
        region = RegionFile(region_id=region_id or "XX0000", name=region_id or "XX0000")
    else:
        region = read_model(args.region_file, RegionFile)
        if region_id is not None and "region_id" not in region.model_fields_set:
            region = region.model_copy(update={"region_id": region_id})
    extra = tuple(read_model(path, OptOutNotice) for path in args.opt_out_file)
    return region.model_copy(update={"opt_outs": region.opt_outs + extra})


def add_opt_out_files(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--opt-out-file",
        action="append",
        default=[],
        metavar="FILE",
        help="an opt-out notice of the region (the body of PUT .../opt-out), as if notified "
        "after the region file's opt_outs; repeatable",
    )


def offline_region(region: RegionFile, today: dt.date) -> Services:
    """Services on an in-memory store holding this one region and its opt-out notices, so
    that an offline command gives exactly the findings the API gives."""
    services = offline_services(today)
    body = region.model_dump(exclude={"region_id", "opt_outs"})
    services.regions.put_region(region.region_id, RegionIn.model_validate(body))
    for notice in region.opt_outs:
        services.optout.put_opt_out(region.region_id, notice, "enacted")
    return services
