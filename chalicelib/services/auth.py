"""Use cases of authentication and tenancy: who is calling, what they may reach, new tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from chalicelib.config import Settings
from chalicelib.errors import ForbiddenError, RequestValidationError, UnauthenticatedError
from chalicelib.models.region import TokenIn
from chalicelib.services.regions import Regions
from chalicelib.storage.ports import Role, Storage, TokenRecord


@dataclass(frozen=True)
class Principal:
    """Who is calling: a role, and for the `region` role the one region it may touch."""

    role: Role
    region_id: str | None = None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Auth:
    """Bearer tokens: the deployment's admin token, and tokens stored by their hash only."""

    def __init__(self, storage: Storage, settings: Settings, regions: Regions) -> None:
        self.storage = storage
        self.settings = settings
        self.regions = regions

    def authenticate(self, authorization: str | None) -> Principal:
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise UnauthenticatedError("Send an Authorization: Bearer <token> header.")
        admin = self.settings.admin_token
        if admin is not None and hmac.compare_digest(token.encode(), admin.encode()):
            return Principal("admin")
        record = self.storage.get_token(token_hash(token))
        if record is None:
            raise UnauthenticatedError("The bearer token is not valid.")
        return Principal(record.role, record.region_id)

    def authorize(
        self, principal: Principal, roles: tuple[Role, ...], region_id: str | None = None
    ) -> None:
        """Refuse a missing role, and a region token on another region's data."""
        if principal.role == "admin":
            return
        if principal.role not in roles:
            raise ForbiddenError(f"This needs the role {' or '.join(roles)}.")
        if (
            principal.role == "region"
            and region_id is not None
            and principal.region_id != region_id
        ):
            raise ForbiddenError("A region token can only reach its own region's data.")

    def create_token(self, region_id: str | None, body: TokenIn) -> dict[str, str]:
        if region_id is not None:
            self.regions.get_region(region_id)
            if body.role != "region":
                raise RequestValidationError(
                    "A region's token has the role region.",
                    [{"path": "/role", "code": "literal_error", "message": "Use role region."}],
                )
        elif body.role == "region":
            raise RequestValidationError(
                "A region token is made with POST /v1/regions/{region_id}/tokens.",
                [{"path": "/role", "code": "literal_error", "message": "Use ministry or admin."}],
            )
        token = "tw_" + secrets.token_urlsafe(32)
        record = TokenRecord(token_hash(token), body.role, region_id, body.label)
        self.storage.put_token(record)
        return {"token": token, "role": body.role}
