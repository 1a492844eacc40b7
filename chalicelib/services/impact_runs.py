"""Impact runs: a criteria change's impact on the region's own stored dossiers, on the batch
queue (README "Impact on the region's own history").

`POST .../criteria/impact` decides over the dossiers in its body; a run reads the region's
health records still retained (three years: tens of thousands of dossiers), a page at a time,
in the worker. A run is stored as a batch record (`kind: impact`) with the batch items:

- message `{"kind": "impact", "page": n, "after": <decision id or null>}`: the worker reads one
  page (`Storage.dossier_page`, at most `PAGE_DOSSIERS` dossiers, retention checked by the
  worker's own date), computes its impact (`Impact.impact`, the synchronous use case) and
  stores it as the summary of chunk `n`, once (a conditional put). The summary keeps the page's
  `after`, `next` and affected list; a redelivered page finds it (its own computation is
  dropped), so a page counts once even when decisions were stored in between.
- the affected list is copied from the stored summary into row results numbered
  `n * PAGE_DOSSIERS + i + 1` (each written once), then the next page is queued; the last page
  marks the run completed. The counts are the sum of the summaries.
- a lost message: the sweeper (`resume`) queues the last summarized page again (which writes
  its missing rows and queues the next) or, before any, page 0.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from typing import TYPE_CHECKING, Any

from chalicelib.errors import NotFoundError, ServiceUnavailableError
from chalicelib.messages import msg
from chalicelib.models.common import ARRANGEMENTS
from chalicelib.models.criteria import CriteriaDefinition
from chalicelib.models.request import DecisionRequest
from chalicelib.models.responses import AffectedPage, ImpactRunAccepted, ImpactRunStatus
from chalicelib.services import Services
from chalicelib.services.batches.submission import row_results_page
from chalicelib.storage.caching import CachingStorage
from chalicelib.storage.transport import Message

if TYPE_CHECKING:
    from chalicelib.services.batches.pipeline import Batches

log = logging.getLogger("toewijzing.impact_runs")
PAGE_DOSSIERS = 200  # dossiers a worker message reads (about 1 MB of health records)
KIND = "impact"


class ImpactRuns:
    """The API side (`accept`, `status`, `affected`) and the worker side (`run_page`)."""

    def __init__(self, batches: Batches) -> None:
        self.batches = batches
        self.storage = batches.storage
        self.page_dossiers = PAGE_DOSSIERS

    def accept(
        self,
        region_id: str,
        candidate: CriteriaDefinition,
        framework: str,
        date: dt.date | None,
    ) -> ImpactRunAccepted:
        self.batches.regions.get_region(region_id)
        run_id = self.batches.new_id()
        record = {
            "batch_id": run_id,
            "region_id": region_id,
            "kind": KIND,
            "format": KIND,
            "status": "accepted",
            "accepted_at": self.batches.clock().isoformat(timespec="seconds"),
            "parameters": {
                "definition": candidate.model_dump(mode="json"),
                "framework": framework,
                "date": date.isoformat() if date else None,
            },
        }
        self.storage.put_batch(region_id, run_id, record)
        try:
            self.batches.queue_work([page_message(region_id, run_id, 0, None)])
        except ServiceUnavailableError:
            error = {"code": "service_unavailable", "message": msg("impact.not_queued")}
            self.storage.update_batch(region_id, run_id, {"status": "failed", "error": error})
            raise
        accepted = {"run_id": run_id, "status": "accepted", **urls(region_id, run_id)}
        return ImpactRunAccepted.model_validate(accepted)

    def status(self, region_id: str, run_id: str) -> ImpactRunStatus:
        record = self._record(region_id, run_id)
        summaries = self.storage.chunk_summaries(region_id, run_id)
        params = record["parameters"]
        status = record["status"]
        if status == "accepted" and summaries:
            status = "processing"
        report = None
        if status == "completed":
            report = totals(summaries)
        return ImpactRunStatus.model_validate({
            "run_id": run_id,
            "status": status,
            "accepted_at": record["accepted_at"],
            "framework": params["framework"],
            "date": params["date"],
            "pages_done": len(summaries),
            "dossiers_read": sum(s["dossiers"] for s in summaries),
            "report": report,
            **urls(region_id, run_id),
            **({"error": record["error"]} if "error" in record else {}),
        })  # fmt: skip

    def affected(self, region_id: str, run_id: str, cursor: str | None, limit: int) -> AffectedPage:
        """The affected dossiers in the order of the synchronous impact (decision id order),
        `limit` at a time; `next` is the cursor of the following page, or null."""
        self._record(region_id, run_id)
        page = row_results_page(self.storage, region_id, run_id, cursor, limit)
        return AffectedPage.model_validate(page)

    def _record(self, region_id: str, run_id: str) -> dict[str, Any]:
        record = self.storage.get_batch(region_id, run_id)
        if record is None or record.get("kind") != KIND:
            raise NotFoundError(msg("error.no_impact_run", region=region_id, run=run_id))
        return record

    # The worker side

    def run_page(self, message: Message) -> None:
        region_id, run_id, page = message["region_id"], message["run_id"], message["page"]
        record = self.storage.get_batch(region_id, run_id)
        if record is None or record.get("kind") != KIND or record["status"] == "failed":
            return
        try:
            summary = self._page_summary(record, page, message["after"])
        except ServiceUnavailableError:
            raise  # an outage: the message comes back
        except Exception as exc:  # a stored dossier or criteria the use case cannot read
            log.warning("impact run failed", extra={"run_id": run_id, "error": type(exc).__name__})
            error = {"code": "impact_failed", "message": msg("impact.unreadable")}
            self.storage.update_batch(region_id, run_id, {"status": "failed", "error": error})
            return
        for i, item in enumerate(summary["affected"]):
            self.storage.put_row_result(region_id, run_id, page * self.page_dossiers + i + 1,
                                        item)  # fmt: skip
        if summary["next"] is not None:
            self.batches.queue_work([page_message(region_id, run_id, page + 1, summary["next"])])
        elif record["status"] != "completed":
            self.storage.update_batch(region_id, run_id, {"status": "completed", "pages": page + 1})

    def _page_summary(self, record: dict[str, Any], page: int, after: str | None) -> Any:
        """The page's stored summary: this delivery's, or an earlier one's if there is one."""
        region_id, run_id = record["region_id"], record["batch_id"]
        params = record["parameters"]
        batches = self.batches  # criteria and opt-outs read once a page, not once a dossier
        cached = Services(CachingStorage(self.storage), batches.settings, batches.clock,
                          batches.new_id)  # fmt: skip
        today = batches.clock().date()
        health, next_after = self.storage.dossier_page(region_id, today, after,
                                                       self.page_dossiers)  # fmt: skip
        dossiers = [DecisionRequest.model_validate(h["dossier"]) for h in health]
        candidate = CriteriaDefinition.model_validate(params["definition"])
        date = params["date"]
        on = None if date is None else dt.date.fromisoformat(date)
        report = cached.impact.impact(region_id, candidate, dossiers, params["framework"], on)
        summary = {
            "chunk": page,
            "after": after,
            "next": next_after,
            "dossiers": report["dossiers"],
            "changes": report["changes"],
            "per_arrangement": report["per_arrangement"],
            "affected": report["affected"],
        }
        if self.storage.put_chunk_summary(region_id, run_id, page, summary):
            return summary
        stored = self.storage.chunk_summaries(region_id, run_id)
        return next(s for s in stored if s["chunk"] == page)

    def resume(self, record: dict[str, Any]) -> None:
        """Queue the run's work again (the sweeper, when it made no progress)."""
        region_id, run_id = record["region_id"], record["batch_id"]
        summaries = self.storage.chunk_summaries(region_id, run_id)
        last: dict[str, Any] = summaries[-1] if summaries else {"chunk": 0, "after": None}
        self.batches.queue_work([page_message(region_id, run_id, last["chunk"], last["after"])])


def page_message(region_id: str, run_id: str, page: int, after: str | None) -> Message:
    return {"kind": KIND, "region_id": region_id, "run_id": run_id, "page": page,
            "after": after}  # fmt: skip


def urls(region_id: str, run_id: str) -> dict[str, str]:
    base = f"/v1/regions/{region_id}/criteria/impact-runs/{run_id}"
    return {"status_url": base, "affected_url": f"{base}/affected"}


def totals(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    """The synchronous impact's figures (without its affected list) from the page summaries."""
    changes = Counter[str]()
    per_arrangement = {a: Counter[str]() for a in ARRANGEMENTS}
    for s in summaries:
        changes.update(s["changes"])
        for a in ARRANGEMENTS:
            per_arrangement[a].update(s["per_arrangement"].get(a, {}))
    return {
        "dossiers": sum(s["dossiers"] for s in summaries),
        "changed": sum(len(s["affected"]) for s in summaries),
        "changes": dict(sorted(changes.items())),
        "per_arrangement": {a: dict(c) for a, c in per_arrangement.items()},
    }
