"""Use cases of a region's own criteria: validate (dry run), store a version, list, in force.

Storage-backed, pure of chalice. Versions are region documents of kind `criteria`; nothing is
overwritten: a new version is added, and the same content again is a no-op.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel

from chalicelib.domain.comparison import compare_to_national
from chalicelib.domain.conformance import check_criteria, region_may_set_criteria
from chalicelib.domain.eligibility import compile_criteria
from chalicelib.domain.in_force import (
    CriteriaInForce,
    CriteriaVersion,
    Source,
    compiled_side,
    national_source,
    resolve,
    version_in_force,
)
from chalicelib.domain.optout import opt_out_state
from chalicelib.domain.support_plan import plan_in_force
from chalicelib.errors import AlreadyExistsError, CriteriaNotPermittedError
from chalicelib.legal.model import Phase
from chalicelib.legal.timeline import DEFAULT_FRAMEWORK, phase_at, phases_spanned
from chalicelib.messages import msg
from chalicelib.models.common import ARRANGEMENTS, Arrangement, Finding
from chalicelib.models.criteria import CriteriaDefinition
from chalicelib.models.optout import OptOutNotice
from chalicelib.models.region_responses import CriteriaInForce as InForceView
from chalicelib.models.region_responses import CriteriaVersion as StoredVersion
from chalicelib.models.region_responses import CriteriaVersionList
from chalicelib.models.responses import Validation
from chalicelib.models.support_plan import PlanPublication
from chalicelib.services.optout import OptOut, errors_in
from chalicelib.services.regions import Regions
from chalicelib.storage.ports import Storage


def content_hash(document: BaseModel) -> str:
    """A stable hash of a model's content (key order and spacing do not matter): of a criteria
    definition, and of a support plan."""
    canonical = json.dumps(document.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class Criteria:
    """Criteria versions of regions, on the storage port."""

    def __init__(
        self,
        storage: Storage,
        regions: Regions,
        optout: OptOut,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self.storage = storage
        self.regions = regions
        self.optout = optout
        self.clock = clock

    def versions(self, region_id: str, framework: str) -> list[CriteriaVersion]:
        documents = self.storage.list_region_documents(region_id, "criteria")
        return [
            CriteriaVersion(d["version_id"], CriteriaDefinition.model_validate(d["definition"]))
            for d in documents
            if d["framework"] == framework
        ]

    def version_documents(self, region_id: str) -> list[dict[str, Any]]:
        return self.storage.list_region_documents(region_id, "criteria")

    def in_force(
        self,
        region_id: str,
        date: dt.date,
        framework: str,
        candidate: CriteriaVersion | None = None,
    ) -> CriteriaInForce:
        phase = phase_at(framework, date)
        scope = opt_out_state(self.optout.opt_outs(region_id), date).scope
        versions = self.versions(region_id, framework)
        if phase.criteria_need_published_plan and candidate is None:
            # Phase data (kamerbrief-2014 `loslaten`): a stored version counts only while the
            # published support plan in force on the date records it, by content hash
            # (services/support_plan.py).
            documents = self.storage.list_region_documents(region_id, "planpub")
            publications = [PlanPublication.model_validate(d) for d in documents]
            plan = plan_in_force(publications, framework, date)
            recorded = plan.criteria_hashes if plan else ()
            versions = [v for v in versions if content_hash(v.definition) in recorded]
        version = candidate or version_in_force(versions, date)
        national = national_source(phase.national_criteria.version)
        return resolve(framework, phase, date, scope, version, national)

    def schools_allocation(self, region_id: str) -> Callable[[dt.date], tuple[Arrangement, ...]]:
        """Per date, the arrangements the region allocates to its schools under the law as
        enacted (the statistics' `allocated_to_schools`). Reads the region's documents once."""
        versions = self.versions(region_id, DEFAULT_FRAMEWORK)
        if not any(
            (lwoo := v.definition.arrangements.lwoo) and lwoo.allocation == "schools"
            for v in versions
        ):
            return lambda _: ()
        history = self.optout.opt_outs(region_id)

        def on(date: dt.date) -> tuple[Arrangement, ...]:
            phase = phase_at(DEFAULT_FRAMEWORK, date)
            scope = opt_out_state(history, date).scope
            national = national_source(phase.national_criteria.version)
            version = version_in_force(versions, date)
            criteria = resolve(DEFAULT_FRAMEWORK, phase, date, scope, version, national)
            return tuple(a for a in ARRANGEMENTS if criteria.allocation(a) == "schools")

        return on

    def validate(
        self,
        region_id: str,
        definition: CriteriaDefinition,
        framework: str,
        date: dt.date | None = None,
    ) -> tuple[Phase, list[Finding]]:
        """Every finding on the definition in each phase it spans from `date` (by default its
        `effective_from`), given the region's opt-out state on that date; and the phase in
        force on `date`."""
        date = date or definition.effective_from
        phases = phases_spanned(framework, date, definition.effective_until)
        phase = phases[0]
        history = self.optout.opt_outs(region_id)
        scope = opt_out_state(history, date).scope
        reference = national_source(phase.national_criteria.comparison_version)
        findings = check_criteria(definition, phases, scope)
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
                msg("error.criteria_not_permitted", phase=phase.id),
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
            self.storage.put_region_document(region_id, "criteria", version_id, document)
        except AlreadyExistsError:
            return next(
                d for d in self.version_documents(region_id) if d["version_id"] == version_id
            ), False
        # The figures show lwoo allocated to schools by the criteria in force: a new version is
        # a change the statistics snapshots must see (KEYS.md).
        self.storage.touch_statistics(region_id)
        return document, True

    # The routes' views

    def validate_criteria(
        self,
        region_id: str,
        definition: CriteriaDefinition,
        framework: str,
        date: dt.date | None = None,
    ) -> Validation:
        self.regions.get_region(region_id)
        phase, findings = self.validate(region_id, definition, framework, date)
        return Validation.model_validate({
            "valid": not any(f.severity == "error" for f in findings),
            "framework": framework,
            "phase": {"id": phase.id, "effective_from": phase.effective_from.isoformat()},
            "findings": [f.model_dump(mode="json") for f in findings],
        })  # fmt: skip

    def store_criteria(
        self, region_id: str, definition: CriteriaDefinition, framework: str
    ) -> tuple[StoredVersion, bool]:
        self.regions.get_region(region_id)
        document, created = self.store(region_id, definition, framework, self.clock().date())
        return StoredVersion.model_validate(document), created

    def list_criteria(self, region_id: str) -> CriteriaVersionList:
        self.regions.get_region(region_id)
        return CriteriaVersionList.model_validate({"items": self.version_documents(region_id)})

    def criteria_in_force(self, region_id: str, date: dt.date, framework: str) -> InForceView:
        self.regions.get_region(region_id)
        criteria = self.in_force(region_id, date, framework)
        arrangements = {
            name: {
                "source": source.ref.source,
                "version_id": source.ref.version_id,
                "criteria": getattr(source.definition.arrangements, name).model_dump(mode="json"),
            }
            for name, source in criteria.sources.items()
        }
        sources = {a["source"] for a in arrangements.values()}
        return InForceView.model_validate({
            "date": date.isoformat(),
            "framework": framework,
            "phase": {"id": criteria.phase.id},
            "source": "region" if "region" in sources else "national",
            "arrangements": arrangements,
        })  # fmt: skip


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
            message=msg(
                "criteria.opt_out_changes" if n.scope else "criteria.opt_out_ends",
                start=n.effective_from.isoformat(),
                scope=", ".join(n.scope),
            ),
        )
        for n in history
        if start < n.effective_from and (end is None or n.effective_from <= end)
    ]
