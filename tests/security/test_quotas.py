"""Issue 17 item 4: per-region quotas. A region over its rate gets 429 with `Retry-After` (the
seconds until its window ends); other regions, the ministry and admin do not notice."""

from __future__ import annotations

import datetime as dt

from chalicelib.config import DEFAULT_QUOTA_WINDOW, DEFAULT_REGION_QUOTA, Settings
from tests.api.conftest import Api


def small_quota(api: Api, quota: int = 3) -> None:
    """The same services with a quota of `quota` requests per 60 s window."""
    services = api.services
    services.auth.quotas.settings = services.settings._replace(region_quota=quota)


def test_a_region_over_its_quota_gets_429_and_others_do_not_notice(api: Api) -> None:
    api.region()
    api.region("VO2002")
    busy, calm = api.token("VO2001"), api.token("VO2002")
    ministry = api.token(None, "ministry")
    api.clock[0] = dt.datetime(2017, 3, 1, 12, 0, 15, tzinfo=dt.UTC)  # 45 s left in the window
    small_quota(api)
    for _ in range(3):
        assert api.call("GET", "/v1/regions/VO2001", token=busy)[0] == 200
    status, body, headers = api.call("GET", "/v1/regions/VO2001", token=busy)
    assert status == 429, body
    assert body["error"]["code"] == "too_many_requests"
    assert headers["Retry-After"] == "45"
    assert api.call("GET", "/v1/regions/VO2002", token=calm)[0] == 200
    assert api.call("GET", "/v1/statistics?teldatum=2016-10-01", token=ministry)[0] == 200
    assert api.call("GET", "/v1/regions/VO2001")[0] == 200  # admin
    api.clock[0] += dt.timedelta(seconds=45)  # the next window
    assert api.call("GET", "/v1/regions/VO2001", token=busy)[0] == 200


def test_the_defaults_and_their_environment_variables() -> None:
    assert (DEFAULT_REGION_QUOTA, DEFAULT_QUOTA_WINDOW) == (600, 60)
    env = {"TOEWIJZING_REGION_QUOTA": "120", "TOEWIJZING_QUOTA_WINDOW_SECONDS": "10"}
    settings = Settings.from_env(env)
    assert (settings.region_quota, settings.quota_window) == (120, 10)
    bad = Settings.from_env({"TOEWIJZING_REGION_QUOTA": "-1"})
    assert bad.region_quota == 600
