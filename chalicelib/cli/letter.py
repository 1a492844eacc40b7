"""`toewijzing letter --decision FILE`: the decision letter, made offline.

FILE is a decision JSON as the API returns it (`GET /v1/regions/R/decisions/D`; `-` for
stdin). The page is the one `GET .../letter` returns: self-contained HTML in Dutch, printable
on A4. It goes to stdout, or with `--out FILE` to a file (written to a temporary name and
renamed, so an interrupted run leaves no half page). `--pdf OUT.pdf` prints it to PDF with
headless Chromium (/usr/bin/chromium, or `chromium` on the PATH); with `--pdf` and no `--out`
only the PDF is written.

Exit 0: done; 2: the file is unreadable or not a decision, or Chromium is missing or failed
(the error JSON of the contract on stderr).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from chalicelib.cli.common import EXIT_OK, InputError, command, read_json
from chalicelib.documents import error_body, validation_details
from chalicelib.messages import msg
from chalicelib.render.letter import letter_html, parse_decision

CHROMIUM = Path("/usr/bin/chromium")
PDF_TIMEOUT = 120
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-pdf-header-footer",
)


def page_of(source: str) -> str:
    document = read_json(source)
    try:
        decision = parse_decision(document)
    except ValidationError as exc:
        details = validation_details(exc, document)
        message = msg("cli.not_a_decision", source=source)
        raise InputError(error_body("validation_error", message, details=details)) from exc
    try:
        return letter_html(decision)
    except ValueError as exc:  # a phase the framework does not have
        failed = msg("cli.letter_failed", source=source, reason=str(exc))
        raise InputError(error_body("validation_error", failed)) from exc


def chromium() -> Path:
    found = CHROMIUM if CHROMIUM.exists() else None
    on_path = shutil.which("chromium")
    if found is None and on_path is None:
        raise InputError(
            error_body("chromium_missing", msg("cli.chromium_missing", path=str(CHROMIUM)))
        )
    return found or Path(str(on_path))


def print_pdf(page: str, out: Path) -> None:
    """Print the page to `out` with headless Chromium (its own A4 page size from the CSS)."""
    browser = chromium()
    with tempfile.TemporaryDirectory(prefix="toewijzing-letter-") as tmp:
        html = Path(tmp) / "letter.html"
        html.write_text(page, encoding="utf-8")
        partial = out.with_name(out.name + ".partial")
        args = [str(browser), *CHROMIUM_FLAGS, f"--user-data-dir={tmp}/profile"]
        args += [f"--print-to-pdf={partial}", html.as_uri()]
        try:
            done = subprocess.run(args, capture_output=True, timeout=PDF_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            failed = msg("cli.chromium_did_not_run", reason=str(exc))
            raise InputError(error_body("pdf_failed", failed)) from exc
        if done.returncode != 0 or not partial.exists() or partial.stat().st_size == 0:
            tail = done.stderr.decode("utf-8", "replace").strip()[-300:]
            partial.unlink(missing_ok=True)
            message = msg("cli.pdf_failed", code=done.returncode, detail=tail)
            raise InputError(error_body("pdf_failed", message))
        partial.replace(out)


@command
def run(args: argparse.Namespace) -> int:
    page = page_of(args.decision)
    if args.pdf:
        print_pdf(page, Path(args.pdf))
        print(f"wrote {args.pdf}", file=sys.stderr)
    if args.out:
        out = Path(args.out)
        partial = out.with_name(out.name + ".partial")
        partial.write_text(page, encoding="utf-8")
        partial.replace(out)
        print(f"wrote {out}", file=sys.stderr)
    elif not args.pdf:
        sys.stdout.write(page)
    return EXIT_OK


def register(commands: Any) -> None:
    letter = commands.add_parser(
        "letter",
        help="the decision letter (aanwijzing, toelaatbaarheidsverklaring, afwijzing or a "
        "request to complete the dossier) as printable HTML or PDF",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    letter.add_argument("--decision", required=True, help="a decision JSON (- for stdin)")
    letter.add_argument("--out", help="write the HTML page here (default: stdout)")
    letter.add_argument("--pdf", metavar="OUT.pdf", help="also print the page to this PDF")
    letter.set_defaults(run=run)
