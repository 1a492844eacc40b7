"""Issue 17 item 5: tokens have a lifecycle. A new token has a `token_id` and an `expires_at`
(a year by default, shorter on request); tokens are listed without their secret; a revoked or
expired token is a 401 from the next request on (no token is cached). The same for ministry
and admin tokens at `/v1/tokens`."""

from __future__ import annotations

import datetime as dt
import json

from chalicelib.storage.ports import TokenRecord
from tests.api.conftest import Api

FIELDS = {"token_id", "role", "region_id", "label", "created_at", "expires_at"}


def test_a_new_token_has_an_id_and_expires_in_a_year_or_sooner(api: Api) -> None:
    api.region()  # the clock says 2017-03-01 12:00 UTC
    status, body, headers = api.call("POST", "/v1/regions/VO2001/tokens", {"label": "office"})
    assert status == 201, body
    assert set(body) == {"token", *FIELDS}
    assert len(body["token_id"]) == 32 and body["region_id"] == "VO2001"
    assert body["created_at"] == "2017-03-01T12:00:00+00:00"
    assert body["expires_at"] == "2018-03-01T12:00:00+00:00"
    assert headers["Cache-Control"] == "no-store"
    status, body, _ = api.call("POST", "/v1/tokens", {"role": "ministry", "expires_in_days": 30})
    assert status == 201 and body["expires_at"] == "2017-03-31T12:00:00+00:00"
    for days in (0, 366, 36500):
        status, body, _ = api.call(
            "POST", "/v1/tokens", {"role": "ministry", "expires_in_days": days}
        )
        assert status == 400 and body["error"]["details"][0]["path"] == "/expires_in_days"


def test_tokens_are_listed_without_their_secret(api: Api) -> None:
    api.region()
    api.region("VO2002")
    mine = [api.call("POST", "/v1/regions/VO2001/tokens", {"label": f"t{i}"})[1] for i in (1, 2)]
    api.call("POST", "/v1/regions/VO2002/tokens", {})
    ministry = api.call("POST", "/v1/tokens", {"role": "ministry"})[1]
    status, listed, headers = api.call("GET", "/v1/regions/VO2001/tokens")
    assert status == 200 and headers["Cache-Control"] == "no-store"
    assert sorted(t["token_id"] for t in listed["items"]) == sorted(t["token_id"] for t in mine)
    assert all(set(t) == FIELDS for t in listed["items"])
    text = json.dumps(listed)
    for token in mine:
        assert token["token"] not in text
    _, national, _ = api.call("GET", "/v1/tokens")
    assert [t["token_id"] for t in national["items"]] == [ministry["token_id"]]
    region_token = mine[0]["token"]
    for path in ("/v1/regions/VO2001/tokens", "/v1/tokens"):
        assert api.call("GET", path, token=region_token)[0] == 403
        assert api.call("GET", path, token=ministry["token"])[0] == 403
    assert api.call("GET", "/v1/regions/VO9999/tokens")[0] == 404


def test_a_revoked_token_is_refused_at_once(api: Api) -> None:
    api.region()
    api.region("VO2002")
    first = api.call("POST", "/v1/regions/VO2001/tokens", {})[1]
    second = api.call("POST", "/v1/regions/VO2001/tokens", {})[1]
    assert api.call("GET", "/v1/regions/VO2001", token=first["token"])[0] == 200
    path = f"/v1/regions/VO2001/tokens/{first['token_id']}"
    assert api.call("DELETE", f"/v1/regions/VO2002/tokens/{first['token_id']}")[0] == 404
    assert api.call("DELETE", path, token=second["token"])[0] == 403
    status, body, _ = api.call("DELETE", path)
    assert status == 204 and body is None
    status, body, _ = api.call("GET", "/v1/regions/VO2001", token=first["token"])
    assert status == 401 and body["error"]["code"] == "unauthenticated"
    assert api.call("GET", "/v1/regions/VO2001", token=second["token"])[0] == 200  # rotation
    assert api.call("DELETE", path)[0] == 404
    assert api.call("DELETE", "/v1/regions/VO2001/tokens/not-an-id")[0] == 400
    admin = api.call("POST", "/v1/tokens", {"role": "admin"})[1]
    assert api.call("GET", "/v1/tokens", token=admin["token"])[0] == 200
    assert api.call("DELETE", f"/v1/tokens/{admin['token_id']}")[0] == 204
    assert api.call("GET", "/v1/tokens", token=admin["token"])[0] == 401


def test_an_expired_token_is_refused(api: Api) -> None:
    api.region()
    token = api.call("POST", "/v1/regions/VO2001/tokens", {"expires_in_days": 1})[1]["token"]
    api.clock[0] += dt.timedelta(hours=23, minutes=59)
    assert api.call("GET", "/v1/regions/VO2001", token=token)[0] == 200
    api.clock[0] += dt.timedelta(minutes=1)
    status, body, _ = api.call("GET", "/v1/regions/VO2001", token=token)
    assert status == 401 and "expired" in body["error"]["message"]
    yearly = api.call("POST", "/v1/regions/VO2001/tokens", {})[1]["token"]
    api.clock[0] += dt.timedelta(days=365)
    assert api.call("GET", "/v1/regions/VO2001", token=yearly)[0] == 401


def test_a_token_without_an_expiry_is_refused(api: Api) -> None:
    """Tokens stored before tokens expired lived forever: they are no longer valid."""
    api.region()
    from chalicelib.services.auth import token_hash

    api.services.storage.put_token(TokenRecord(token_hash("tw_old"), "region", "VO2001"))
    assert api.call("GET", "/v1/regions/VO2001", token="tw_old")[0] == 401
