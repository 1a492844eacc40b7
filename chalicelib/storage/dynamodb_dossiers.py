"""The health records of the DynamoDB adapter read as dossiers: all at once (`list_dossiers`,
the synchronous impact) or page by page (`dossier_page`, an impact run's worker).

A health record counts only while retained (`expires_at`, filtered in the query: DynamoDB's TTL
deletes late, dynalite never) and while its decision exists (a crash between the two writes of
`put_decision` can leave a health record without its decision).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from chalicelib.storage.dynamodb_table import DynamoTable, _s, region_pk
from chalicelib.storage.schema import PK, SK, TTL_ATTRIBUTE


def _cutoff(today: dt.date) -> int:
    return int(dt.datetime.combine(today, dt.time(), dt.UTC).timestamp())


class DynamoDossiers(DynamoTable):
    def list_dossiers(self, region_id: str, today: dt.date) -> list[dict[str, Any]]:
        pk = region_pk(region_id)
        decided = {
            i[SK]["S"].removeprefix("DECISION#") for i in self._query_prefix(pk, "DECISION#")
        }
        return [
            json.loads(item["doc"]["S"])
            for item in self._query_prefix(pk, "HEALTH#")
            if int(item[TTL_ATTRIBUTE]["N"]) > _cutoff(today)
            and item[SK]["S"].removeprefix("HEALTH#") in decided
        ]

    def dossier_page(
        self, region_id: str, today: dt.date, after: str | None, limit: int
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One query of at most `limit` health records after `HEALTH#<after>`; the expired ones
        are filtered out by DynamoDB (never sent here), then one BatchGetItem checks that their
        decisions exist. The next `after` is the page's `LastEvaluatedKey`."""
        pk = region_pk(region_id)
        request: dict[str, Any] = {
            "KeyConditionExpression": f"{PK} = :pk AND begins_with({SK}, :prefix)",
            "FilterExpression": "#ttl > :cutoff",
            "ExpressionAttributeNames": {"#ttl": TTL_ATTRIBUTE},
            "ExpressionAttributeValues": {
                ":pk": _s(pk),
                ":prefix": _s("HEALTH#"),
                ":cutoff": {"N": str(_cutoff(today))},
            },
            "ConsistentRead": True,
            "Limit": limit,
        }
        if after is not None:
            request["ExclusiveStartKey"] = {PK: _s(pk), SK: _s(f"HEALTH#{after}")}
        response = self._call(self._client.query, **request)
        items = response.get("Items", [])
        ids = [item[SK]["S"].removeprefix("HEALTH#") for item in items]
        decided = self._get_many(region_id, [f"DECISION#{d}" for d in ids])
        page = [
            json.loads(item["doc"]["S"])
            for item, d in zip(items, ids, strict=True)
            if f"DECISION#{d}" in decided
        ]
        last = response.get("LastEvaluatedKey")
        return page, (last[SK]["S"].removeprefix("HEALTH#") if last else None)
