"""Use cases of a region's own rules: opting out, criteria versions, impact of a change.

Storage-backed, pure of chalice. Documents are kept per region under a kind (`optout`,
`criteria`); nothing is overwritten: a new opt-out notice or criteria version is added.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

from pydantic import TypeAdapter

from chalicelib.domain.comparison import compare_to_national
from chalicelib.domain.conformance import check_criteria, region_may_set_criteria
from chalicelib.domain.eligibility import compile_criteria
from chalicelib.domain.in_force import (
    CriteriaInForce,
    CriteriaVersion,
    Source,
    compiled_side,
    decide_in_force,
    national_source,
    resolve,
    version_in_force,
)
from chalicelib.domain.optout import check_opt_out, opt_out_state
from chalicelib.domain.support_plan import plan_in_force
from chalicelib.errors import ConflictError, ToewijzingError
from chalicelib.legal.model import Phase
from chalicelib.legal.timeline import phase_at
from chalicelib.models.common import ARRANGEMENTS, Finding
from chalicelib.models.criteria import CriteriaDefinition
from chalicelib.models.optout import OptOutNotice
from chalicelib.models.region import RegionIn
from chalicelib.models.request import DecisionRequest
from chalicelib.models.support_plan import PlanPublication
from chalicelib.storage.ports import AlreadyExistsError, Storage


@cache
def notices_adapter() -> TypeAdapter[list[OptOutNotice]]:
    return TypeAdapter(list[OptOutNotice])


class OptOutNotPermittedError(ToewijzingError):
    code = "opt_out_not_permitted"


class CriteriaNotPermittedError(ToewijzingError):
    code = "criteria_not_permitted"


def content_hash(definition: CriteriaDefinition) -> str:
    """A stable hash of a definition's content (key order and spacing do not matter)."""
    canonical = json.dumps(
        definition.model_dump(mode="json"), sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def errors_in(findings: Sequence[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)


class Regional:
    """Opt-outs and criteria versions of regions, on the storage port."""

    def __init__(self, storage: Storage, call: Callable[..., Any]) -> None:
        self.storage = storage
        self._call = call  # runs a storage operation, turning outages into a 503

    # Opting out

    def opt_outs(self, region_id: str) -> list[OptOutNotice]:
        documents = self._call(self.storage.list_region_documents, region_id, "optout")
        return notices_adapter().validate_python(documents)

    def opt_out_view(self, region_id: str, date: dt.date) -> dict[str, Any]:
        history = self.opt_outs(region_id)
        state = opt_out_state(history, date)
        return {
            "region_id": region_id,
            "date": date.isoformat(),
            "scope": list(state.scope),
            "in_force": state.notice.model_dump(mode="json") if state.notice else None,
            "history": notices_adapter().dump_python(history, mode="json"),
        }

    def put_opt_out(
        self, region_id: str, region: RegionIn, notice: OptOutNotice, framework: str
    ) -> dict[str, Any]:
        phase = phase_at(framework, notice.effective_from)
        findings = check_opt_out(notice, region, phase)
        if errors_in(findings):
            raise OptOutNotPermittedError(
                "The opt-out is not permitted: see the findings.", findings=findings
            )
        try:
            self._call(
                self.storage.put_region_document,
                region_id,
                "optout",
                notice.effective_from.isoformat(),
                notice.model_dump(mode="json"),
            )
        except AlreadyExistsError as exc:
            raise ConflictError(
                f"An opt-out notice for {notice.effective_from.isoformat()} is already recorded; "
                "notices are history and are not replaced."
            ) from exc
        return self.opt_out_view(region_id, notice.effective_from)

    # Criteria versions

    def versions(self, region_id: str, framework: str) -> list[CriteriaVersion]:
        documents = self._call(self.storage.list_region_documents, region_id, "criteria")
        return [
            CriteriaVersion(d["version_id"], CriteriaDefinition.model_validate(d["definition"]))
            for d in documents
            if d["framework"] == framework
        ]

    def version_documents(self, region_id: str) -> list[dict[str, Any]]:
        documents: list[dict[str, Any]] = self._call(
            self.storage.list_region_documents, region_id, "criteria"
        )
        return documents

    def in_force(
        self,
        region_id: str,
        date: dt.date,
        framework: str,
        candidate: CriteriaVersion | None = None,
    ) -> CriteriaInForce:
        phase = phase_at(framework, date)
        scope = opt_out_state(self.opt_outs(region_id), date).scope
        versions = self.versions(region_id, framework)
        if phase.criteria_need_published_plan and candidate is None:
            # Phase data (kamerbrief-2014 `loslaten`): a stored version counts only while the
            # published support plan in force on the date records it, by content hash (plans.py).
            documents = self._call(self.storage.list_region_documents, region_id, "planpub")
            publications = [PlanPublication.model_validate(d) for d in documents]
            plan = plan_in_force(publications, framework, date)
            recorded = plan.criteria_hashes if plan else ()
            versions = [v for v in versions if content_hash(v.definition) in recorded]
        version = candidate or version_in_force(versions, date)
        national = national_source(phase.national_criteria.version)
        return resolve(framework, phase, date, scope, version, national)

    def validate(
        self,
        region_id: str,
        definition: CriteriaDefinition,
        framework: str,
        date: dt.date | None = None,
    ) -> tuple[Phase, list[Finding]]:
        """Every finding on the definition in the phase in force on `date` (by default its
        `effective_from`), given the region's opt-out state on that date."""
        date = date or definition.effective_from
        phase = phase_at(framework, date)
        history = self.opt_outs(region_id)
        scope = opt_out_state(history, date).scope
        reference = national_source(phase.national_criteria.comparison_version)
        binding = national_source(phase.national_criteria.version)
        findings = check_criteria(definition, phase, scope, binding.definition if binding else None)
        findings += _opt_out_changes(definition, history)
        if not errors_in(findings) and reference is not None:
            findings += self._comparison(definition, phase, scope, reference)
        return phase, findings

    def _comparison(
        self, definition: CriteriaDefinition, phase: Phase, scope: tuple[str, ...], ref: Source
    ) -> list[Finding]:
        national = compile_criteria(ref.definition, ref.ref)
        candidate = CriteriaVersion("candidate", definition)
        found: list[Finding] = []
        for arrangement in ARRANGEMENTS:
            if getattr(definition.arrangements, arrangement) is None:
                continue
            if not region_may_set_criteria(arrangement, phase, scope):
                continue
            criteria = resolve("", phase, definition.effective_from, scope, candidate, ref)
            region = compiled_side(arrangement, criteria)
            found += compare_to_national(arrangement, region, national, phase)
        return found

    def store(
        self, region_id: str, definition: CriteriaDefinition, framework: str, today: dt.date
    ) -> tuple[dict[str, Any], bool]:
        """Store a permitted definition as a new version; the same content again is a no-op."""
        phase, findings = self.validate(region_id, definition, framework)
        if errors_in(findings):
            raise CriteriaNotPermittedError(
                f"The criteria are not permitted in phase {phase.id}: see the findings.",
                findings=findings,
            )
        digest = content_hash(definition)
        version_id = f"{region_id}-{definition.effective_from.isoformat()}-{digest[:10]}"
        document = {
            "version_id": version_id,
            "framework": framework,
            "effective_from": definition.effective_from.isoformat(),
            "effective_until": (
                definition.effective_until.isoformat() if definition.effective_until else None
            ),
            "content_hash": digest,
            "stored_on": today.isoformat(),
            "phase": phase.id,
            "definition": definition.model_dump(mode="json"),
            "findings": [f.model_dump(mode="json") for f in findings],
        }
        try:
            self._call(
                self.storage.put_region_document, region_id, "criteria", version_id, document
            )
        except AlreadyExistsError:
            return next(
                d for d in self.version_documents(region_id) if d["version_id"] == version_id
            ), False
        return document, True

    # Impact of a change

    def impact(
        self,
        region_id: str,
        candidate: CriteriaDefinition,
        dossiers: Sequence[DecisionRequest],
        framework: str,
        date: dt.date | None,
    ) -> dict[str, Any]:
        """Per dossier the eligibility under the criteria in force (the law as enacted) and
        under the candidate (in `framework`); counts of the changes and who is affected."""
        transitions: Counter[str] = Counter()
        per_arrangement = {a: Counter[str]() for a in ARRANGEMENTS}
        affected: list[dict[str, Any]] = []
        candidate_version = CriteriaVersion("candidate", candidate)
        for dossier in dossiers:
            on = date or dossier.application.date
            request = _dated(dossier, on)
            before = self._eligible(region_id, request, "enacted", None)
            after = self._eligible(region_id, request, framework, candidate_version)
            label = f"{_label(before)} -> {_label(after)}"
            if before != after:
                transitions[label] += 1
                affected.append(
                    {"student_ref": dossier.student.ref, "before": before, "after": after}
                )
            for a in ARRANGEMENTS:
                change = (
                    "kept"
                    if (a in before) == (a in after)
                    else ("gained" if a in after else "lost")
                )
                per_arrangement[a][change if (a in before or a in after) else "never"] += 1
        return {
            "framework": framework,
            "date": date.isoformat() if date else None,
            "dossiers": len(dossiers),
            "changed": len(affected),
            "changes": dict(sorted(transitions.items())),
            "per_arrangement": {a: dict(c) for a, c in per_arrangement.items()},
            "affected": affected,
        }

    def _eligible(
        self,
        region_id: str,
        request: DecisionRequest,
        framework: str,
        candidate: CriteriaVersion | None,
    ) -> list[str]:
        """Eligibility by the criteria alone (met routes), whatever the evidence: re-dating a
        dossier may age its IQ test, and the impact is about the criteria."""
        try:
            criteria = self.in_force(region_id, request.application.date, framework, candidate)
            evaluation = decide_in_force(request, criteria)
        except ToewijzingError:
            return []
        met = {a for route in evaluation.explanation if route.met for a in route.grants}
        return [a for a in ARRANGEMENTS if a in met]


def _opt_out_changes(
    definition: CriteriaDefinition, history: Sequence[OptOutNotice]
) -> list[Finding]:
    """Warn when the region's opt-out changes while the definition would be in force."""
    start, end = definition.effective_from, definition.effective_until
    return [
        Finding(
            severity="warning",
            code="opt_out_changes",
            path="/effective_until",
            message=(
                f"From {n.effective_from.isoformat()} the region's opt-out scope is "
                f"{', '.join(n.scope) or 'empty (re-entry)'}; the definition only applies while "
                "the opt-out covers criteria."
            ),
        )
        for n in history
        if start < n.effective_from and (end is None or n.effective_from <= end)
    ]


def _label(eligible: Sequence[str]) -> str:
    return "+".join(eligible) or "none"


def _dated(request: DecisionRequest, date: dt.date) -> DecisionRequest:
    if request.application.date == date:
        return request
    application = request.application.model_copy(update={"date": date})
    return request.model_copy(update={"application": application})
