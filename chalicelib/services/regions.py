"""Use cases of regions: store a region (its boards and schools), read it."""

from __future__ import annotations

from typing import Any

from chalicelib.errors import NotFoundError
from chalicelib.messages import msg
from chalicelib.models.region import Region, RegionIn
from chalicelib.storage.ports import Storage


class Regions:
    """The regions (samenwerkingsverbanden) on the storage port."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def put_region(self, region_id: str, body: RegionIn) -> tuple[dict[str, Any], bool]:
        region = Region(region_id=region_id, **body.model_dump())
        document = region.model_dump(mode="json")
        created = self.storage.put_region(document)
        return document, created

    def get_region(self, region_id: str) -> dict[str, Any]:
        region = self.storage.get_region(region_id)
        if region is None:
            raise NotFoundError(msg("error.no_region", region=region_id))
        return region

    def region_body(self, region_id: str) -> RegionIn:
        region = self.get_region(region_id)
        return RegionIn.model_validate({k: v for k, v in region.items() if k != "region_id"})
