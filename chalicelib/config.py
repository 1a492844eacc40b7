"""Settings read from the environment, once, by the composition root (never at import).

A NamedTuple, not a pydantic model or a dataclass: `app.py` imports this module for the queue
name, and `import app` loads neither pydantic nor dataclasses (chalicelib/wiring.py says why).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, NamedTuple

STAGE = "TOEWIJZING_STAGE"
TABLE = "TOEWIJZING_TABLE"
STORAGE = "TOEWIJZING_STORAGE"
ADMIN_TOKEN = "TOEWIJZING_ADMIN_TOKEN"
BUCKET = "TOEWIJZING_BUCKET"
QUEUE_URL = "TOEWIJZING_QUEUE_URL"
BLOB_DIR = "TOEWIJZING_BLOB_DIR"
PSEUDONYM_KEY = "TOEWIJZING_PSEUDONYM_KEY"
REGION_QUOTA = "TOEWIJZING_REGION_QUOTA"  # requests per region per quota window
QUOTA_WINDOW = "TOEWIJZING_QUOTA_WINDOW_SECONDS"
# "off" where the DynamoDB server has no TransactWriteItems: dynalite, the local server
TRANSACTIONS = "TOEWIJZING_DYNAMODB_TRANSACTIONS"
DEFAULT_REGION_QUOTA, DEFAULT_QUOTA_WINDOW = 600, 60  # 10 requests/s on average, per region
LOCAL_ADMIN_TOKEN = "local-admin-token"
LOCAL_PSEUDONYM_KEY = "local-pseudonym-key"
BATCH_QUEUE_NAME = "toewijzing-batches"  # the worker's SQS queue (resources.json)


class Settings(NamedTuple):
    """The service's configuration; `admin_token` exists only in the local stage."""

    stage: str
    table_name: str
    storage: Literal["dynamodb", "memory"]
    admin_token: str | None
    bucket: str | None = None
    queue_url: str | None = None
    blob_dir: str | None = None
    pseudonym_key: str | None = None
    region_quota: int = DEFAULT_REGION_QUOTA
    quota_window: int = DEFAULT_QUOTA_WINDOW
    transactions: bool = True

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        stage = environ.get(STAGE, "dev")
        admin = environ.get(ADMIN_TOKEN, LOCAL_ADMIN_TOKEN) if stage == "local" else None
        storage = environ.get(STORAGE, "dynamodb")
        local = stage in ("local", "test", "cli")
        return cls(
            stage=stage,
            table_name=environ.get(TABLE, "toewijzing"),
            storage="memory" if storage == "memory" else "dynamodb",
            admin_token=admin or None,
            bucket=environ.get(BUCKET) or None,
            queue_url=environ.get(QUEUE_URL) or None,
            blob_dir=environ.get(BLOB_DIR) or None,
            pseudonym_key=environ.get(PSEUDONYM_KEY) or (LOCAL_PSEUDONYM_KEY if local else None),
            region_quota=_positive(environ.get(REGION_QUOTA), DEFAULT_REGION_QUOTA),
            quota_window=_positive(environ.get(QUOTA_WINDOW), DEFAULT_QUOTA_WINDOW),
            transactions=environ.get(TRANSACTIONS, "on") != "off",
        )


def _positive(value: str | None, default: int) -> int:
    """A whole number above 0 from the environment; the default when unset or not one."""
    return int(value) if value is not None and value.isdigit() and int(value) > 0 else default
