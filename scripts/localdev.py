"""Child processes for the local run and the tests: dynalite (the local DynamoDB server) and
`chalice local`. Standard library only.

Every child runs in its own session (so its own process group): a Ctrl-C in the terminal reaches
only the parent, which then stops each group as a whole, so no worker outlives it. And a parent
that dies without stopping them (SIGKILL, a crash) takes them along: on Linux each child asks
the kernel for SIGKILL when its parent dies (`prctl(PR_SET_PDEATHSIG)`), so a killed `make run`
leaves no server behind to hold the ports and the data directory's lock.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
DYNALITE = ROOT / "node_modules" / ".bin" / "dynalite"
HOST = "127.0.0.1"


class StartError(RuntimeError):
    """A child process could not be started; the message says why and what to do."""


def dynalite_bin() -> Path:
    if not DYNALITE.exists():
        raise StartError(
            f"dynalite is not installed ({DYNALITE.relative_to(ROOT)} is missing): "
            "run `make install-node` (npm ci) first"
        )
    return DYNALITE


def free_port() -> int:
    """A port that nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int, host: str = HOST) -> bool:
    """True when nothing listens on host:port (connections in TIME_WAIT do not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def store_is_locked(data_dir: Path) -> bool:
    """True when another process holds the LevelDB lock of the store in data_dir."""
    lock = data_dir / "LOCK"
    if not lock.exists():
        return False
    with lock.open("rb+") as handle:
        try:
            fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.lockf(handle, fcntl.LOCK_UN)
        return False


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _prctl() -> Any:
    """libc's prctl on Linux, else None; loaded in the parent (never between fork and exec)."""
    if not sys.platform.startswith("linux"):
        return None
    with contextlib.suppress(OSError, AttributeError):
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True).prctl
    return None


def die_with_parent(prctl: Any, parent: int) -> None:
    """In the child, before exec: ask for SIGKILL when the parent dies. If the parent died
    before the request was made, the child is already an orphan: exit at once."""
    if prctl is None or prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
        return
    if os.getppid() != parent:
        os._exit(1)


def spawn(
    args: list[str], env: Mapping[str, str] | None = None, log: IO[bytes] | None = None
) -> subprocess.Popen[bytes]:
    """Start a child in a new session (its own process group) that dies with this process."""
    parent, prctl = os.getpid(), _prctl()
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env=dict(env) if env is not None else None,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT if log is not None else None,
        start_new_session=True,
        preexec_fn=lambda: die_with_parent(prctl, parent),
    )


def start_dynalite(
    port: int, data_dir: Path, log: IO[bytes] | None = None
) -> subprocess.Popen[bytes]:
    """Start dynalite on 127.0.0.1:port with its LevelDB store under data_dir (not yet ready)."""
    binary = dynalite_bin()
    if not port_is_free(port):
        raise StartError(
            f"port {port} on {HOST} is already in use: stop whatever listens there "
            "(another `make run`?) or choose another port with DYNAMODB_PORT"
        )
    data_dir.mkdir(parents=True, exist_ok=True)
    if store_is_locked(data_dir):
        raise StartError(
            f"{data_dir} is in use by another dynalite (its LevelDB LOCK is held): "
            "stop the other `make run`, or use another --data-dir"
        )
    args = [str(binary), "--host", HOST, "--port", str(port), "--path", str(data_dir)]
    args += ["--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"]
    return spawn(args, log=log)


def _dynamodb_answers(endpoint: str) -> bool:
    """True when a DynamoDB server at endpoint lists its tables.

    dynalite checks that a signature is present, not that it is right, so a dummy one reaches
    the store: a LevelDB directory that cannot be opened then fails here, not in a later call.
    """
    now = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    request = urllib.request.Request(
        endpoint,
        data=b"{}",
        method="POST",
        headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDB_20120810.ListTables",
            "X-Amz-Date": now,
            "Authorization": (
                f"AWS4-HMAC-SHA256 Credential=local/{now[:8]}/eu-west-1/dynamodb/aws4_request, "
                "SignedHeaders=host;x-amz-date;x-amz-target, Signature=0"
            ),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=2) as response:
            return "TableNames" in json.loads(response.read())
    except (OSError, ValueError):  # HTTPError is an OSError
        return False


def _http_answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def wait_until_ready(
    proc: subprocess.Popen[bytes], name: str, probe: str, url: str, timeout: float = 30.0
) -> None:
    """Poll url until it answers; StartError if proc exits first or the time runs out.

    probe is "dynamodb" (a DynamoDB ListTables call) or "http" (any HTTP response).
    """
    check = _dynamodb_answers if probe == "dynamodb" else _http_answers
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise StartError(f"{name} exited with status {proc.returncode} before it was ready")
        if check(url):
            # The port may answer from another process that held it first: make sure ours lives.
            time.sleep(0.1)
            if proc.poll() is not None:
                raise StartError(f"{name} exited with status {proc.returncode} while starting")
            return
        time.sleep(0.1)
    raise StartError(f"{name} did not answer on {url} within {timeout:.0f} s")


def stop(proc: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    """Stop proc's whole process group: SIGTERM, then SIGKILL after timeout. Idempotent."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    # The leader is gone; make sure nothing else in its group survived it.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
