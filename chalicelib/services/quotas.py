"""Per-region quotas: each region's tokens may make `region_quota` requests per window of
`quota_window` seconds (defaults 600 per 60 s; `TOEWIJZING_REGION_QUOTA`,
`TOEWIJZING_QUOTA_WINDOW_SECONDS`). Over it the request is a 429 with `Retry-After` (the seconds
until the window ends); other regions count in their own windows and do not notice.

The counter is one item per region and window in the table (an atomic `ADD`, removed by the
TTL an hour after its window): fixed windows, so a region can make up to twice its quota across
a window boundary. API Gateway's stage throttle (25 requests/s) still caps the whole stage.
Admin and ministry tokens are not counted per region.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from chalicelib.config import Settings
from chalicelib.errors import TooManyRequestsError
from chalicelib.messages import msg
from chalicelib.storage.ports import Storage

COUNTER_TTL_SECONDS = 3600


class Quotas:
    def __init__(
        self, storage: Storage, settings: Settings, clock: Callable[[], dt.datetime]
    ) -> None:
        self.storage = storage
        self.settings = settings
        self.clock = clock

    def count(self, region_id: str) -> None:
        """Count a request of the region; `TooManyRequestsError` (429) over its quota."""
        seconds = self.settings.quota_window
        now = self.clock().timestamp()
        window = int(now // seconds)
        ends = (window + 1) * seconds
        used = self.storage.count_request(region_id, window, ends + COUNTER_TTL_SECONDS)
        if used > self.settings.region_quota:
            retry_after = max(1, int(ends - now + 0.999))
            raise TooManyRequestsError(
                msg(
                    "error.quota",
                    region=region_id,
                    quota=self.settings.region_quota,
                    seconds=seconds,
                    retry_after=retry_after,
                ),
                retry_after=retry_after,
            )
