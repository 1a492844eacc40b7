"""Use cases behind the HTTP routes: authorization, regions, tokens and decisions.

Pure of chalice; storage comes in through the port, time through `clock`, ids through `new_id`.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import hmac
import re
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import TypeAdapter

from chalicelib.config import Settings
from chalicelib.domain.in_force import decide_in_force
from chalicelib.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    RequestValidationError,
    ServiceUnavailableError,
    UnauthenticatedError,
)
from chalicelib.models.criteria import CriteriaDefinition
from chalicelib.models.decision import Decision, Evaluation
from chalicelib.models.optout import OptOutNotice
from chalicelib.models.region import Region, RegionIn, TokenIn
from chalicelib.models.request import DecisionRequest
from chalicelib.services.criteria import Regional
from chalicelib.services.health_data import (
    HEALTH_RETENTION_YEARS,
    join_health_data,
    split_health_data,
    years_after,
)
from chalicelib.storage.ports import (
    AlreadyExistsError,
    IdempotencyRecord,
    InvalidCursorError,
    Role,
    Storage,
    StorageUnavailableError,
    StoredDecision,
    TokenRecord,
)

CACHEABLE_READS = frozenset({"get_region", "list_region_documents"})
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
PAGE_LIMIT_MAX = 100


@cache
def decisions_adapter() -> TypeAdapter[Decision]:
    """Built on first use rather than at import (cold start)."""
    return TypeAdapter(Decision)


@dataclass(frozen=True)
class Principal:
    """Who is calling: a role, and for the `region` role the one region it may touch."""

    role: Role
    region_id: str | None = None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Services:
    """The application's use cases; one instance per process, built by `wiring`."""

    def __init__(
        self,
        storage: Storage,
        settings: Settings,
        clock: Callable[[], dt.datetime],
        new_id: Callable[[], str],
    ) -> None:
        self.storage = storage
        self.settings = settings
        self.clock = clock
        self.new_id = new_id
        self.regional = Regional(storage, self._storage)
        self._reads = threading.local()

    def today(self) -> dt.date:
        return self.clock().date()

    # Authentication and tenancy

    def authenticate(self, authorization: str | None) -> Principal:
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise UnauthenticatedError("Send an Authorization: Bearer <token> header.")
        admin = self.settings.admin_token
        if admin is not None and hmac.compare_digest(token.encode(), admin.encode()):
            return Principal("admin")
        record = self._storage(self.storage.get_token, token_hash(token))
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

    def _storage(self, operation: Callable[..., Any], *args: Any) -> Any:
        """Run a storage operation; an outage becomes a 503. Inside `cached_reads`, the
        region and its documents are read once."""
        cache: dict[tuple[Any, ...], Any] | None = getattr(self._reads, "cache", None)
        key = (getattr(operation, "__name__", ""), *args)
        if cache is not None and key[0] in CACHEABLE_READS:
            if key not in cache:
                cache[key] = self._call(operation, *args)
            return copy.deepcopy(cache[key])
        return self._call(operation, *args)

    @staticmethod
    def _call(operation: Callable[..., Any], *args: Any) -> Any:
        try:
            return operation(*args)
        except StorageUnavailableError as exc:
            raise ServiceUnavailableError(
                "The database is unavailable right now; retry in a few seconds."
            ) from exc

    @contextmanager
    def cached_reads(self) -> Iterator[None]:
        """Within this block (one chunk of a batch, on this thread) the region, its opt-outs
        and its criteria versions are read once, not once per row."""
        self._reads.cache = {}
        try:
            yield
        finally:
            self._reads.cache = None

    # Regions and tokens

    def put_region(self, region_id: str, body: RegionIn) -> tuple[dict[str, Any], bool]:
        region = Region(region_id=region_id, **body.model_dump())
        document = region.model_dump(mode="json")
        created: bool = self._storage(self.storage.put_region, document)
        return document, created

    def get_region(self, region_id: str) -> dict[str, Any]:
        region: dict[str, Any] | None = self._storage(self.storage.get_region, region_id)
        if region is None:
            raise NotFoundError(f"There is no region {region_id}.")
        return region

    def create_token(self, region_id: str | None, body: TokenIn) -> dict[str, str]:
        if region_id is not None:
            self.get_region(region_id)
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
        self._storage(self.storage.put_token, record)
        return {"token": token, "role": body.role}

    # Decisions

    def evaluate(self, region_id: str, request: DecisionRequest, framework: str) -> Evaluation:
        """The decision under the criteria in force for this region on the application date."""
        criteria = self.regional.in_force(region_id, request.application.date, framework)
        return decide_in_force(request, criteria)

    def create_decision(
        self,
        region_id: str,
        request: DecisionRequest,
        idempotency_key: str | None,
        framework: str = "enacted",
    ) -> tuple[dict[str, Any], bool]:
        """Decide, number and store; returns the decision and whether it is a replay.

        With an `Idempotency-Key`, the first decision made with that key is returned again for
        the same body, and a different body is refused (409). A stored decision is never
        overwritten: every write is conditional.
        """
        self.get_region(region_id)
        evaluation = self.evaluate(region_id, request, framework)
        decision_id = self.new_id()
        if idempotency_key is not None:
            claimed = self._claim(region_id, idempotency_key, request, decision_id)
            # A fresh claim holds our new id: nothing can be stored under it yet. An earlier
            # claim may have its decision stored (a replay), or not (the first request died).
            existing = None
            if claimed != decision_id:
                decision_id = claimed
                existing = self._storage(
                    self.storage.get_decision, region_id, decision_id, self.today()
                )
            if existing is not None:
                return join_health_data(existing), True
        stored = self._number_and_store(region_id, decision_id, request, evaluation)
        return join_health_data(stored), False

    def _claim(self, region_id: str, key: str, request: DecisionRequest, decision_id: str) -> str:
        if not IDEMPOTENCY_KEY.match(key):
            raise RequestValidationError(
                "The Idempotency-Key header must be 1-100 characters of A-Z a-z 0-9 . _ : -.",
                [{"path": "", "code": "idempotency_key", "message": "Invalid Idempotency-Key."}],
            )
        body_hash = hashlib.sha256(request.model_dump_json().encode()).hexdigest()
        claim = IdempotencyRecord(region_id, key, body_hash, decision_id)
        held: IdempotencyRecord = self._storage(self.storage.claim_idempotency, claim)
        if held.body_hash != body_hash:
            raise ConflictError(
                "This Idempotency-Key was used before with another body; use a new key."
            )
        return held.decision_id

    def _number_and_store(
        self, region_id: str, decision_id: str, request: DecisionRequest, evaluation: Evaluation
    ) -> StoredDecision:
        year = evaluation.decided_on.year
        number = self._storage(self.storage.next_volgnummer, region_id, year)
        stored, expires_at = self.stored_decision(
            region_id, decision_id, request, evaluation, number
        )
        try:
            self._storage(self.storage.put_decision, stored, expires_at)
        except AlreadyExistsError:
            # Another request with the same idempotency key stored it first: return that one.
            existing = self._storage(
                self.storage.get_decision, region_id, decision_id, self.today()
            )
            if existing is None:
                raise ConflictError("The decision is being stored by another request.") from None
            return existing  # type: ignore[no-any-return]
        return self.visible(stored)

    def stored_decision(
        self,
        region_id: str,
        decision_id: str,
        request: DecisionRequest,
        evaluation: Evaluation,
        number: int,
    ) -> tuple[StoredDecision, int]:
        """The decision as it is stored, with volgnummer `number`; and the epoch second its
        health record expires (the DynamoDB TTL)."""
        decided_on = evaluation.decided_on
        health_until = years_after(decided_on, HEALTH_RETENTION_YEARS)
        decision = Decision(
            decision_id=decision_id,
            volgnummer=f"{region_id}-{decided_on.year}-{number:06d}",
            region_id=region_id,
            student_ref=request.student.ref,
            health_data_until=health_until,
            school_brin=request.application.school_brin,
            **{f: getattr(evaluation, f) for f in evaluation.__dataclass_fields__},
        )
        document, actuals = split_health_data(
            decisions_adapter().dump_python(decision, mode="json")
        )
        health = {"actuals": actuals, "dossier": request.model_dump(mode="json")}
        stored = StoredDecision(
            region_id, decision_id, request.student.ref, decided_on, document, health, health_until
        )
        expires_at = int(dt.datetime.combine(health_until, dt.time(), dt.UTC).timestamp())
        return stored, expires_at

    def visible(self, stored: StoredDecision) -> StoredDecision:
        """As a reader sees it today: without health data once its retention has passed."""
        if self.today() >= stored.health_expires_on:
            return StoredDecision(**{**stored.__dict__, "health": None})
        return stored

    def get_decision(self, region_id: str, decision_id: str) -> dict[str, Any]:
        stored = self._storage(self.storage.get_decision, region_id, decision_id, self.today())
        if stored is None:
            raise NotFoundError(f"Region {region_id} has no decision {decision_id}.")
        return join_health_data(stored)

    def list_decisions(
        self, region_id: str, student_ref: str, cursor: str | None, limit: int
    ) -> dict[str, Any]:
        try:
            page = self._storage(
                self.storage.list_decisions, region_id, student_ref, self.today(), limit, cursor
            )
        except InvalidCursorError as exc:
            raise RequestValidationError(
                "The cursor is not one this service handed out.",
                [{"path": "?cursor", "code": "cursor", "message": str(exc)}],
            ) from exc
        return {"items": [join_health_data(d) for d in page.items], "next": page.next_cursor}

    # Opting out and the region's own criteria

    def region_body(self, region_id: str) -> RegionIn:
        region = self.get_region(region_id)
        return RegionIn.model_validate({k: v for k, v in region.items() if k != "region_id"})

    def put_opt_out(self, region_id: str, notice: OptOutNotice, framework: str) -> dict[str, Any]:
        return self.regional.put_opt_out(region_id, self.region_body(region_id), notice, framework)

    def opt_out(self, region_id: str, date: dt.date | None) -> dict[str, Any]:
        self.get_region(region_id)
        return self.regional.opt_out_view(region_id, date or self.today())

    def validate_criteria(
        self,
        region_id: str,
        definition: CriteriaDefinition,
        framework: str,
        date: dt.date | None = None,
    ) -> dict[str, Any]:
        self.get_region(region_id)
        phase, findings = self.regional.validate(region_id, definition, framework, date)
        return {
            "valid": not any(f.severity == "error" for f in findings),
            "framework": framework,
            "phase": {"id": phase.id, "effective_from": phase.effective_from.isoformat()},
            "findings": [f.model_dump(mode="json") for f in findings],
        }

    def store_criteria(
        self, region_id: str, definition: CriteriaDefinition, framework: str
    ) -> tuple[dict[str, Any], bool]:
        self.get_region(region_id)
        return self.regional.store(region_id, definition, framework, self.today())

    def list_criteria(self, region_id: str) -> dict[str, Any]:
        self.get_region(region_id)
        return {"items": self.regional.version_documents(region_id)}

    def criteria_in_force(self, region_id: str, date: dt.date, framework: str) -> dict[str, Any]:
        self.get_region(region_id)
        criteria = self.regional.in_force(region_id, date, framework)
        arrangements = {
            name: {
                "source": source.ref.source,
                "version_id": source.ref.version_id,
                "criteria": getattr(source.definition.arrangements, name).model_dump(mode="json"),
            }
            for name, source in criteria.sources.items()
        }
        sources = {a["source"] for a in arrangements.values()}
        return {
            "date": date.isoformat(),
            "framework": framework,
            "phase": {"id": criteria.phase.id},
            "source": "region" if "region" in sources else "national",
            "arrangements": arrangements,
        }

    def criteria_impact(
        self,
        region_id: str,
        candidate: CriteriaDefinition,
        dossiers: list[DecisionRequest] | None,
        framework: str,
        date: dt.date | None,
    ) -> dict[str, Any]:
        self.get_region(region_id)
        if dossiers is None:
            stored = self._storage(self.storage.list_dossiers, region_id, self.today())
            dossiers = [DecisionRequest.model_validate(h["dossier"]) for h in stored]
        return self.regional.impact(region_id, candidate, dossiers, framework, date)
