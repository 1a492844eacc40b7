"""Run the service locally: dynalite (a DynamoDB server keeping its data on disk) plus `chalice
local`. This is `make run`; it installs nothing itself (the Makefile target does).

    python scripts/run_local.py [--data-dir DIR]

Environment: PORT (the API, default 8000), DYNAMODB_PORT (dynalite, default 8001),
TOEWIJZING_ADMIN_TOKEN (default local-admin-token; only the local stage honours it).
The table (named in `.chalice/config.json`, stage `local`) is created on first start. Ctrl-C or
SIGTERM stops both servers and exits 0; a server that fails to start or dies exits 1.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from localdev import (
    HOST,
    ROOT,
    StartError,
    port_is_free,
    spawn,
    start_dynalite,
    stop,
    wait_until_ready,
)

sys.path.insert(0, str(ROOT))

from chalicelib.storage.schema import ensure_table

STAGE = "local"
REGION = "eu-west-1"
FAKE_CREDENTIAL = "local"
DEFAULT_ADMIN_TOKEN = "local-admin-token"
DEFAULT_TABLE = "toewijzing-local"
SWEEP_SECONDS = 30  # how often the server looks for stalled batches


def _ignore_signals() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    _ignore_signals()  # once is enough: unwind to run(), which stops the children
    # SIGTERM too: both end in the same clean stop.
    raise KeyboardInterrupt(signal.Signals(signum).name)


def stage_table_name() -> str:
    """The table the local stage uses: `chalice local` sets the stage's variables itself."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    variables = config["stages"][STAGE].get("environment_variables", {})
    return str(variables.get("TOEWIJZING_TABLE", DEFAULT_TABLE))


def env_port(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    if not value:
        return default
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise StartError(f"{name}={value!r} is not a port number")
    return int(value)


def child_environment(
    endpoint: str, table: str, admin_token: str, blob_dir: Path
) -> dict[str, str]:
    env = dict(os.environ)
    # Never reach real AWS: no profile, no session token, fake keys, the local endpoint.
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        env.pop(name, None)
    env.update(
        {
            "AWS_ENDPOINT_URL_DYNAMODB": endpoint,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": FAKE_CREDENTIAL,
            "AWS_SECRET_ACCESS_KEY": FAKE_CREDENTIAL,
            "TOEWIJZING_STAGE": STAGE,
            "TOEWIJZING_STORAGE": "dynamodb",
            "TOEWIJZING_TABLE": table,
            "TOEWIJZING_ADMIN_TOKEN": admin_token,
            "TOEWIJZING_DYNAMODB_TRANSACTIONS": "off",  # dynalite has no TransactWriteItems
            # Batch bodies beside the database, so that a restart finds them; the sweeper
            # queues the work of unfinished batches again at start (chalicelib/wiring.py).
            "TOEWIJZING_BLOB_DIR": str(blob_dir),
            "TOEWIJZING_SWEEP_SECONDS": str(SWEEP_SECONDS),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def create_table(endpoint: str, table: str) -> bool:
    """Create the table on the local server unless it exists; True if created."""
    client = boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=FAKE_CREDENTIAL,
        aws_secret_access_key=FAKE_CREDENTIAL,
    )
    try:
        return ensure_table(client, table)
    except (BotoCoreError, ClientError) as exc:
        raise StartError(f"could not create table {table} on {endpoint}: {exc}") from exc


def chalice_bin() -> Path:
    venv = ROOT / ".venv" / "bin" / "chalice"
    return venv if venv.exists() else Path(sys.executable).parent / "chalice"


def shown(path: Path) -> Path:
    try:
        return path.relative_to(ROOT)
    except ValueError:
        return path


def banner(api: str, admin_token: str, endpoint: str, table: str, data_dir: Path) -> str:
    return "\n".join(
        [
            "",
            "toewijzing is running (stage local)",
            f"  API          {api}    (try {api}/v1/health)",
            f"  admin token  {admin_token}    (header: Authorization: Bearer {admin_token})",
            f"  DynamoDB     {endpoint}    table {table}, data in {shown(data_dir)}/",
            f"  batches      bodies in {shown(blob_dir(data_dir))}/",
            "Press Ctrl-C to stop both servers.",
            "",
        ]
    )


def blob_dir(data_dir: Path) -> Path:
    """Where batch bodies are kept: `batches/` beside the database's directory."""
    return data_dir.parent / "batches"


def run(data_dir: Path) -> int:
    api_port = env_port("PORT", 8000)
    dynamodb_port = env_port("DYNAMODB_PORT", 8001)
    if api_port == dynamodb_port:
        raise StartError(f"PORT and DYNAMODB_PORT are both {api_port}: choose two ports")
    if not port_is_free(api_port):
        raise StartError(
            f"port {api_port} on {HOST} is already in use: stop whatever listens there "
            "(another `make run`?) or choose another port with PORT"
        )
    table = stage_table_name()
    admin_token = os.environ.get("TOEWIJZING_ADMIN_TOKEN") or DEFAULT_ADMIN_TOKEN
    endpoint = f"http://{HOST}:{dynamodb_port}"
    api = f"http://{HOST}:{api_port}"

    children: list[subprocess.Popen[bytes]] = []
    try:
        dynalite = start_dynalite(dynamodb_port, data_dir)
        children.append(dynalite)
        wait_until_ready(dynalite, "dynalite", "dynamodb", endpoint)
        if create_table(endpoint, table):
            print(f"created table {table}", flush=True)

        command = [str(chalice_bin()), "local", "--stage", STAGE, "--no-autoreload"]
        command += ["--host", HOST, "--port", str(api_port)]
        env = child_environment(endpoint, table, admin_token, blob_dir(data_dir))
        chalice = spawn(command, env=env)
        children.append(chalice)
        wait_until_ready(chalice, "chalice local", "http", f"{api}/v1/health")
        print(banner(api, admin_token, endpoint, table, data_dir), flush=True)

        while all(child.poll() is None for child in children):
            time.sleep(0.2)
        dead = next(child for child in children if child.poll() is not None)
        name = "dynalite" if dead is dynalite else "chalice local"
        print(f"{name} exited with status {dead.returncode}; stopping", file=sys.stderr)
        return 1
    except KeyboardInterrupt as why:
        print(f"\n{why}: stopping chalice local and dynalite", flush=True)
        return 0
    finally:
        _ignore_signals()  # a second Ctrl-C must not interrupt the clean-up
        for child in reversed(children):
            stop(child)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=ROOT / ".data" / "dynalite",
        help="where dynalite keeps its LevelDB store (default .data/dynalite); batch bodies "
        "are kept in batches/ beside it",
    )
    args = parser.parse_args(argv)
    # Explicit handlers: a shell starts background jobs with SIGINT ignored, which Python keeps.
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        return run(args.data_dir.resolve())
    except StartError as exc:
        print(f"run_local: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # before anything was started
        return 0


if __name__ == "__main__":
    sys.exit(main())
