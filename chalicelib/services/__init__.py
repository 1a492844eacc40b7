"""The use cases, one module per capability; `Services` holds them over one storage.

Pure of chalice and of any web framework: storage comes in through the port
(`chalicelib/storage/ports.py`), time through `clock`, ids through `new_id`; `chalicelib/wiring.py`
builds one `Services` per process. A storage outage surfaces as `StorageUnavailableError`, a
`ServiceUnavailableError` (503) by class (`chalicelib/errors.py`): no use case translates it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING

from chalicelib.config import Settings
from chalicelib.services.auth import Auth
from chalicelib.services.criteria import Criteria
from chalicelib.services.decisions import Decisions
from chalicelib.services.impact import Impact
from chalicelib.services.optout import OptOut
from chalicelib.services.regions import Regions
from chalicelib.storage.ports import Storage

if TYPE_CHECKING:
    from chalicelib.services.statistics import Statistics
    from chalicelib.services.support_plan import SupportPlans


class Services:
    """Every capability's use cases on one storage, clock and id source; each gets the others it
    needs as constructor arguments. Support plans and statistics are built on first use: most
    processes (a decision Lambda) never load them."""

    def __init__(
        self,
        storage: Storage,
        settings: Settings,
        clock: Callable[[], dt.datetime],
        new_id: Callable[[], str],
    ) -> None:
        self.storage = storage
        self.settings = settings
        self.clock = clock
        self.new_id = new_id
        self.regions = Regions(storage)
        self.auth = Auth(storage, settings, self.regions, clock, new_id)
        self.optout = OptOut(storage, self.regions, clock)
        self.criteria = Criteria(storage, self.regions, self.optout, clock)
        self.impact = Impact(storage, self.regions, self.criteria, clock)
        self.decisions = Decisions(storage, self.regions, self.criteria, clock, new_id)

    def today(self) -> dt.date:
        return self.clock().date()

    @cached_property
    def support_plan(self) -> SupportPlans:
        from chalicelib.services.support_plan import SupportPlans

        return SupportPlans(
            self.storage, self.regions, self.optout, self.criteria, self.clock, self.new_id
        )

    @cached_property
    def statistics(self) -> Statistics:
        from chalicelib.services.statistics import Statistics

        return Statistics(self.storage, self.regions, self.criteria, self.clock, self.new_id)
