"""Settings read from the environment, once, by the composition root (never at import)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict

STAGE = "TOEWIJZING_STAGE"
TABLE = "TOEWIJZING_TABLE"
STORAGE = "TOEWIJZING_STORAGE"
ADMIN_TOKEN = "TOEWIJZING_ADMIN_TOKEN"
LOCAL_ADMIN_TOKEN = "local-admin-token"


class Settings(BaseModel):
    """The service's configuration; `admin_token` exists only in the local stage."""

    model_config = ConfigDict(frozen=True)

    stage: str
    table_name: str
    storage: Literal["dynamodb", "memory"]
    admin_token: str | None

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        stage = environ.get(STAGE, "dev")
        admin = environ.get(ADMIN_TOKEN, LOCAL_ADMIN_TOKEN) if stage == "local" else None
        storage = environ.get(STORAGE, "dynamodb")
        return cls(
            stage=stage,
            table_name=environ.get(TABLE, "toewijzing"),
            storage="memory" if storage == "memory" else "dynamodb",
            admin_token=admin or None,
        )
