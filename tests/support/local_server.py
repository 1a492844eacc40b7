"""The whole local stack (`scripts/run_local.py`: dynalite + `chalice local`) for end-to-end tests.

    with LocalServer(tmp_path / "dynalite") as server:
        urllib.request.urlopen(f"{server.url}/v1/health")
        server.stop()                     # SIGINT, as Ctrl-C would; returns the exit status
        server.start()                    # again on the same data dir (new free ports)

Each start picks free ports (PORT, DYNAMODB_PORT) and waits until GET /v1/health is 200.
run_local.py runs in its own session so that our SIGINT reaches it alone; it must then stop its
children itself, which is what the tests check.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

from scripts.localdev import HOST, ROOT, dynalite_bin, free_port, stop
from tests.support.dynalite import FAKE_CREDENTIAL, REGION, dynamodb_client

RUN_LOCAL = ROOT / "scripts" / "run_local.py"


class LocalServerError(RuntimeError):
    """The stack did not come up, or did not go down cleanly."""


def local_table_name() -> str:
    """The table the local stage uses (`.chalice/config.json`, stage `local`)."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    return str(config["stages"]["local"]["environment_variables"]["TOEWIJZING_TABLE"])


def child_pids(pid: int) -> list[int]:
    """The direct children of pid (Linux /proc)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            # The command name (field 2) may hold spaces; fields after its ')' are fixed.
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                children.append(int(stat.parent.name))
    return children


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):  # a zombie has exited: count it as gone
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    return True


class LocalServer:
    """`scripts/run_local.py --data-dir DATA_DIR` in a subprocess."""

    def __init__(self, data_dir: Path, timeout: float = 60.0) -> None:
        dynalite_bin()  # fail early and clearly when `make install-node` was not run
        self.data_dir = data_dir
        self.timeout = timeout
        self.port = 0
        self.dynamodb_port = 0
        self.children: list[int] = []
        self._proc: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir.with_name(f"{data_dir.name}.run_local.log")

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def dynamodb_endpoint(self) -> str:
        return f"http://{HOST}:{self.dynamodb_port}"

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def environment(self) -> dict[str, str]:
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith(("AWS_", "TOEWIJZING_"))
        }
        env.update(
            PORT=str(self.port),
            DYNAMODB_PORT=str(self.dynamodb_port),
            AWS_DEFAULT_REGION=REGION,
            AWS_ACCESS_KEY_ID=FAKE_CREDENTIAL,
            AWS_SECRET_ACCESS_KEY=FAKE_CREDENTIAL,
            PYTHONUNBUFFERED="1",
        )
        return env

    def start(self) -> str:
        """Start the stack on free ports and wait for GET /v1/health == 200; returns the URL."""
        if self._proc is not None and self._proc.poll() is None:
            return self.url
        self.port, self.dynamodb_port = free_port(), free_port()
        while self.dynamodb_port == self.port:
            self.dynamodb_port = free_port()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self._proc = subprocess.Popen(
                [sys.executable, str(RUN_LOCAL), "--data-dir", str(self.data_dir)],
                cwd=ROOT,
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait_healthy()
        except BaseException:
            self.kill()
            raise
        self.children = child_pids(self._proc.pid)
        return self.url

    def _wait_healthy(self) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise LocalServerError(
                    f"run_local.py exited with status {self._proc.returncode} before it was "
                    f"healthy\n--- log ---\n{self.log()}"
                )
            if self.health_status() == 200:
                return
            time.sleep(0.2)
        raise LocalServerError(
            f"GET {self.url}/v1/health was not 200 within {self.timeout:.0f} s\n"
            f"--- log ---\n{self.log()}"
        )

    def health_status(self) -> int | None:
        try:
            with urllib.request.urlopen(f"{self.url}/v1/health", timeout=2) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)
        except OSError:
            return None

    def stop(self, timeout: float = 20.0) -> int | None:
        """Send SIGINT (as Ctrl-C would) and wait; returns run_local.py's exit status.

        If it does not exit in time, kill it and its children and raise LocalServerError.
        """
        if self._proc is None:
            return None
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGINT)
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired as exc:
                self.kill()
                raise LocalServerError(
                    f"run_local.py did not stop within {timeout:.0f} s of SIGINT\n"
                    f"--- log ---\n{self.log()}"
                ) from exc
        return self._proc.returncode

    def kill(self) -> None:
        """Last resort: kill run_local.py and the process groups of its children."""
        if self._proc is None:
            return
        groups = set(self.children) | set(child_pids(self._proc.pid))
        stop(self._proc, timeout=5)
        for pid in groups:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)

    def log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-6000:]
        except FileNotFoundError:
            return ""

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.stop()
        finally:
            self.kill()

    def dynamodb_client(self, **kwargs: Any) -> Any:
        """A boto3 DynamoDB client for the stack's dynalite, with fake credentials."""
        return dynamodb_client(self.dynamodb_endpoint, **kwargs)
