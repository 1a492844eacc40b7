"""Benchmark: the decision API over HTTP on `make run`'s stack (dynalite + `chalice local`).

Run as `.venv/bin/python bench/bench_http.py [--requests 500] [--clients 8] [--import-runs 7]
[--imports-only]`.

1. Starts the local stack (tests/support/local_server.LocalServer: scripts/run_local.py on free
   ports, a fresh dynalite store in a temporary directory), creates region VO2001 with the local
   admin token, and warms both servers up.
2. HTTP, keep-alive connections (http.client), every student.ref new ("bench-000123"):
   `POST /v1/regions/VO2001/decisions` (anything but 201 is an error) and, as the baseline in the
   same process on the same server, `GET /v1/health` (the floor of chalice local's per-request
   cost): first one client sequentially, then --clients threads with a connection each. The
   client acknowledges responses at once (TCP_QUICKACK, see `Connection`); a short run without
   it shows the 40 ms delayed-ACK stall that chalice local otherwise has on a reused connection.
3. In process, no HTTP server: the same requests through `chalice.test.Client`, once on the
   in-memory store and once on the stack's dynalite (boto3, alternating with HTTP POSTs), so
   the report can split a decision's time into the dev server, the DynamoDB calls and our code.
4. The stack is stopped (also on Ctrl-C, SIGTERM or failure), then import time is measured in
   fresh interpreters (TOEWIJZING_STAGE=test): chalice, boto3, pydantic and `import app`.
5. Cold start, in fresh interpreters on the in-memory store: `import app` and then the first
   request(s) of a kind, called as Lambda calls the handler (an API Gateway event): the first
   `GET /v1/health`, and the first decision (PUT a region, POST a decision), then a second
   decision for scale. `import app` loads only the thin layer (chalicelib/wiring.py), so the
   capabilities' imports are paid by the first request that needs them: this shows that cost.
   `--imports-only` runs 4 and 5 alone, without the stack.

Exit status 1 when the stack does not start or an HTTP request fails; 0 otherwise.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from chalice.test import Client  # noqa: E402

# The in-process runs would print one JSON access line per request: keep the report readable.
os.environ.setdefault("TOEWIJZING_LOG_LEVEL", "WARNING")
from app import app  # noqa: E402
from chalicelib import wiring  # noqa: E402
from chalicelib.config import Settings  # noqa: E402
from chalicelib.services import Services  # noqa: E402
from chalicelib.storage.dynamodb import DynamoStorage  # noqa: E402
from chalicelib.storage.memory import MemoryStorage  # noqa: E402
from chalicelib.storage.ports import Storage  # noqa: E402
from scripts.localdev import StartError  # noqa: E402
from tests.api.conftest import REGION, request_body  # noqa: E402
from tests.support.dynalite import FAKE_CREDENTIAL  # noqa: E402
from tests.support.dynalite import REGION as AWS_REGION  # noqa: E402
from tests.support.local_server import LocalServer, LocalServerError, local_table_name  # noqa: E402

REGION_ID = "VO2001"
DECISIONS = f"/v1/regions/{REGION_ID}/decisions"
HEALTH = "/v1/health"
ADMIN_TOKEN = "local-admin-token"
HEADERS = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}
WARMUP = 20
IMPORT_TARGET = 0.20  # the issue: our own code adds at most 20% to the import time


# --------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------


@dataclass
class Run:
    """One measured run: latencies of the requests that succeeded, failures, wall time."""

    label: str
    latencies: list[float] = field(default_factory=list)  # seconds
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0

    @property
    def n(self) -> int:
        return len(self.latencies) + len(self.errors)

    @property
    def rate(self) -> float:
        """Successful requests per second of wall time."""
        return len(self.latencies) / self.wall if self.wall else 0.0

    def pct(self, p: float) -> float:
        """Nearest-rank percentile in ms (nan when nothing succeeded)."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        rank = max(1, -(-len(ordered) * p // 100))  # ceil(n * p / 100)
        return ordered[int(rank) - 1] * 1e3

    def merge(self, other: Run) -> None:
        self.latencies += other.latencies
        self.errors += other.errors


Send = Callable[[str, str, bytes | None], int]  # (method, path, body) -> status


QUICKACK = getattr(socket, "TCP_QUICKACK", None)  # Linux only


class Connection:
    """One keep-alive HTTP/1.1 connection; reconnects after a failure.

    With `quickack`, the client acknowledges the response at once (TCP_QUICKACK, set after each
    request is sent). chalice local writes a response's headers and body in two writes without
    TCP_NODELAY, so Nagle holds the body back until the headers are acknowledged, and a client
    that delays its ACK (Linux: 40 ms) stalls every request on a reused connection.
    """

    def __init__(self, url: str, quickack: bool = True) -> None:
        parts = urlsplit(url)
        self.conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
        self.conn.connect()
        self.quickack = quickack and QUICKACK is not None

    def send(self, method: str, path: str, body: bytes | None) -> int:
        try:
            self.conn.request(method, path, body=body, headers=HEADERS)
            if self.quickack and self.conn.sock is not None:
                self.conn.sock.setsockopt(socket.IPPROTO_TCP, QUICKACK, 1)
            response = self.conn.getresponse()
            response.read()  # the whole body: the next request reuses the connection
        except (OSError, http.client.HTTPException):
            self.conn.close()  # the next request opens a new connection
            raise
        return response.status

    def close(self) -> None:
        self.conn.close()


def timed(run: Run, send: Send, method: str, path: str, body: bytes | None, want: int) -> None:
    t0 = time.perf_counter()
    try:
        status = send(method, path, body)
    except (OSError, http.client.HTTPException) as exc:
        run.errors.append(f"{method} {path}: {type(exc).__name__}: {exc}")
        return
    elapsed = time.perf_counter() - t0
    if status == want:
        run.latencies.append(elapsed)
    else:
        run.errors.append(f"{method} {path}: status {status}")


def decision_bodies(prefix: str, start: int, n: int) -> list[bytes]:
    """Complete decision requests, serialized before any timing, each with its own student."""
    return [
        json.dumps(request_body(student__ref=f"{prefix}-{i:06d}")).encode()
        for i in range(start, start + n)
    ]


def sequential(label: str, send: Send, method: str, path: str, bodies: list[bytes | None]) -> Run:
    want = 201 if method == "POST" else 200
    run = Run(label)
    t0 = time.perf_counter()
    for body in bodies:
        timed(run, send, method, path, body, want)
    run.wall = time.perf_counter() - t0
    return run


def concurrent(label: str, url: str, clients: int, method: str, bodies: list[bytes | None]) -> Run:
    """`clients` threads, a keep-alive connection each, sharing the bodies; one wall clock."""
    path = DECISIONS if method == "POST" else HEALTH
    want = 201 if method == "POST" else 200
    shares = [bodies[i::clients] for i in range(clients)]
    runs = [Run(label) for _ in range(clients)]
    start = threading.Barrier(clients + 1, timeout=60)

    def client(share: list[bytes | None], run: Run) -> None:
        try:
            conn = Connection(url)
        except OSError as exc:
            run.errors += [f"connect: {exc}"] * len(share)
            start.wait()
            return
        try:
            start.wait()
            for body in share:
                timed(run, conn.send, method, path, body, want)
        finally:
            conn.close()

    # Daemon threads: a Ctrl-C in the main thread must not wait for them.
    threads = [
        threading.Thread(target=client, args=(share, run), daemon=True)
        for share, run in zip(shares, runs, strict=True)
    ]
    for thread in threads:
        thread.start()
    start.wait()
    t0 = time.perf_counter()
    for thread in threads:
        thread.join()
    total = Run(label, wall=time.perf_counter() - t0)
    for run in runs:
        total.merge(run)
    return total


@dataclass
class HttpRuns:
    health: Run
    posts: Run
    health_c: Run
    posts_c: Run
    raw_health: Run  # keep-alive without TCP_QUICKACK: the delayed-ACK stall
    raw_posts: Run

    def all(self) -> tuple[Run, ...]:
        return (
            self.health,
            self.posts,
            self.health_c,
            self.posts_c,
            self.raw_health,
            self.raw_posts,
        )


def http_runs(url: str, n: int, clients: int, n_raw: int) -> HttpRuns:
    conn = Connection(url)
    try:
        sequential(
            "warm-up", conn.send, "POST", DECISIONS, decision_bodies("bench-warm", 0, WARMUP)
        )
        sequential("warm-up", conn.send, "GET", HEALTH, [None] * WARMUP)
        health = sequential("health, 1 client", conn.send, "GET", HEALTH, [None] * n)
        posts = sequential(
            "decisions, 1 client", conn.send, "POST", DECISIONS, decision_bodies("bench", 0, n)
        )
    finally:
        conn.close()
    health_c = concurrent(f"health, {clients} clients", url, clients, "GET", [None] * n)
    posts_c = concurrent(
        f"decisions, {clients} clients", url, clients, "POST", decision_bodies("bench", n, n)
    )
    raw = Connection(url, quickack=False)
    try:
        raw_health = sequential("health, 1 client", raw.send, "GET", HEALTH, [None] * n_raw)
        raw_posts = sequential(
            "decisions, 1 client", raw.send, "POST", DECISIONS, decision_bodies("raw", 0, n_raw)
        )
    finally:
        raw.close()
    return HttpRuns(health, posts, health_c, posts_c, raw_health, raw_posts)


# --------------------------------------------------------------------------------------------
# In process: chalice.test.Client, no HTTP server
# --------------------------------------------------------------------------------------------


@contextmanager
def in_process(storage: Storage) -> Iterator[Send]:
    settings = Settings(
        stage="test", table_name="unused", storage="memory", admin_token=ADMIN_TOKEN
    )
    wiring.override(Services(storage, settings, wiring.utc_now, wiring.new_id))
    try:
        with Client(app, stage_name="test", project_dir=str(ROOT)) as client:

            def send(method: str, path: str, body: bytes | None) -> int:
                call = getattr(client.http, method.lower())
                return int(call(path, headers=HEADERS, body=body or b"").status_code)

            yield send
    finally:
        wiring.override(None)


def dynalite_client(endpoint: str) -> Any:
    config = Config(retries={"mode": "standard", "max_attempts": 4}, read_timeout=5)
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=AWS_REGION,
        aws_access_key_id=FAKE_CREDENTIAL,
        aws_secret_access_key=FAKE_CREDENTIAL,
        config=config,
    )


@dataclass
class InProcess:
    health: Run
    memory: Run
    dynalite: Run  # req/s here is 1 / mean latency: the runs alternate with `paired`
    paired: Run  # HTTP POSTs alternating with the in-process ones on dynalite
    dynamodb_calls: Counter[str]  # operation -> calls during the dynalite run


def in_process_runs(url: str, endpoint: str, n: int, n_ddb: int) -> InProcess:
    with in_process(MemoryStorage()) as send:
        body = json.dumps(REGION).encode()
        if send("PUT", f"/v1/regions/{REGION_ID}", body) not in (200, 201):
            raise RuntimeError("in process: PUT region failed")
        sequential("warm-up", send, "POST", DECISIONS, decision_bodies("mem-warm", 0, WARMUP))
        sequential("warm-up", send, "GET", HEALTH, [None] * WARMUP)
        health = sequential("health", send, "GET", HEALTH, [None] * n)
        memory = sequential(
            "decisions, memory", send, "POST", DECISIONS, decision_bodies("mem", 0, n)
        )

    client = dynalite_client(endpoint)
    calls: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        calls[model.name] += 1

    # On the stack's own dynalite and table, where the HTTP runs created the region VO2001.
    # Paired: an HTTP POST and an in-process POST alternately, so both see the same store size
    # and machine load, and their difference is the dev server's share.
    dynalite, paired = Run("decisions, dynalite"), Run("decisions, 1 client, paired")
    conn = Connection(url)
    try:
        # dynalite has no TransactWriteItems: the ordered writes
        storage = DynamoStorage(client, local_table_name(), transactions=False)
        with in_process(storage) as send:
            sequential("warm-up", send, "POST", DECISIONS, decision_bodies("ddb-warm", 0, WARMUP))
            client.meta.events.register("before-call.dynamodb", count)
            pairs = zip(
                decision_bodies("ddb", 0, n_ddb), decision_bodies("pair", 0, n_ddb), strict=True
            )
            for local_body, http_body in pairs:
                timed(dynalite, send, "POST", DECISIONS, local_body, 201)
                timed(paired, conn.send, "POST", DECISIONS, http_body, 201)
            client.meta.events.unregister("before-call.dynamodb", count)
    finally:
        conn.close()
    dynalite.wall, paired.wall = sum(dynalite.latencies), sum(paired.latencies)
    return InProcess(health, memory, dynalite, paired, calls)


# --------------------------------------------------------------------------------------------
# Import time
# --------------------------------------------------------------------------------------------

IMPORTS = {  # key -> (label, statement timed inside a fresh interpreter)
    "bare": ("python -c pass", "pass"),
    "chalice": ("import chalice", "import chalice"),
    "boto3": ("import boto3", "import boto3"),
    "pydantic": ("import pydantic", "import pydantic"),
    "chalice+pydantic": ("import chalice, pydantic", "import chalice, pydantic"),
    # pydantic loads most of itself lazily, on the first model: charge that to pydantic too.
    "chalice+model": (
        "import chalice; one pydantic model defined",
        "import chalice\nfrom pydantic import BaseModel\nclass M(BaseModel):\n    x: int",
    ),
    "deps": ("import chalice, boto3, pydantic", "import chalice, boto3, pydantic"),
    "app": ("import app", "import app"),
    "app+boto3": ("import app, boto3", "import app, boto3"),
}
TIMER = "import time\nt0 = time.perf_counter()\n{}\nprint(time.perf_counter() - t0)"
IMPORT_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s*)(\S+)\s*$")
PYDANTIC_STACK = ("pydantic", "pydantic_core", "annotated_types", "typing_inspection")


def import_env() -> dict[str, str]:
    return dict(os.environ, TOEWIJZING_STAGE="test")


def python(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=import_env(),
        check=True,
        capture_output=True,
        text=True,
    )


def import_times(runs: int) -> tuple[dict[str, float], dict[str, float]]:
    """Medians, in ms, over `runs` fresh interpreters each (interleaved, so a change in machine
    load hits all alike): the import statement alone, and the whole process (start to exit)."""
    inner: dict[str, list[float]] = defaultdict(list)
    whole: dict[str, list[float]] = defaultdict(list)
    for _ in range(runs):
        for key, (_, statement) in IMPORTS.items():
            t0 = time.perf_counter()
            done = python("-c", TIMER.format(statement))
            whole[key].append(time.perf_counter() - t0)
            inner[key].append(float(done.stdout))
    ms = {k: statistics.median(v) * 1e3 for k, v in inner.items()}
    process_ms = {k: statistics.median(v) * 1e3 for k, v in whole.items()}
    return ms, process_ms


def loaded_by_app() -> set[str]:
    """Which of the three dependencies `import app` loads."""
    names = ("chalice", "boto3", "pydantic")
    probe = f"import sys, app\nprint(' '.join(m for m in {names!r} if m in sys.modules))"
    return set(python("-c", probe).stdout.split())


def self_times(statement: str) -> dict[str, int]:
    """Self time (us) per module in one `python -X importtime` run."""
    done = python("-X", "importtime", "-c", statement)
    times: dict[str, int] = {}
    for line in done.stderr.splitlines():
        m = IMPORT_LINE.match(line)
        if m is not None:
            times[m.group(4)] = int(m.group(1))
    return times


def group(module: str) -> str:
    top = module.split(".")[0]
    if top in ("app", "chalicelib"):
        return "ours"
    if top in PYDANTIC_STACK:
        return "pydantic"
    return "chalice" if top == "chalice" else "other"


@dataclass
class ImportTrace:
    ours: list[tuple[str, float]]  # (module, median self ms), largest first
    groups: dict[str, float]  # group -> median self ms beyond chalice + one pydantic model


TRACE_RUNS = 5


def import_trace(runs: int = TRACE_RUNS) -> ImportTrace:
    app_runs: list[dict[str, int]] = []
    base_runs: list[dict[str, int]] = []
    for _ in range(runs):  # interleaved, as the wall times
        app_runs.append(self_times("import app"))
        base_runs.append(self_times(IMPORTS["chalice+model"][1]))
    modules = {m for r in app_runs for m in r if group(m) == "ours"}
    ours = sorted(
        ((m, statistics.median(r.get(m, 0) for r in app_runs) / 1e3) for m in modules),
        key=lambda item: -item[1],
    )

    def by_group(r: dict[str, int]) -> Counter[str]:
        totals: Counter[str] = Counter()
        for module, us in r.items():
            totals[group(module)] += us
        return totals

    app_groups = [by_group(r) for r in app_runs]
    base_groups = [by_group(r) for r in base_runs]
    groups = {
        g: (
            statistics.median(r[g] for r in app_groups)
            - statistics.median(r[g] for r in base_groups)
        )
        / 1e3
        for g in ("ours", "pydantic", "chalice", "other")
    }
    return ImportTrace(ours, groups)


# --------------------------------------------------------------------------------------------
# Cold start: import app, then the first request of a kind, as Lambda calls the handler
# --------------------------------------------------------------------------------------------

# Runs in a fresh interpreter from the repo root; prints {phase: seconds} as JSON. The events are
# API Gateway's proxy events, as a Lambda function gets them; the stage `local` is the one with
# the local admin token (TOEWIJZING_ADMIN_TOKEN), on the in-memory store.
COLD_START = """\
import json, os, sys, time
t0 = time.perf_counter()
import app
t1 = time.perf_counter()
REGION, DECISIONS = json.loads({region!r}), json.loads({decisions!r})


def call(method, resource, body=None):
    params = {{"region_id": "VO2001"}} if "{{region_id}}" in resource else None
    event = {{
        "resource": resource,
        "path": resource.replace("{{region_id}}", "VO2001"),
        "httpMethod": method,
        "headers": {{"authorization": "Bearer {token}", "content-type": "application/json"}},
        "multiValueQueryStringParameters": None,
        "pathParameters": params,
        "stageVariables": None,
        "requestContext": {{"resourcePath": resource, "httpMethod": method, "requestId": "cold"}},
        "body": None if body is None else json.dumps(body),
        "isBase64Encoded": False,
    }}
    return app.app(event, None)["statusCode"]


times = {{"import": t1 - t0}}
if sys.argv[1] == "health":
    assert call("GET", "/v1/health") == 200
    times["first"] = time.perf_counter() - t1
else:
    assert call("PUT", "/v1/regions/{{region_id}}", REGION) == 201
    assert call("POST", "/v1/regions/{{region_id}}/decisions", DECISIONS[0]) == 201
    t2 = time.perf_counter()
    times["first"] = t2 - t1
    assert call("POST", "/v1/regions/{{region_id}}/decisions", DECISIONS[1]) == 201
    times["second"] = time.perf_counter() - t2
print(json.dumps(times))
"""
COLD_KINDS = ("health", "decision")


def cold_start_env() -> dict[str, str]:
    return dict(
        os.environ,
        TOEWIJZING_STAGE="local",
        TOEWIJZING_STORAGE="memory",
        TOEWIJZING_ADMIN_TOKEN=ADMIN_TOKEN,
        TOEWIJZING_LOG_LEVEL="WARNING",
        TOEWIJZING_BLOB_DIR=tempfile.gettempdir(),  # never used: no batch is sent
    )


def cold_starts(runs: int) -> dict[str, dict[str, float]]:
    """Medians, in ms, over `runs` fresh interpreters per kind (interleaved): kind -> phase."""
    bodies = [request_body(student__ref=f"cold-{i}") for i in range(2)]
    source = COLD_START.format(
        region=json.dumps(REGION), decisions=json.dumps(bodies), token=ADMIN_TOKEN
    )
    phases: dict[str, dict[str, list[float]]] = {k: defaultdict(list) for k in COLD_KINDS}
    for _ in range(runs):
        for kind in COLD_KINDS:
            done = subprocess.run(
                [sys.executable, "-c", source, kind],
                cwd=ROOT,
                env=cold_start_env(),
                check=True,
                capture_output=True,
                text=True,
            )
            for phase, seconds in json.loads(done.stdout.splitlines()[-1]).items():
                phases[kind][phase].append(seconds)
    return {
        kind: {phase: statistics.median(v) * 1e3 for phase, v in by_phase.items()}
        for kind, by_phase in phases.items()
    }


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def line(label: str, *cells: str) -> None:
    print(f"  {label:<34}" + "".join(cells).rstrip())


def run_row(run: Run, baseline: Run | None) -> None:
    ratio = f"{run.pct(50) / baseline.pct(50):8.1f}x" if baseline else f"{'':>9}"
    line(
        run.label,
        f"{run.n:>6}",
        f"{run.rate:>9.0f}",
        f"{run.pct(50):>9.2f}",
        f"{run.pct(99):>9.2f}",
        f"{len(run.errors):>7}",
        f"  {ratio}",
    )


def report_http(h: HttpRuns, local: InProcess, clients: int) -> None:
    print("Per request (ms, time.perf_counter); req/s = requests / wall time of the run")
    line(
        "",
        f"{'n':>6}",
        f"{'req/s':>9}",
        f"{'p50':>9}",
        f"{'p99':>9}",
        f"{'errors':>7}",
        "  p50/health p50",
    )
    ack = "client ACKs at once (TCP_QUICKACK)" if QUICKACK is not None else "no TCP_QUICKACK here"
    print(f"HTTP, chalice local on dynalite: keep-alive connections, {ack}")
    run_row(h.health, None)
    run_row(h.posts, h.health)
    run_row(h.health_c, None)
    run_row(h.posts_c, h.health_c)
    print("HTTP, the same without TCP_QUICKACK (the client delays its ACKs, as by default)")
    run_row(h.raw_health, None)
    run_row(h.raw_posts, h.raw_health)
    print("In process: chalice.test.Client, no HTTP server (baseline: its GET /v1/health)")
    run_row(local.health, None)
    run_row(local.memory, local.health)
    run_row(local.dynalite, local.health)
    for run in (*h.all(), local.paired, local.health, local.memory, local.dynalite):
        for error in sorted(set(run.errors))[:3]:
            print(f"  ERROR in {run.label!r}: {error} ({run.errors.count(error)}x)")

    total = local.paired.pct(50)
    ddb, mem, floor = local.dynalite.pct(50), local.memory.pct(50), local.health.pct(50)
    made = max(local.dynalite.n, 1)
    per_decision = sum(local.dynamodb_calls.values()) / made
    ops = ", ".join(f"{op} {c / made:.1f}" for op, c in local.dynamodb_calls.most_common())
    print(
        f"Where a sequential HTTP decision's {total:.2f} ms (p50 of {local.paired.n}, alternating "
        "with the in-process\nPOSTs on dynalite) go: differences of p50s, approximate"
    )
    for label, ms, note in (
        ("chalice local + HTTP", total - ddb, "HTTP POST - in-process POST on dynalite"),
        ("DynamoDB calls (boto3 + dynalite)", ddb - mem, f"{per_decision:.1f} calls: {ops}"),
        ("our code (parse, decide, respond)", mem - floor, "in-process POST on memory - health"),
        ("chalice.test routing floor", floor, "in-process GET /v1/health"),
    ):
        line(label, f"{ms:>8.2f} ms", f"{ms / total:>6.0%}", f"   {note}")
    print(
        f"  Every decision has its own student.ref. The {clients} clients share one dev server\n"
        f"  process (a thread per connection, one GIL) and one dynalite, on {os.cpu_count()} CPUs "
        "with this\n  process's client threads."
    )


def iline(label: str, *cells: str) -> None:
    print(f"  {label:<44}" + "".join(cells).rstrip())


def report_imports(ms: dict[str, float], process_ms: dict[str, float], runs: int) -> bool:
    """Print the import figures; True when our code's added time is within the target."""
    loaded = loaded_by_app()
    not_loaded = sorted({"chalice", "boto3", "pydantic"} - loaded)
    print(
        f"Import time (ms): median of {runs} fresh interpreters each, interleaved; the import "
        "statement timed\ninside the interpreter, from the repo root, TOEWIJZING_STAGE=test"
    )
    iline("python -c pass (whole process)", f"{process_ms['bare']:>8.1f}", "   for scale only")
    for key in IMPORTS:
        if key == "bare":
            continue
        note = ""
        if key == "app":
            note = f"   loads {', '.join(sorted(loaded))}" + (
                f"; not {', '.join(not_loaded)}" if not_loaded else ""
            )
        iline(IMPORTS[key][0], f"{ms[key]:>8.1f}", note)

    def added(label: str, ours: float, deps: float, note: str | None = None) -> bool:
        ok = ours <= IMPORT_TARGET * deps
        verdict = f"target <= {IMPORT_TARGET:.0%}: {'met' if ok else 'NOT met'}"
        iline(label, f"{ours:>8.1f}", f"{ours / deps:>8.0%}", f"   {note or verdict}")
        return ok

    print(f"Our own code's added import time{'':13}{'ms':>8}{'% of base':>10}")
    if "boto3" in loaded:
        return added("t(app) - t(chalice, boto3, pydantic)", ms["app"] - ms["deps"], ms["deps"])
    added(
        "t(app) - t(chalice, boto3, pydantic)",
        ms["app"] - ms["deps"],
        ms["deps"],
        "not comparable: app does not load boto3",
    )
    verdicts = [
        added(label, ms[ours] - ms[base], ms[base])
        for label, ours, base in (
            ("t(app) - t(chalice, pydantic)", "app", "chalice+pydantic"),
            ("t(app) - t(chalice, one pydantic model)", "app", "chalice+model"),
            ("t(app, boto3) - t(chalice, boto3, pydantic)", "app+boto3", "deps"),
        )
    ]
    deferred = "boto3" if "pydantic" in loaded else "boto3 or pydantic"
    print(
        f"  `import app` does not import {deferred}: chalicelib/wiring.py imports the services\n"
        "  (the models with pydantic; boto3 for DynamoDB) on the first request that needs them.\n"
        "  So t(app) - t(deps) would credit our code with their time; the figures compare app\n"
        "  with chalice and pydantic, and app + boto3 with all three. What `import app` leaves\n"
        "  out is paid by the first request of each kind: see 'Cold start' below. pydantic defers\n"
        "  most of its own imports to the first model class; the 'one pydantic model' baseline\n"
        "  charges that to pydantic, not to us."
    )
    return all(verdicts)


def report_cold_start(cold: dict[str, dict[str, float]], deps_ms: float, runs: int) -> None:
    health, decision = cold["health"], cold["decision"]
    print(
        f"Cold start (ms): median of {runs} fresh interpreters each, interleaved; the handler "
        "called with API\nGateway events as on Lambda, stage local (its admin token), "
        "in-memory store"
    )
    iline("import app", f"{health['import']:>8.1f}")
    iline("  + the first GET /v1/health", f"{health['first']:>8.1f}")
    iline("  = total", f"{health['import'] + health['first']:>8.1f}")
    iline("import app", f"{decision['import']:>8.1f}")
    iline(
        "  + the first decision",
        f"{decision['first']:>8.1f}",
        "   PUT a region, POST a decision: loads the services, models, domain",
    )
    iline("  = total", f"{decision['import'] + decision['first']:>8.1f}")
    iline("  a second decision, for scale", f"{decision['second']:>8.1f}")
    print(
        f"  For scale: `import chalice, boto3, pydantic` is {deps_ms:.1f} ms above. On DynamoDB "
        "the first\n  request that needs storage also imports boto3 and builds its client."
    )


def report_trace(trace: ImportTrace) -> None:
    print(
        f"  -X importtime self time, `import app` over chalice + one pydantic model "
        f"(median of {TRACE_RUNS})"
    )
    for name, label in (
        ("ours", "app + chalicelib.* (incl. pydantic schema building in class bodies)"),
        ("pydantic", "pydantic modules a first model does not load"),
        ("chalice", "chalice modules only our code loads"),
        ("other", "stdlib and other"),
    ):
        iline(f"  {name}", f"{trace.groups[name]:>8.1f}", f"   {label}")
    print(f"  our modules by self time (ms, median of {TRACE_RUNS}; -X importtime inflates them)")
    for module, self_ms in trace.ours[:8]:
        iline(f"    {module}", f"{self_ms:>8.1f}")


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=500, help="requests per run (default 500)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument(
        "--import-runs", type=int, default=7, help="fresh interpreters per import (default 7)"
    )
    parser.add_argument(
        "--imports-only",
        action="store_true",
        help="only the import time and cold start figures, without the stack",
    )
    args = parser.parse_args()
    if args.clients < 1 or args.requests < args.clients or args.import_runs < 1:
        parser.error("need --clients >= 1, --requests >= --clients and --import-runs >= 1")
    return args


def _on_signal(signum: int, frame: FrameType | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not stop the clean-up
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt(signal.Signals(signum).name)


def bench_stack(args: argparse.Namespace, tmp: Path) -> tuple[HttpRuns, InProcess] | None:
    """Start the stack, measure, stop it (always). None when it did not start."""
    t0 = time.perf_counter()
    try:
        server = LocalServer(tmp / "dynalite")  # StartError when dynalite is not installed
        server.start()  # kills whatever it started when it fails
    except (LocalServerError, StartError) as exc:
        print(f"bench_http: the local stack did not start: {exc}", file=sys.stderr)
        return None
    try:
        print(
            f"Stack: dynalite + chalice local (stage local) at {server.url}, fresh store in a temp "
            f"dir, up in {time.perf_counter() - t0:.1f} s"
        )
        conn = Connection(server.url)
        try:
            status = conn.send("PUT", f"/v1/regions/{REGION_ID}", json.dumps(REGION).encode())
        finally:
            conn.close()
        if status != 201:
            print(
                f"bench_http: PUT /v1/regions/{REGION_ID} returned {status}, not 201",
                file=sys.stderr,
            )
            return None
        runs = http_runs(server.url, args.requests, args.clients, min(args.requests, 40))
        n_ddb = min(args.requests, 200)  # ~35 ms each on dynalite: enough for a p50
        local = in_process_runs(server.url, server.dynamodb_endpoint, args.requests, n_ddb)
        return runs, local
    finally:
        try:
            server.stop()
        finally:
            server.kill()


def main() -> int:
    args = parse_args()
    print("$ " + shlex.join(sys.orig_argv), flush=True)
    # Explicit handlers: a shell starts background jobs with SIGINT ignored; SIGTERM unwinds too.
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    failed = 0
    try:
        if not args.imports_only:
            with tempfile.TemporaryDirectory(prefix="bench-http-") as tmp:
                measured = bench_stack(args, Path(tmp))
            if measured is None:
                return 1
            runs, local = measured
            report_http(runs, local, args.clients)
            print()
            failed = sum(len(run.errors) for run in (*runs.all(), local.paired))
        ms, process_ms = import_times(args.import_runs)
        within = report_imports(ms, process_ms, args.import_runs)
        if not within:
            report_trace(import_trace())
        print()
        report_cold_start(cold_starts(args.import_runs), ms["deps"], args.import_runs)
    except KeyboardInterrupt as why:
        print(
            f"\nbench_http: interrupted ({why or 'SIGINT'}); the stack was stopped", file=sys.stderr
        )
        return 130
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
