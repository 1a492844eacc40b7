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

    def put_region(self, region_id: str, body: RegionIn) -> tuple[Region, bool]:
        document = Region(region_id=region_id, **body.model_dump()).model_dump(mode="json")
        created = self.storage.put_region(document)
        return Region.model_validate(document), created

    def region(self, region_id: str) -> Region:
        """`GET /v1/regions/{region_id}`; `get_region` is the stored document itself."""
        return Region.model_validate(self.get_region(region_id))

    def get_region(self, region_id: str) -> dict[str, Any]:
        region = self.storage.get_region(region_id)
        if region is None:
            raise NotFoundError(msg("error.no_region", region=region_id))
        return region

    def region_body(self, region_id: str) -> RegionIn:
        region = self.get_region(region_id)
        return RegionIn.model_validate({k: v for k, v in region.items() if k != "region_id"})
