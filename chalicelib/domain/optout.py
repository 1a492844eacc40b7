"""Checks on an opt-out notice, and the opt-out state on a date (WVO 2020 art. 2.48).

An opt-out needs the consent of every board with a school in the region before the notice,
a notice on or before 15 December, and a start on the next 1 January; its scope is any of
`criteria`, `duration` and `licences`. Which of these the phase allows is data of the phase.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from chalicelib.legal.model import Phase
from chalicelib.messages import msg
from chalicelib.models.common import Finding
from chalicelib.models.optout import OptOutNotice, OptOutState
from chalicelib.models.region import RegionIn

_Error = Callable[[str, str, str], Finding]  # (code, JSON pointer, message) -> finding


def _month_day(year: int, month_day: str) -> dt.date:
    month, day = (int(part) for part in month_day.split("-"))
    return dt.date(year, month, day)


def check_opt_out(notice: OptOutNotice, region: RegionIn, phase: Phase) -> list[Finding]:
    """Every reason the notice is not permitted, as error findings with JSON pointers."""
    rule = phase.opt_out
    basis = rule.legal_basis

    def error(code: str, path: str, message: str) -> Finding:
        return Finding(severity="error", code=code, path=path, message=message, legal_basis=basis)

    if not rule.available:
        return [
            error(
                "opt_out_not_available",
                "/effective_from",
                msg("optout.not_available", phase=phase.id),
            )
        ]
    found: list[Finding] = []
    start = _month_day(notice.effective_from.year, rule.starts_on_month_day)
    if notice.effective_from != start:
        found.append(
            error(
                "opt_out_start",
                "/effective_from",
                msg(
                    "optout.start",
                    start=start.isoformat(),
                    given=notice.effective_from.isoformat(),
                ),
            )
        )
    deadline = _month_day(notice.effective_from.year - 1, rule.notice_by_month_day)
    # Any notice on or before the deadline is in time, however early (README: opting out).
    if notice.notified_on > deadline:
        found.append(
            error(
                "opt_out_notice_late",
                "/notified_on",
                msg(
                    "optout.notice_late",
                    start=notice.effective_from.isoformat(),
                    deadline=deadline.isoformat(),
                    notified=notice.notified_on.isoformat(),
                ),
            )
        )
    for i, item in enumerate(notice.scope):
        if item not in rule.scope:
            found.append(
                error(
                    "opt_out_scope",
                    f"/scope/{i}",
                    msg("optout.scope", item=item, allowed=list(rule.scope)),
                )
            )
    if notice.scope:
        found += _consent_findings(notice, region, error)
    found += _nomination_findings(notice, region, error)
    return found


def _consent_findings(notice: OptOutNotice, region: RegionIn, error: _Error) -> list[Finding]:
    signed = {c.board_id: c.signed_on for c in notice.consents}
    found: list[Finding] = []
    boards_with_schools = sorted({s.board_id for s in region.schools})
    for board in boards_with_schools:
        if board not in signed:
            found.append(
                error(
                    "consent_missing",
                    "/consents",
                    msg("optout.consent_missing", board=board),
                )
            )
    for i, consent in enumerate(notice.consents):
        if consent.signed_on > notice.notified_on:
            found.append(
                error(
                    "consent_after_notice",
                    f"/consents/{i}/signed_on",
                    msg(
                        "optout.consent_after_notice",
                        board=consent.board_id,
                        signed=consent.signed_on.isoformat(),
                        notified=notice.notified_on.isoformat(),
                    ),
                )
            )
        if consent.board_id not in boards_with_schools:
            found.append(
                error(
                    "consent_unknown_board",
                    f"/consents/{i}/board_id",
                    msg("optout.consent_unknown_board", board=consent.board_id),
                )
            )
    return found


def _nomination_findings(notice: OptOutNotice, region: RegionIn, error: _Error) -> list[Finding]:
    if not notice.nominated_schools:
        return []
    if "licences" not in notice.scope:
        return [
            error(
                "nomination_without_licences",
                "/nominated_schools",
                msg("optout.nomination_without_licences"),
            )
        ]
    return unknown_schools(notice.nominated_schools, region, "/nominated_schools", error)


def unknown_schools(
    nominated: Sequence[str], region: RegionIn, path: str, error: _Error
) -> list[Finding]:
    """A finding for each nominated school (BRIN) that is not a school of the region."""
    brins = {s.brin for s in region.schools}
    return [
        error(
            "nominated_school_unknown",
            f"{path}/{i}",
            msg("optout.nominated_school_unknown", brin=brin),
        )
        for i, brin in enumerate(nominated)
        if brin not in brins
    ]


def opt_out_state(history: Sequence[OptOutNotice], date: dt.date) -> OptOutState:
    """The opt-out in force on `date`: the newest notice that started on or before it."""
    started = [n for n in history if n.effective_from <= date]
    if not started:
        return OptOutState(date=date, scope=(), notice=None)
    notice = max(started, key=lambda n: n.effective_from)
    return OptOutState(date=date, scope=notice.scope, notice=notice)
