"""The composition root: builds the services once, lazily, from the environment.

Nothing here runs at import: moto must start its mocks before a boto3 client exists, and a
Lambda cold start should pay for boto3 only when a route needs the database. Tests call
`override()` to put in their own services.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid

from chalicelib.config import Settings
from chalicelib.services import Services
from chalicelib.storage.memory import MemoryStorage
from chalicelib.storage.ports import Storage

_services: Services | None = None


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_id() -> str:
    return uuid.uuid4().hex


def dynamodb_storage(settings: Settings) -> Storage:
    import boto3  # imported here: boto3 costs ~150 ms of cold start
    from botocore.config import Config

    from chalicelib.storage.dynamodb import DynamoStorage

    config = Config(
        retries={"mode": "standard", "max_attempts": 4},
        connect_timeout=2,
        read_timeout=5,
    )
    return DynamoStorage(boto3.client("dynamodb", config=config), settings.table_name)


def build(settings: Settings) -> Services:
    storage = MemoryStorage() if settings.storage == "memory" else dynamodb_storage(settings)
    return Services(storage, settings, utc_now, new_id)


def services() -> Services:
    global _services
    if _services is None:
        _services = build(Settings.from_env(os.environ))
    return _services


def override(replacement: Services | None) -> None:
    """Use these services (tests); None goes back to building them from the environment."""
    global _services
    _services = replacement
