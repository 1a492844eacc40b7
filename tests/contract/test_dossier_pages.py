"""The storage contract, continued (memory, moto, dynalite): the region's retained health
records page by page (`dossier_page`, an impact run's worker) are those of `list_dossiers`."""

from __future__ import annotations

import datetime as dt

from chalicelib.storage.ports import Storage
from tests.contract.test_storage import decision


def pages(storage: Storage, region: str, today: dt.date, limit: int) -> list[list[str]]:
    found: list[list[str]] = []
    after: str | None = None
    while True:
        page, after = storage.dossier_page(region, today, after, limit)
        assert len(page) <= limit
        found.append([h["dossier"]["student"]["ref"] for h in page])
        if after is None:
            return found


def test_dossier_pages_are_the_retained_dossiers_once_each(storage: Storage) -> None:
    for n in range(7):
        on = dt.date(2015, 3, 1) if n in (2, 5) else dt.date(2017, 3, 1)  # 2, 5 expire 2018
        expires = int(dt.datetime(on.year + 3, on.month, on.day, tzinfo=dt.UTC).timestamp())
        storage.put_decision(decision(f"d{n}", ref=f"ll-{n}", on=on), expires_at=expires)
    storage.put_decision(decision("e0", region="VO2002", ref="other"), expires_at=2**31)
    today = dt.date(2018, 6, 1)
    everything = sorted(h["dossier"]["student"]["ref"] for h in
                        storage.list_dossiers("VO2001", today))  # fmt: skip
    assert everything == ["ll-0", "ll-1", "ll-3", "ll-4", "ll-6"]
    for limit in (1, 2, 3, 10):
        found = pages(storage, "VO2001", today, limit)
        assert sorted(ref for page in found for ref in page) == everything
    again = storage.dossier_page("VO2001", today, "d1", 2)  # the same `after`, the same page
    assert again == storage.dossier_page("VO2001", today, "d1", 2)
    assert storage.dossier_page("VO2009", today, None, 5) == ([], None)
