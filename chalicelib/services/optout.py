"""Use cases of a region opting out of (parts of) the national criteria, and of re-entry.

Notices are region documents of kind `optout`, keyed by their first day; nothing is
overwritten: a later notice is added to the history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from functools import cache

from pydantic import TypeAdapter

from chalicelib.domain.optout import check_opt_out, opt_out_state
from chalicelib.errors import AlreadyExistsError, ConflictError, OptOutNotPermittedError
from chalicelib.legal.timeline import phase_at
from chalicelib.messages import msg
from chalicelib.models.common import Finding
from chalicelib.models.optout import OptOutNotice
from chalicelib.models.region_responses import OptOutView
from chalicelib.services.regions import Regions
from chalicelib.storage.ports import Storage


@cache
def notices_adapter() -> TypeAdapter[list[OptOutNotice]]:
    return TypeAdapter(list[OptOutNotice])


def errors_in(findings: Sequence[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)


class OptOut:
    """Opt-out notices of regions, on the storage port."""

    def __init__(
        self, storage: Storage, regions: Regions, clock: Callable[[], dt.datetime]
    ) -> None:
        self.storage = storage
        self.regions = regions
        self.clock = clock

    def opt_outs(self, region_id: str) -> list[OptOutNotice]:
        documents = self.storage.list_region_documents(region_id, "optout")
        return notices_adapter().validate_python(documents)

    def opt_out_view(self, region_id: str, date: dt.date) -> OptOutView:
        history = self.opt_outs(region_id)
        state = opt_out_state(history, date)
        return OptOutView.model_validate({
            "region_id": region_id,
            "date": date.isoformat(),
            "scope": list(state.scope),
            "in_force": state.notice.model_dump(mode="json") if state.notice else None,
            "history": notices_adapter().dump_python(history, mode="json"),
        })  # fmt: skip

    def put_opt_out(self, region_id: str, notice: OptOutNotice, framework: str) -> OptOutView:
        region = self.regions.region_body(region_id)
        phase = phase_at(framework, notice.effective_from)
        findings = check_opt_out(notice, region, phase)
        if errors_in(findings):
            raise OptOutNotPermittedError(msg("error.opt_out_not_permitted"), findings=findings)
        try:
            self.storage.put_region_document(
                region_id,
                "optout",
                notice.effective_from.isoformat(),
                notice.model_dump(mode="json"),
            )
        except AlreadyExistsError as exc:
            raise ConflictError(
                msg("error.opt_out_recorded", start=notice.effective_from.isoformat())
            ) from exc
        self.storage.touch_statistics(region_id)  # the criteria in force may change: KEYS.md
        return self.opt_out_view(region_id, notice.effective_from)

    def opt_out(self, region_id: str, date: dt.date | None) -> OptOutView:
        self.regions.get_region(region_id)
        return self.opt_out_view(region_id, date or self.clock().date())
