"""`toewijzing report --region R --teldatum D --out report.html`: the monitoring report page.

The figures come from a running service, or from a file:

- `--url U --token T` (or TOEWIJZING_URL / TOEWIJZING_TOKEN): GET
  `/v1/regions/R/statistics?teldatum=D` (or `/v1/statistics?teldatum=D` without --region, with a
  ministry or admin token) and render the page here. The page is the one
  `GET .../report?teldatum=D` returns.
- `--from FILE`: the JSON those routes returned, saved earlier (`-` for stdin); nothing is
  fetched, so a page can be made offline, e.g. from the ministry's export.

The page is self-contained HTML (inline SVG, no JavaScript, nothing loaded from outside); it is
written to a temporary file and renamed, so an interrupted run leaves no half page. Exit 0: the
page is written; 2: bad input, a request the API refused, or no connection (the error JSON of
the contract on stderr). Standard library only (besides the page renderer).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from chalicelib.cli.common import EXIT_OK, InputError, fail, language, say_line
from chalicelib.documents import error_body
from chalicelib.errors import ToewijzingError
from chalicelib.messages import msg
from chalicelib.render.report_html import national_report, region_report
from chalicelib.services.statistics import parse_teldatum

TIMEOUT = 120.0


def fetch(url: str, token: str, path: str) -> Any:
    """GET a JSON document from the API; InputError with the contract's error when refused."""
    target = urllib.parse.urljoin(url.rstrip("/") + "/", path.lstrip("/"))
    request = urllib.request.Request(
        target, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
            return json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        if not (isinstance(body, dict) and isinstance(body.get("error"), dict)):
            text = raw.decode("utf-8", "replace").strip()[:200]
            body = error_body(
                "http_error", msg("cli.http_error", status=exc.code, text=text or "-")
            )
        raise InputError(body) from exc
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise InputError(
            error_body(
                "connection_error",
                msg("cli.no_answer", method="GET", url=target, reason=str(reason)),
            )
        ) from exc


def read_statistics(source: str) -> Any:
    try:
        raw = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
        return json.loads(raw)
    except OSError as exc:
        raise InputError(
            error_body("file_unreadable", f"Cannot read {source}: {exc.strerror}.")
        ) from exc
    except ValueError as exc:
        body = error_body("validation_error", msg("cli.not_json", source=source, reason=str(exc)))
        raise InputError(body) from exc


def statistics_of(args: argparse.Namespace) -> dict[str, Any]:
    if args.source is not None:
        document = read_statistics(args.source)
    else:
        url = args.url or os.environ.get("TOEWIJZING_URL")
        token = args.token or os.environ.get("TOEWIJZING_TOKEN")
        if not url or not token:
            raise InputError(
                error_body(
                    "validation_error",
                    msg("cli.report_source"),
                )
            )
        query = urllib.parse.urlencode({"teldatum": args.teldatum})
        if args.region:
            region = urllib.parse.quote(args.region, safe="")
            path = f"/v1/regions/{region}/statistics?{query}"
        else:
            path = f"/v1/statistics?{query}"
        document = fetch(url, token, path)
    expected = "figures" if args.region or "figures" in document else "national"
    if not isinstance(document, dict) or expected not in document:
        raise InputError(
            error_body(
                "validation_error",
                msg("cli.not_statistics"),
            )
        )
    if document.get("teldatum") != args.teldatum:
        raise InputError(
            error_body(
                "validation_error",
                msg("cli.other_teldatum", found=document.get("teldatum"), wanted=args.teldatum),
            )
        )
    if args.region and document.get("region_id") != args.region:
        raise InputError(
            error_body(
                "validation_error",
                msg("cli.other_region", found=document.get("region_id"), wanted=args.region),
            )
        )
    return document


def run(args: argparse.Namespace) -> int:
    try:
        parse_teldatum(args.teldatum, "--teldatum")
        statistics = statistics_of(args)
        render = region_report if "figures" in statistics else national_report
        page = render(statistics, language())
    except ToewijzingError as exc:
        return fail(error_body(exc.code, exc.message))
    except InputError as exc:
        return fail(exc.body)
    except (KeyError, TypeError, ValueError) as exc:
        return fail(error_body("validation_error", msg("cli.statistics_incomplete", key=str(exc))))
    out = Path(args.out)
    partial = out.with_name(out.name + ".partial")
    partial.write_text(page, encoding="utf-8")
    partial.replace(out)
    say_line(msg("cli.wrote", out=str(out)))
    return EXIT_OK


def register(commands: Any) -> None:
    report = commands.add_parser(
        "report",
        help="the monitoring report (allocations on the count date, flows, shares) as an HTML page",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    report.add_argument("--region", help="a region id (default: the national report)")
    report.add_argument("--teldatum", required=True, help="the count date, YYYY-10-01")
    report.add_argument("--out", default="report.html", help="the page to write")
    report.add_argument("--url", help="the API's base URL (or TOEWIJZING_URL)")
    report.add_argument("--token", help="a bearer token (or TOEWIJZING_TOKEN)")
    report.add_argument(
        "--from",
        dest="source",
        help="a statistics JSON saved from GET .../statistics (- for stdin) instead of --url",
    )
    report.set_defaults(run=run)
