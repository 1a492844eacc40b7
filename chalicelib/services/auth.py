"""Use cases of authentication and tenancy: who is calling, what they may reach, and the
lifecycle of tokens (made with an expiry, listed without their secret, revoked at once).

No token is cached anywhere: every request looks its token up by hash, so a revoked or expired
token is refused (401) from the next request on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.config import Settings
from chalicelib.errors import (
    ForbiddenError,
    NotFoundError,
    RequestValidationError,
    UnauthenticatedError,
)
from chalicelib.messages import msg
from chalicelib.models.region import TokenIn
from chalicelib.models.responses import Token, TokenList
from chalicelib.services.quotas import Quotas
from chalicelib.services.regions import Regions
from chalicelib.storage.ports import Role, Storage, TokenRecord


@dataclass(frozen=True)
class Principal:
    """Who is calling: a role, and for the `region` role the one region it may touch."""

    role: Role
    region_id: str | None = None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_view(record: TokenRecord) -> dict[str, Any]:
    """A token as it is listed: never its secret (nor its hash)."""
    return {
        "token_id": record.token_id,
        "role": record.role,
        "region_id": record.region_id,
        "label": record.label,
        "created_at": record.created_at,
        "expires_at": record.expires_at,
    }


class Auth:
    """Bearer tokens: the deployment's admin token, and tokens stored by their hash only."""

    def __init__(
        self,
        storage: Storage,
        settings: Settings,
        regions: Regions,
        clock: Callable[[], dt.datetime],
        new_id: Callable[[], str],
    ) -> None:
        self.storage = storage
        self.settings = settings
        self.regions = regions
        self.clock = clock
        self.new_id = new_id
        self.quotas = Quotas(storage, settings, clock)

    def _now(self) -> dt.datetime:
        now = self.clock()
        return now if now.tzinfo is not None else now.replace(tzinfo=dt.UTC)

    def authenticate(self, authorization: str | None) -> Principal:
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise UnauthenticatedError(msg("error.no_token"))
        admin = self.settings.admin_token
        if admin is not None and hmac.compare_digest(token.encode(), admin.encode()):
            return Principal("admin")
        record = self.storage.get_token(token_hash(token))
        if record is None:
            raise UnauthenticatedError(msg("error.token_invalid"))
        if record.expires_at is None or dt.datetime.fromisoformat(record.expires_at) <= self._now():
            raise UnauthenticatedError(msg("error.token_expired"))
        if record.role == "region" and record.region_id is not None:
            self.quotas.count(record.region_id)  # 429 over the region's rate
        return Principal(record.role, record.region_id)

    def authorize(
        self, principal: Principal, roles: tuple[Role, ...], region_id: str | None = None
    ) -> None:
        """Refuse a missing role, and a region token on another region's data."""
        if principal.role == "admin":
            return
        if principal.role not in roles:
            raise ForbiddenError(msg("error.role_needed", roles=list(roles)))
        if (
            principal.role == "region"
            and region_id is not None
            and principal.region_id != region_id
        ):
            raise ForbiddenError(msg("error.other_region"))

    def create_token(self, region_id: str | None, body: TokenIn) -> Token:
        if region_id is not None:
            self.regions.get_region(region_id)
            if body.role != "region":
                raise RequestValidationError(
                    msg("error.region_token_role"),
                    [
                        {
                            "path": "/role",
                            "code": "literal_error",
                            "message": msg("detail.role_region"),
                        }
                    ],
                )
        elif body.role == "region":
            raise RequestValidationError(
                msg("error.region_token_path"),
                [
                    {
                        "path": "/role",
                        "code": "literal_error",
                        "message": msg("detail.role_national"),
                    }
                ],
            )
        token = "tw_" + secrets.token_urlsafe(32)
        now = self._now().replace(microsecond=0)
        expires = now + dt.timedelta(days=body.expires_in_days)
        record = TokenRecord(token_hash(token), body.role, region_id, body.label, self.new_id(),
                             now.isoformat(), expires.isoformat())  # fmt: skip
        self.storage.put_token(record)
        return Token.model_validate({"token": token, **token_view(record)})

    def list_tokens(self, region_id: str | None) -> TokenList:
        """A region's tokens, or (None) the ministry and admin tokens; expired ones too (until
        the table's TTL removes them), marked by `expires_at`."""
        if region_id is not None:
            self.regions.get_region(region_id)
        items = [token_view(t) for t in self.storage.list_tokens(region_id)]
        return TokenList.model_validate({"items": items})

    def revoke_token(self, region_id: str | None, token_id: str) -> None:
        """Delete the token: the next request with it is a 401."""
        if not self.storage.delete_token(region_id, token_id):
            if region_id:
                raise NotFoundError(
                    msg("error.no_token_in_region", token=token_id, region=region_id)
                )
            raise NotFoundError(msg("error.no_national_token", token=token_id))
