"""Use cases of decisions: decide and store (idempotently, numbered), read, list; the health
data kept apart; and deciding under the national criteria alone (no region, no storage).

Pure of chalice; storage comes in through the port, time through `clock`, ids through `new_id`.

Health data: a decision's explanation shows, per condition, the measured value (`actual`: an IQ,
delays, SEP indicators). Those are health data (WVO 2020 art. 2.47 lid 16): the stored decision
keeps its explanation without them, and a separate health record keeps them with the dossier
until three years after the decision. Reads put them back while the record is kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Callable
from functools import cache
from typing import Any

from pydantic import TypeAdapter

from chalicelib.domain.in_force import decide_in_force, national_in_force
from chalicelib.errors import (
    AlreadyExistsError,
    ConflictError,
    IdempotencyKeyHeldError,
    InvalidCursorError,
    NotFoundError,
    RequestValidationError,
    ServiceUnavailableError,
)
from chalicelib.messages import msg
from chalicelib.models.decision import Decision, Evaluation
from chalicelib.models.request import DecisionRequest
from chalicelib.models.responses import DecisionPage
from chalicelib.services.criteria import Criteria
from chalicelib.services.regions import Regions
from chalicelib.storage.ports import IdempotencyRecord, Storage, StoredDecision

log = logging.getLogger("toewijzing")
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
HEALTH_RETENTION_YEARS = 3  # WVO 2020 art. 2.47 lid 16
YEARS_AHEAD = 10  # an application date later than this after today is a mistake, not a plan


@cache
def decisions_adapter() -> TypeAdapter[Decision]:
    """Built on first use rather than at import (cold start)."""
    return TypeAdapter(Decision)


def decide_national(request: DecisionRequest, framework_id: str = "enacted") -> Evaluation:
    """Decide under the national criteria of the phase in force on the application date: the
    mechanism the API uses for a region without criteria of its own, for the command line and
    the case tables.

    Raises:
        NoLegalPhaseError: the date lies before 2016-01-01.
        NoCriteriaInForceError: the phase has no national criteria for the arrangement
            (the `loslaten` phase of `kamerbrief-2014`: the region's own criteria apply).
    """
    return decide_in_force(request, national_in_force(framework_id, request.application.date))


class Decisions:
    """Decisions of regions, on the storage port."""

    def __init__(
        self,
        storage: Storage,
        regions: Regions,
        criteria: Criteria,
        clock: Callable[[], dt.datetime],
        new_id: Callable[[], str],
    ) -> None:
        self.storage = storage
        self.regions = regions
        self.criteria = criteria
        self.clock = clock
        self.new_id = new_id

    def today(self) -> dt.date:
        return self.clock().date()

    def evaluate(self, region_id: str, request: DecisionRequest, framework: str) -> Evaluation:
        """The decision under the criteria in force for this region on the application date."""
        criteria = self.criteria.in_force(region_id, request.application.date, framework)
        return decide_in_force(request, criteria)

    def create_decision(
        self,
        region_id: str,
        request: DecisionRequest,
        idempotency_key: str | None,
        framework: str = "enacted",
    ) -> tuple[Decision, bool]:
        """Decide, number and store; returns the decision and whether it is a replay.

        With an `Idempotency-Key`, the first decision made with that key is returned again for
        the same body, and a different body is refused (409). A stored decision is never
        overwritten: every write is conditional.
        """
        self.regions.get_region(region_id)
        self.check_application_date(request.application.date)
        evaluation = self.evaluate(region_id, request, framework)
        claim = None
        if idempotency_key is not None:
            claim = self._claim(region_id, idempotency_key, request, framework, self.new_id())
        decision_id = self.new_id() if claim is None else claim.decision_id
        try:
            stored = self._number_and_store(region_id, decision_id, request, evaluation, claim)
            replayed = False
        except IdempotencyKeyHeldError as held:
            if claim is None or held.body_hash != claim.body_hash:
                raise ConflictError(msg("error.idempotency_reused")) from None
            stored, replayed = self._replay(region_id, held.decision_id, request, evaluation)
        return decisions_adapter().validate_python(join_health_data(stored)), replayed

    def _replay(
        self, region_id: str, decision_id: str, request: DecisionRequest, evaluation: Evaluation
    ) -> tuple[StoredDecision, bool]:
        """The decision `decision_id` of an earlier request with the same key and body, and
        True; or, when that request died between its claim and its decision (possible only
        where the writes are not one transaction), this decision stored under that id, and
        False."""
        existing = self.storage.get_decision(region_id, decision_id, self.today())
        if existing is None:
            stored = self._number_and_store(region_id, decision_id, request, evaluation, None)
            return stored, False
        # the first request may have died before counting its change: count it
        self._count_change(region_id)
        return existing, True

    def check_application_date(self, date: dt.date) -> None:
        """Not absurdly far ahead (before 2016 is the framework's own 422, no_legal_phase)."""
        latest = years_after(self.today(), YEARS_AHEAD)
        if date > latest:
            raise RequestValidationError(
                msg("error.date_ahead", date=date.isoformat(), years=YEARS_AHEAD,
                    latest=latest.isoformat()),
                [{"path": "/application/date", "code": "date_range",
                  "message": msg("detail.date_ahead", latest=latest.isoformat())}],
            )  # fmt: skip

    def _count_change(self, region_id: str) -> None:
        """Count the stored decision for the statistics snapshots (after the write; KEYS.md).
        The decision is stored: an outage now does not make its request fail; the region's
        next counted change (or a replay) includes it."""
        try:
            self.storage.touch_statistics(region_id)
        except ServiceUnavailableError:
            log.warning("statistics change not counted; the next change counts it")

    def _claim(
        self, region_id: str, key: str, request: DecisionRequest, framework: str, decision_id: str
    ) -> IdempotencyRecord:
        """The claim of `key` for a new decision id, with the hash of what the decision
        depends on: the body and the framework (`?framework=`)."""
        if not IDEMPOTENCY_KEY.match(key):
            raise RequestValidationError(
                msg("error.idempotency_key"),
                [{"path": "", "code": "idempotency_key", "message": msg("detail.idempotency_key")}],
            )
        fingerprint = f"{framework}\n{request.model_dump_json()}"
        body_hash = hashlib.sha256(fingerprint.encode()).hexdigest()
        return IdempotencyRecord(region_id, key, body_hash, decision_id)

    def _number_and_store(
        self,
        region_id: str,
        decision_id: str,
        request: DecisionRequest,
        evaluation: Evaluation,
        claim: IdempotencyRecord | None,
    ) -> StoredDecision:
        """Number, then store (with the claim): a replay found only at the store leaves its
        number unused, a gap, never a duplicate (KEYS.md "Storing a decision")."""
        year = evaluation.decided_on.year
        number = self.storage.next_volgnummer(region_id, year)
        stored, expires_at = self.stored_decision(
            region_id, decision_id, request, evaluation, number
        )
        try:
            self.storage.store_decision(stored, expires_at, claim)
        except AlreadyExistsError:
            # Another request with the same idempotency key stored it first: return that one.
            existing = self.storage.get_decision(region_id, decision_id, self.today())
            if existing is None:
                raise ConflictError(msg("error.decision_being_stored")) from None
            return existing
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

    def get_decision(self, region_id: str, decision_id: str) -> Decision:
        stored = self.storage.get_decision(region_id, decision_id, self.today())
        if stored is None:
            raise NotFoundError(msg("error.no_decision", region=region_id, decision=decision_id))
        return decisions_adapter().validate_python(join_health_data(stored))

    def list_decisions(
        self, region_id: str, student_ref: str, cursor: str | None, limit: int
    ) -> DecisionPage:
        try:
            page = self.storage.list_decisions(region_id, student_ref, self.today(), limit, cursor)
        except InvalidCursorError as exc:
            raise RequestValidationError(
                msg("error.cursor"),
                [{"path": "?cursor", "code": "cursor", "message": msg("detail.cursor")}],
            ) from exc
        items = [join_health_data(d) for d in page.items]
        return DecisionPage.model_validate({"items": items, "next": page.next_cursor})


# Health data


def years_after(date: dt.date, years: int) -> dt.date:
    try:
        return date.replace(year=date.year + years)
    except ValueError:  # 29 February
        return date.replace(year=date.year + years, day=28)


def split_health_data(document: dict[str, Any]) -> tuple[dict[str, Any], list[list[Any]]]:
    """The decision without the measured values of its explanation, and those values."""
    actuals: list[list[Any]] = []
    routes = []
    for route in document["explanation"]:
        actuals.append([c["actual"] for c in route["conditions"]])
        routes.append({**route, "conditions": [{**c, "actual": None} for c in route["conditions"]]})
    return {**document, "explanation": routes}, actuals


def join_health_data(stored: StoredDecision) -> dict[str, Any]:
    """The decision as the API shows it: measured values back in while they are kept."""
    document = stored.document
    if stored.health is None:
        return document
    routes = [
        {
            **route,
            "conditions": [
                {**c, "actual": a} for c, a in zip(route["conditions"], values, strict=True)
            ],
        }
        for route, values in zip(document["explanation"], stored.health["actuals"], strict=True)
    ]
    return {**document, "explanation": routes}
