"""Use cases of a region's support plans: validate, store a draft, read, publish, render.

Storage-backed, pure of chalice. Documents are never overwritten, so a plan lives in two
region documents: kind `plan` key `{plan_id}` holds the draft (its content is fixed once
stored: a change is a new draft), and kind `planpub` key `{plan_id}` records its publication.
A published plan is therefore immutable; a later publication in the same framework whose
period overlaps supersedes it. Under a phase with `criteria_need_published_plan`
(kamerbrief-2014 `loslaten`) a region's stored criteria hold only while the published plan in
force records them (see `Criteria.in_force`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from chalicelib.domain.in_force import version_in_force
from chalicelib.domain.optout import opt_out_state
from chalicelib.domain.support_plan import check_plan, region_sets, required_items, superseded_by
from chalicelib.errors import (
    AlreadyExistsError,
    ConflictError,
    NoLegalPhaseError,
    NotFoundError,
    PlanNotPublishableError,
    RequestValidationError,
)
from chalicelib.legal.model import Phase
from chalicelib.legal.timeline import national_criteria, phase_at
from chalicelib.messages import msg
from chalicelib.models.common import Citation, Finding
from chalicelib.models.criteria import CriteriaDefinition
from chalicelib.models.region_responses import PlanCreated, PlanList, PlanView, PublishedPlan
from chalicelib.models.responses import Validation
from chalicelib.models.support_plan import PlanPublication, SupportPlan
from chalicelib.render.markdown import plan_lwoo_pro_markdown
from chalicelib.services.criteria import Criteria, content_hash
from chalicelib.services.optout import OptOut, errors_in
from chalicelib.services.regions import Regions
from chalicelib.storage.ports import Storage

DRAFTS, PUBLICATIONS = "plan", "planpub"


def _at(finding: Finding, prefix: str) -> Finding:
    return finding.model_copy(update={"path": prefix + finding.path})


class SupportPlans:
    """Support plans of regions, on the storage port."""

    def __init__(
        self,
        storage: Storage,
        regions: Regions,
        optout: OptOut,
        criteria: Criteria,
        clock: Callable[[], dt.datetime],
        new_id: Callable[[], str],
    ) -> None:
        self.storage = storage
        self.regions = regions
        self.optout = optout
        self.criteria = criteria
        self.clock = clock
        self.new_id = new_id

    # Validation

    def check(
        self, region_id: str, plan: SupportPlan, framework: str, date: dt.date | None = None
    ) -> tuple[Phase, list[Finding]]:
        """Every finding on the plan in the phase in force on `date` (by default the first day
        of its period), given the region, its opt-out state and stored criteria on that date."""
        _same_region(region_id, plan)
        region = self.regions.region_body(region_id)
        date = date or plan.period.start
        phase = phase_at(framework, date)
        scope = opt_out_state(self.optout.opt_outs(region_id), date).scope
        stored = version_in_force(self.criteria.versions(region_id, framework), date)
        criteria_findings: list[Finding] = []
        for i, definition in enumerate(plan.lwoo_pro.criteria):
            criteria_findings += self._criteria_findings(region_id, definition, framework, i)
        findings = check_plan(
            plan,
            region,
            phase,
            scope,
            content_hash(stored.definition) if stored else None,
            criteria_findings,
            [content_hash(d) for d in plan.lwoo_pro.criteria],
        )
        return phase, findings

    def _criteria_findings(
        self, region_id: str, definition: CriteriaDefinition, framework: str, index: int
    ) -> list[Finding]:
        """The criteria validation's errors on a recorded definition (its comparison warnings
        belong to the criteria endpoints), with pointers into the plan."""
        prefix = f"/lwoo_pro/criteria/{index}"
        try:
            _, found = self.criteria.validate(region_id, definition, framework)
        except NoLegalPhaseError as exc:
            return [
                Finding(
                    severity="error",
                    code="no_legal_phase",
                    path=f"{prefix}/effective_from",
                    message=exc.message,
                )
            ]
        return [_at(f, prefix) for f in found if f.severity == "error"]

    def validate(
        self, region_id: str, plan: SupportPlan, framework: str, date: dt.date | None = None
    ) -> Validation:
        phase, findings = self.check(region_id, plan, framework, date)
        return Validation.model_validate({
            "valid": not errors_in(findings),
            "framework": framework,
            "phase": {"id": phase.id, "effective_from": phase.effective_from.isoformat()},
            "findings": [f.model_dump(mode="json") for f in findings],
        })  # fmt: skip

    # Drafts

    def create(self, region_id: str, plan: SupportPlan, framework: str) -> PlanCreated:
        """Store a draft (whatever its findings) under a new id."""
        phase, findings = self.check(region_id, plan, framework)
        plan_id = self.new_id()
        document = {
            "plan_id": plan_id,
            "region_id": region_id,
            "framework": framework,
            "content_hash": content_hash(plan),
            "created_on": self.clock().date().isoformat(),
            "plan": plan.model_dump(mode="json", exclude_none=True),
        }
        self.storage.put_region_document(region_id, DRAFTS, plan_id, document)
        return PlanCreated.model_validate({
            "id": plan_id,
            "content_hash": document["content_hash"],
            "status": "draft",
            "framework": framework,
            "phase": {"id": phase.id},
            "valid": not errors_in(findings),
            "findings": [f.model_dump(mode="json") for f in findings],
        })  # fmt: skip

    def _draft(self, region_id: str, plan_id: str) -> dict[str, Any]:
        self.regions.get_region(region_id)
        documents = self.storage.list_region_documents(region_id, DRAFTS)
        for document in documents:
            if document["plan_id"] == plan_id:
                return dict(document)
        raise NotFoundError(msg("error.no_plan", region=region_id, plan=plan_id))

    def _publications(self, region_id: str) -> list[PlanPublication]:
        documents = self.storage.list_region_documents(region_id, PUBLICATIONS)
        return [PlanPublication.model_validate(d) for d in documents]

    def _view(self, draft: dict[str, Any], publications: list[PlanPublication]) -> dict[str, Any]:
        own = next((p for p in publications if p.plan_id == draft["plan_id"]), None)
        later = superseded_by(own, publications) if own else None
        status = "draft" if own is None else ("superseded" if later else "published")
        return {
            "id": draft["plan_id"],
            "region_id": draft["region_id"],
            "framework": draft["framework"],
            "content_hash": draft["content_hash"],
            "status": status,
            "created_on": draft["created_on"],
            "published_on": own.published_on.isoformat() if own else None,
            "superseded_by": later.plan_id if later else None,
            "plan": draft["plan"],
        }

    def _get(self, region_id: str, plan_id: str) -> dict[str, Any]:
        draft = self._draft(region_id, plan_id)
        return self._view(draft, self._publications(region_id))

    def get(self, region_id: str, plan_id: str) -> PlanView:
        return PlanView.model_validate(self._get(region_id, plan_id))

    def list_plans(self, region_id: str) -> PlanList:
        self.regions.get_region(region_id)
        drafts = self.storage.list_region_documents(region_id, DRAFTS)
        publications = self._publications(region_id)
        items = [self._view(d, publications) for d in drafts]
        for item in items:
            del item["plan"]
        return PlanList.model_validate(
            {"items": sorted(items, key=lambda i: (i["created_on"], i["id"]))}
        )

    # Publication

    def publish(self, region_id: str, plan_id: str, date: dt.date | None = None) -> PublishedPlan:
        """Publish a draft that has no error finding; a plan is published once and never
        changed. 422 `plan_not_publishable` with the findings, 409 when already published."""
        draft = self._draft(region_id, plan_id)
        publications = self._publications(region_id)
        if any(p.plan_id == plan_id for p in publications):
            raise ConflictError(msg("error.plan_published", plan=plan_id))
        plan = SupportPlan.model_validate(draft["plan"])
        framework = draft["framework"]
        phase, findings = self.check(region_id, plan, framework, date)
        if errors_in(findings):
            raise PlanNotPublishableError(
                msg("error.plan_not_publishable", phase=phase.id),
                findings=findings,
            )
        record = PlanPublication(
            plan_id=plan_id,
            framework=framework,
            sequence=1 + max((p.sequence for p in publications), default=0),
            published_on=self.clock().date(),
            published_at=self.clock().isoformat(),
            period=plan.period,
            content_hash=draft["content_hash"],
            criteria_hashes=tuple(content_hash(d) for d in plan.lwoo_pro.criteria),
        )
        try:
            self.storage.put_region_document(
                region_id, PUBLICATIONS, plan_id, record.model_dump(mode="json")
            )
        except AlreadyExistsError as exc:
            raise ConflictError(msg("error.plan_published_meanwhile", plan=plan_id)) from exc
        view = self._view(draft, [*publications, record])
        view["findings"] = [f.model_dump(mode="json") for f in findings]
        return PublishedPlan.model_validate(view)

    # Rendering

    def lwoo_pro_markdown(self, region_id: str, plan_id: str) -> str:
        """The plan's lwoo/pro section as Markdown, for publication."""
        view = self._get(region_id, plan_id)
        plan = SupportPlan.model_validate(view["plan"])
        region = self.regions.region_body(region_id)
        framework = view["framework"]
        phase = phase_at(framework, plan.period.start)
        scope = opt_out_state(self.optout.opt_outs(region_id), plan.period.start).scope
        version = phase.national_criteria.version
        national = national_criteria(version).definition if version else None
        on, by = view.get("published_on"), view.get("superseded_by")
        status = msg(f"md.status_{view['status']}", on=on, by=by)
        return plan_lwoo_pro_markdown(
            plan, region, status, region_sets(phase, scope), national, _basis(phase, scope)
        )


def _basis(phase: Phase, scope: tuple[str, ...]) -> list[Citation]:
    basis = [c for item in required_items(phase, scope) for c in item.legal_basis]
    basis += phase.national_criteria.legal_basis
    if scope:
        basis += phase.opt_out.legal_basis
    return basis


def _same_region(region_id: str, plan: SupportPlan) -> None:
    if plan.region_id != region_id:
        raise RequestValidationError(
            msg("error.plan_region", plan_region=plan.region_id, region=region_id),
            [
                {
                    "path": "/region_id",
                    "code": "region_mismatch",
                    "message": msg("detail.plan_region", region=region_id),
                }
            ],
        )
