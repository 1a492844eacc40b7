"""The `toewijzing` command line: decide a request offline, for people and scripts.

Exit codes: 0 a decision was printed; 2 the input was invalid or could not be decided (the
error JSON of the HTTP contract is printed on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from chalicelib.errors import ToewijzingError
from chalicelib.legal.timeline import DEFAULT_FRAMEWORK, FRAMEWORK_IDS
from chalicelib.models.decision import Evaluation
from chalicelib.models.request import DecisionRequest
from chalicelib.national import decide_national
from chalicelib.problems import MalformedJsonError, error_body, parse_json, validation_details

EXIT_OK, EXIT_INVALID = 0, 2


def _read(source: str) -> bytes:
    return sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()


def _fail(body: dict[str, Any]) -> int:
    print(json.dumps(body, indent=2, ensure_ascii=False), file=sys.stderr)
    return EXIT_INVALID


def cmd_decide(args: argparse.Namespace) -> int:
    try:
        raw = _read(args.file)
    except OSError as exc:
        return _fail(error_body("file_unreadable", f"Cannot read {args.file}: {exc.strerror}."))
    try:
        document = parse_json(raw)
        request = DecisionRequest.model_validate(document)
        evaluation = decide_national(request, args.framework)
    except MalformedJsonError as exc:
        return _fail(error_body("validation_error", f"The file is not valid JSON: {exc}."))
    except ValidationError as exc:
        details = validation_details(exc, document)
        return _fail(
            error_body("validation_error", "The decision request is invalid.", details=details)
        )
    except ToewijzingError as exc:
        return _fail(error_body(exc.code, exc.message, findings=exc.findings))
    print(json.dumps(TypeAdapter(Evaluation).dump_python(evaluation, mode="json"), indent=2))
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="toewijzing", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)
    decide = commands.add_parser(
        "decide", help="decide a decision request under the national criteria in force"
    )
    decide.add_argument("file", help="a decision request as JSON, or - for standard input")
    decide.add_argument("--framework", choices=FRAMEWORK_IDS, default=DEFAULT_FRAMEWORK)
    decide.set_defaults(run=cmd_decide)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    code: int = args.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
