"""`toewijzing batch submit FILE --url U --token T --region R`: a batch to the API, its results
to a CSV file.

1. The format follows from the extension: .csv, .json, .xml (one OSO dossier), .zip (many); OSO
   dossiers need --arrangement and --date (and take the other evidence options).
2. The file is POSTed to `/v1/regions/R/batches`; a file over UPLOAD_THRESHOLD (9 MB, under API
   Gateway's 10 MB) goes through `POST .../batches/uploads` and the presigned POST (a form)
   it answers (`uploads.py`).
3. The batch id is kept in a state file next to the output (FILE.batch.json: url, region,
   batch id, the file's sha256) before anything else happens. Run again after an interruption
   with the same file, the command resumes that batch instead of submitting it again (which
   would decide every row a second time). A changed file is a new batch.
4. The status is polled until the batch is `completed` or `failed` (`batch_wait.py`), or until
   --timeout (default an hour): then it names the rows still pending and exits 1.
5. The results are paged through as CSV (`Accept: text/csv`) into --out (FILE.results.csv),
   written to a temporary file and renamed, so an interrupted run leaves no half file.

Exit 0: every row decided or rejected (see the results); 1: the batch failed or the wait
timed out; 2: bad input, a
request the API refused, or no connection (the error JSON of the contract on stderr).
Standard library only.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import sys
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chalicelib.cli import uploads
from chalicelib.cli.api_client import Api, ApiError
from chalicelib.cli.batch_wait import timeout_message, wait
from chalicelib.cli.common import (
    EXIT_OK,
    InputError,
    WaitTimeoutError,
    fail,
    print_json,
    say_line,
)
from chalicelib.documents import error_body
from chalicelib.messages import msg
from chalicelib.render.safe_text import csv_row

EXIT_FAILED = 1
MEDIA = {
    ".csv": "text/csv",
    ".json": "application/json",
    ".xml": "application/xml",
    ".zip": "application/zip",
}
OSO_MEDIA = ("application/xml", "application/zip")
UPLOAD_THRESHOLD = 9 * 1024 * 1024
PAGE = 1000  # the API's largest results page
DEFAULT_TIMEOUT = 3600.0  # an hour: time for the sweeper to requeue a lost message or two


# The state file: what makes a rerun resume


@dataclass
class Job:
    file: Path
    media: str
    data: bytes
    sha256: str
    out: Path
    state: Path


def job_of(args: argparse.Namespace) -> Job:
    file = Path(args.file)
    media = MEDIA.get(file.suffix.lower())
    if media is None:
        raise InputError(
            error_body(
                "unsupported_media_type",
                msg("cli.batch_file", name=file.name),
            )
        )
    if media in OSO_MEDIA and not (args.arrangement and args.date):
        raise InputError(
            error_body(
                "validation_error",
                msg("cli.oso_options"),
                details=[
                    {"path": f"--{name}", "code": "missing", "message": msg("cli.option_required")}
                    for name in ("arrangement", "date")
                    if not getattr(args, name)
                ],
            )
        )
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InputError(
            error_body(
                "file_unreadable", msg("cli.unreadable", source=str(file), reason=exc.strerror)
            )
        ) from exc
    out = Path(args.out) if args.out else file.with_name(file.name + ".results.csv")
    state = out.parent / (file.name + ".batch.json")
    return Job(file, media, data, hashlib.sha256(data).hexdigest(), out, state)


def load_state(job: Job, api: Api) -> dict[str, Any] | None:
    """The batch an earlier run submitted for this same content, URL and region, if any."""
    try:
        state = json.loads(job.state.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    same = (state.get("url"), state.get("region"), state.get("sha256")) == (
        api.url,
        api.region,
        job.sha256,
    )
    return state if same and isinstance(state.get("batch_id"), str) else None


def save_state(job: Job, state: dict[str, Any]) -> None:
    job.state.parent.mkdir(parents=True, exist_ok=True)
    temporary = job.state.with_name(job.state.name + ".tmp")
    temporary.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
    temporary.replace(job.state)


# Submitting


def oso_query(args: argparse.Namespace) -> dict[str, str]:
    if not args.arrangement:
        return {}
    query = {"arrangement": args.arrangement, "date": args.date}
    query["board_motivation"] = "true" if args.board_motivation else "false"
    query["parent_view"] = "true" if args.parent_view else "false"
    if args.expert_advice:
        query["expert_advice"] = ",".join(args.expert_advice)
    return query


def submit(api: Api, job: Job, query: dict[str, str]) -> dict[str, Any]:
    """POST the file (or upload it first); the 202 body."""
    if len(job.data) > UPLOAD_THRESHOLD:
        format_query = urllib.parse.urlencode({"format": job.media})
        upload = api.request("POST", f"{api.batches}/uploads?{format_query}").json()
        uploads.send(api, upload, job.data, job.media)
        query = {**query, "upload_id": upload["upload_id"], "format": job.media}
        path = f"{api.batches}?{urllib.parse.urlencode(query)}"
        accepted: dict[str, Any] = api.request("POST", path).json()
    else:
        path = api.batches + (f"?{urllib.parse.urlencode(query)}" if query else "")
        accepted = api.request("POST", path, job.data, {"Content-Type": job.media}).json()
    return accepted


# Results


def next_cursor(link: str | None) -> str | None:
    """The cursor of a `Link: <?cursor=N>; rel="next"` header."""
    if not link or 'rel="next"' not in link:
        return None
    target = link.split(";")[0].strip().strip("<>")
    values = urllib.parse.parse_qs(urllib.parse.urlsplit(target).query).get("cursor")
    return values[0] if values else None


def write_results(api: Api, results_url: str, out: Path) -> int:
    """Every results page as CSV into `out` (one header row); the number of rows."""
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(out.name + ".part")
    rows = 0
    cursor: str | None = None
    with temporary.open("w", encoding="utf-8", newline="") as sink:
        writer = csv.writer(sink)
        while True:
            query = {"limit": str(PAGE), **({"cursor": cursor} if cursor else {})}
            page = api.get(f"{results_url}?{urllib.parse.urlencode(query)}",
                           {"Accept": "text/csv"})  # fmt: skip
            reader = csv.reader(io.StringIO(page.body.decode("utf-8"), newline=""))
            header = next(reader, None)  # every page starts with the header row
            if cursor is None and header is not None:
                writer.writerow(header)
            for row in reader:
                # the service neutralises formulas already; an older one did not
                writer.writerow(csv_row(row))
                rows += 1
            cursor = next_cursor(page.headers.get("Link") or page.headers.get("link"))
            if cursor is None:
                break
    temporary.replace(out)
    return rows


# The command


def run(args: argparse.Namespace) -> int:
    if not args.token:
        return fail(error_body("unauthorized", msg("cli.token")))
    try:
        job = job_of(args)
    except InputError as exc:
        return fail(exc.body)
    api = Api(args.url, args.token, args.region)
    try:
        status = submit_or_resume(api, job, args)
        if status["status"] == "failed":
            print_json(status)
            print_json(error_body("batch_failed", failure_message(status)), sys.stderr)
            return EXIT_FAILED
        rows = write_results(api, status["results_url"], job.out)
    except WaitTimeoutError as exc:
        print_json(error_body("batch_timeout", timeout_message(api, exc, job.state)), sys.stderr)
        return EXIT_FAILED
    except ApiError as exc:
        return fail(exc.body)
    except KeyError as exc:
        return fail(error_body("unexpected_response", msg("cli.answer_lacks", key=str(exc))))
    except KeyboardInterrupt:
        code = "cli.interrupted_resume" if job.state.exists() else "cli.interrupted"
        say_line(msg(code, state=str(job.state)), newline=True)
        return 130
    print_json(status)
    say_line(msg("cli.rows_written", rows=rows, out=str(job.out)))
    return EXIT_OK


def submit_or_resume(api: Api, job: Job, args: argparse.Namespace) -> dict[str, Any]:
    """The final status of this file's batch: the one submitted before, or a new one."""
    state = load_state(job, api)
    if state is not None:
        say_line(msg("cli.resuming", batch=state["batch_id"], state=str(job.state)))
        try:
            return wait(
                api, state["status_url"], state["batch_id"], args.poll_interval, args.timeout
            )
        except ApiError as exc:
            if exc.status != 404:
                raise
            say_line(msg("cli.batch_gone", batch=state["batch_id"]))
    accepted = submit(api, job, oso_query(args))
    state = {"url": api.url, "region": api.region, "file": str(job.file),
             "sha256": job.sha256, "batch_id": accepted["batch_id"],
             "status_url": accepted["status_url"],
             "results_url": accepted.get("results_url"),
             "submitted_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}  # fmt: skip
    save_state(job, state)
    say_line(msg("cli.submitted", batch=accepted["batch_id"], state=str(job.state)))
    return wait(api, accepted["status_url"], accepted["batch_id"], args.poll_interval, args.timeout)


def failure_message(status: dict[str, Any]) -> str:
    error = status.get("error") or {}
    reason = error.get("message") or msg("cli.no_reason")
    return msg("cli.batch_failed", batch=status.get("batch_id"), reason=reason)


def register(commands: Any) -> None:
    batch = commands.add_parser("batch", help="batch submissions to the API")
    actions = batch.add_subparsers(dest="action", required=True)
    submit_ = actions.add_parser(
        "submit",
        help="submit a CSV, JSON, OSO XML or zip file, wait, write the per-row results to CSV "
        "(exit 0 done, 1 the batch failed, 2 bad input or no connection)",
    )
    submit_.add_argument("file", help="a .csv, .json, .xml (OSO dossier) or .zip file")
    submit_.add_argument("--url", required=True, help="the API, e.g. https://.../api")
    submit_.add_argument(
        "--token",
        default=os.environ.get("TOEWIJZING_TOKEN"),
        help="a bearer token for the region (default: $TOEWIJZING_TOKEN)",
    )
    submit_.add_argument("--region", required=True, help="the region id, e.g. VO2001")
    submit_.add_argument("--out", help="the results CSV (default: FILE.results.csv)")
    oso = submit_.add_argument_group("OSO dossiers (.xml, .zip)")
    oso.add_argument("--arrangement", choices=("lwoo", "pro"))
    oso.add_argument("--date", help="the application date, YYYY-MM-DD")
    oso.add_argument("--board-motivation", action="store_true", help="the board motivated it")
    oso.add_argument("--parent-view", action="store_true", help="the parents' view is on file")
    oso.add_argument(
        "--expert-advice", action="append", metavar="EXPERT", help="an expert's advice (repeat)"
    )
    submit_.add_argument(
        "--poll-interval", type=float, default=2.0, help="seconds between status requests"
    )
    submit_.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help="give up waiting after this many seconds, naming the rows still pending, exit 1; "
        f"run again to resume (default {DEFAULT_TIMEOUT:.0f})",
    )
    submit_.set_defaults(run=run)
