"""The container's read cache (chalicelib/storage/read_cache.py): what it keeps, for how long,
and what a write in the same container drops."""

from __future__ import annotations

from typing import Any

from chalicelib.storage.memory import MemoryStorage
from chalicelib.storage.ports import TokenRecord
from chalicelib.storage.read_cache import ReadCache


class Counting(MemoryStorage):
    def __init__(self) -> None:
        super().__init__()
        self.reads: list[str] = []

    def get_region(self, region_id: str) -> dict[str, Any] | None:
        self.reads.append("region")
        return super().get_region(region_id)

    def get_token(self, token_hash: str) -> TokenRecord | None:
        self.reads.append("token")
        return super().get_token(token_hash)

    def list_region_documents(self, region_id: str, kind: str) -> list[dict[str, Any]]:
        self.reads.append(kind)
        return super().list_region_documents(region_id, kind)

    def revoke_token(self, token_hash: str) -> None:  # a write the cache does not know
        self.reads.append("revoke")


def cache() -> tuple[ReadCache, Counting, list[float]]:
    inner, now = Counting(), [0.0]
    inner.put_region({"region_id": "VO2001", "name": "A"})
    inner.put_token(TokenRecord("h1", "region", "VO2001"))
    return ReadCache(inner, ttl=30, clock=lambda: now[0]), inner, now


def test_reads_are_kept_for_the_ttl_then_read_again() -> None:
    read_cache, inner, now = cache()
    for _ in range(3):
        assert read_cache.get_region("VO2001") == {"region_id": "VO2001", "name": "A"}
        assert read_cache.get_token("h1") == TokenRecord("h1", "region", "VO2001")
        assert read_cache.list_region_documents("VO2001", "criteria") == []
    # tokens are read every time: a revoked token is refused at once, in every container
    assert inner.reads == ["region", "token", "criteria", "token", "token"]
    now[0] = 29.9
    read_cache.get_region("VO2001")
    assert inner.reads == ["region", "token", "criteria", "token", "token"]
    now[0] = 30.0  # another container's change is seen within the ttl
    read_cache.get_region("VO2001")
    assert inner.reads == ["region", "token", "criteria", "token", "token", "region"]


def test_a_write_in_this_container_is_read_by_the_next_call() -> None:
    read_cache, inner, _ = cache()
    read_cache.list_region_documents("VO2001", "criteria")
    read_cache.list_region_documents("VO2001", "optout")
    read_cache.put_region_document("VO2001", "criteria", "2018-01-01#v2", {"v": 2})
    assert read_cache.list_region_documents("VO2001", "criteria") == [{"v": 2}]
    read_cache.list_region_documents("VO2001", "optout")  # still cached
    read_cache.put_region_document("VO2001", "optout", "2018-08-01", {"o": 1})
    assert read_cache.list_region_documents("VO2001", "optout") == [{"o": 1}]
    read_cache.put_region({"region_id": "VO2001", "name": "B"})
    assert read_cache.get_region("VO2001") == {"region_id": "VO2001", "name": "B"}
    assert inner.reads == ["criteria", "optout", "criteria", "optout", "region"]


def test_an_unknown_write_forgets_everything_and_nothing_absent_is_kept() -> None:
    read_cache, inner, _ = cache()
    read_cache.get_region("VO2001")
    read_cache.revoke_token("h1")  # type: ignore[attr-defined]
    read_cache.get_region("VO2001")
    assert inner.reads == ["region", "revoke", "region"]
    assert read_cache.get_region("VO2009") is None
    inner.put_region({"region_id": "VO2009", "name": "new elsewhere"})
    assert read_cache.get_region("VO2009") == {"region_id": "VO2009", "name": "new elsewhere"}


def test_callers_get_copies_and_other_kinds_are_not_kept() -> None:
    read_cache, inner, _ = cache()
    read_cache.get_region("VO2001")["name"] = "changed by a caller"  # type: ignore[index]
    assert read_cache.get_region("VO2001") == {"region_id": "VO2001", "name": "A"}
    read_cache.list_region_documents("VO2001", "enrolment")
    read_cache.list_region_documents("VO2001", "enrolment")
    assert inner.reads == ["region", "enrolment", "enrolment"]
