"""The DynamoDB adapter: the storage port on one table. Only the adapter's modules know keys and
item shapes (this one: regions, tokens, reading decisions, region and national documents;
`dynamodb_decisions.py`: storing decisions; `dynamodb_batches.py`: batches;
`dynamodb_dossiers.py`: health records for impact runs; `dynamodb_statistics.py`: the
statistics snapshots; `dynamodb_table.py`: keys, items and the shared requests); AWS errors are
translated by `aws_errors.py`.

Every create is a conditional put: nothing is ever silently overwritten. The one exception is
`put_chunk_rows`, a batch chunk's bulk write, which only the holder of the chunk's lease makes
(see `BatchStorage.put_chunk_rows`). The key design is in `KEYS.md` beside this file.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from chalicelib.domain.statistics import statistics_view
from chalicelib.errors import AlreadyExistsError
from chalicelib.storage import cursor as cursors
from chalicelib.storage.dynamodb_batches import DynamoBatches
from chalicelib.storage.dynamodb_decisions import DynamoDecisionWrites
from chalicelib.storage.dynamodb_dossiers import DynamoDossiers
from chalicelib.storage.dynamodb_statistics import NATIONAL_PK, REGIONS_KEY, hash_update
from chalicelib.storage.dynamodb_table import (
    VIEW,
    Item,
    _s,
    region_pk,
    student_key,
)
from chalicelib.storage.ports import (
    Page,
    Role,
    StoredDecision,
    TokenRecord,
    region_hash,
)
from chalicelib.storage.retrying import conflicts_retried
from chalicelib.storage.schema import GSI1, GSI1PK, GSI1SK, PK, SK, TTL_ATTRIBUTE


def tokens_key(region_id: str | None) -> str:
    """The index key of a region's tokens; `TOKENS` alone for ministry and admin tokens."""
    return "TOKENS" if region_id is None else f"TOKENS#{region_id}"


def _token(item: Item) -> TokenRecord:
    def text(name: str) -> str | None:
        value = item.get(name, {}).get("S")
        return value if isinstance(value, str) else None

    role: Role = item["role"]["S"]  # written only by put_token
    token_hash = item[PK]["S"].removeprefix("TOKEN#")
    return TokenRecord(token_hash, role, text("region_id"), text("label"), text("token_id"),
                       text("created"), text("expires"))  # fmt: skip


class DynamoStorage(DynamoDecisionWrites, DynamoBatches, DynamoDossiers):
    """The storage port on one DynamoDB table (see chalicelib/storage/schema.py)."""

    # Regions and tokens

    def put_region(self, region: dict[str, Any]) -> bool:
        """The document, and its hash beside the region's change count (`STATS`), in one
        transaction: the national snapshot's check reads the hashes there, never the documents
        (KEYS.md "National snapshot")."""
        region_id = region["region_id"]
        item = {
            PK: _s(region_pk(region_id)),
            SK: _s("REGION"),
            # every region under one index key, so that the national statistics can list them
            GSI1PK: _s(REGIONS_KEY),
            GSI1SK: _s(region_id),
            "doc": _s(json.dumps(region, sort_keys=True)),
        }
        recorded = hash_update(region_id, region_hash(region))
        if not self._transactions:
            # dynalite: the hash first, so that it never names an older document than the
            # one stored (KEYS.md)
            self._call(self._client.update_item, **recorded)
            response = self._call(self._client.put_item, Item=item, ReturnValues="ALL_OLD")
            return "Attributes" not in response
        table = {"TableName": self._table}
        try:  # a new region; else the existing one is replaced
            new = {**table, "Item": item, "ConditionExpression": "attribute_not_exists(PK)"}
            self._put_region_with_hash({**table, **recorded}, new)
            return True
        except AlreadyExistsError:
            self._put_region_with_hash({**table, **recorded}, {**table, "Item": item})
            return False

    def _put_region_with_hash(self, recorded: dict[str, Any], put: dict[str, Any]) -> None:
        writes = [{"Update": recorded}, {"Put": put}]
        conflicts_retried(lambda: self._transact(writes, None), self._sleep)

    def get_region(self, region_id: str) -> dict[str, Any] | None:
        item = self._get(region_pk(region_id), "REGION")
        return None if item is None else json.loads(item["doc"]["S"])

    def put_token(self, token: TokenRecord) -> None:
        item: Item = {
            PK: _s(f"TOKEN#{token.token_hash}"),
            SK: _s("TOKEN"),
            "role": _s(token.role),
        }
        optional = {"region_id": token.region_id, "label": token.label,
                    "token_id": token.token_id, "created": token.created_at,
                    "expires": token.expires_at}  # fmt: skip
        item.update({name: _s(value) for name, value in optional.items() if value is not None})
        if token.token_id is not None:  # listed per region (or national) on the index
            item[GSI1PK] = _s(tokens_key(token.region_id))
            item[GSI1SK] = _s(token.token_id)
        if token.expires_at is not None:  # the table's TTL removes it 90 days after expiry
            expiry = dt.datetime.fromisoformat(token.expires_at) + dt.timedelta(days=90)
            item[TTL_ATTRIBUTE] = {"N": str(int(expiry.timestamp()))}
        self._put_new(item)

    def get_token(self, token_hash: str) -> TokenRecord | None:
        item = self._get(f"TOKEN#{token_hash}", "TOKEN")
        return None if item is None else _token(item)

    def _token_items(self, region_id: str | None, token_id: str | None = None) -> list[Item]:
        condition, values = f"{GSI1PK} = :p", {":p": _s(tokens_key(region_id))}
        if token_id is not None:
            condition += f" AND {GSI1SK} = :id"
            values[":id"] = _s(token_id)
        return self._query(
            IndexName=GSI1, KeyConditionExpression=condition, ExpressionAttributeValues=values
        )

    def list_tokens(self, region_id: str | None) -> list[TokenRecord]:
        return [_token(item) for item in self._token_items(region_id)]

    def delete_token(self, region_id: str | None, token_id: str) -> bool:
        deleted = False
        for item in self._token_items(region_id, token_id):
            try:
                self._call(
                    self._client.delete_item,
                    Key={PK: item[PK], SK: item[SK]},
                    ConditionExpression="attribute_exists(PK)",
                )
                deleted = True
            except AlreadyExistsError:  # a failed condition: revoked by another request
                pass
        return deleted

    def count_request(self, region_id: str, window: int, expires_at: int) -> int:
        response = self._call(
            self._client.update_item,
            Key={PK: _s(f"QUOTA#{region_id}"), SK: _s(f"WINDOW#{window}")},
            UpdateExpression="ADD n :one SET #ttl = :ttl",
            ExpressionAttributeNames={"#ttl": TTL_ATTRIBUTE},
            ExpressionAttributeValues={":one": {"N": "1"}, ":ttl": {"N": str(expires_at)}},
            ReturnValues="UPDATED_NEW",
        )
        return int(response["Attributes"]["n"]["N"])

    # Decisions (the writes: dynamodb_decisions.py)

    def _from_item(self, item: Item, health: Item | None, today: dt.date) -> StoredDecision:
        expires = dt.date.fromisoformat(item["health_expires_on"]["S"])
        # DynamoDB's TTL deletes with a delay (and dynalite not at all): filter on read too.
        visible = health is not None and today < expires
        return StoredDecision(
            region_id=item[PK]["S"].removeprefix("REGION#"),
            decision_id=item[SK]["S"].removeprefix("DECISION#"),
            student_ref=item["student_ref"]["S"],
            decided_on=dt.date.fromisoformat(item["decided_on"]["S"]),
            document=json.loads(item["doc"]["S"]),
            health=json.loads(health["doc"]["S"]) if visible and health else None,
            health_expires_on=expires,
        )

    def get_decision(
        self, region_id: str, decision_id: str, today: dt.date
    ) -> StoredDecision | None:
        item = self._get(region_pk(region_id), f"DECISION#{decision_id}")
        if item is None:
            return None
        health = self._get(region_pk(region_id), f"HEALTH#{decision_id}")
        return self._from_item(item, health, today)

    def _health_items(self, region_id: str, decision_ids: list[str]) -> dict[str, Item]:
        found = self._get_many(region_id, [f"HEALTH#{d}" for d in decision_ids])
        return {sk.removeprefix("HEALTH#"): item for sk, item in found.items()}

    def get_decisions(
        self, region_id: str, decision_ids: list[str], today: dt.date
    ) -> dict[str, StoredDecision]:
        found = self._get_many(region_id, [f"DECISION#{d}" for d in decision_ids])
        ids = [sk.removeprefix("DECISION#") for sk in found]
        health = self._health_items(region_id, ids)
        return {d: self._from_item(found[f"DECISION#{d}"], health.get(d), today) for d in ids}

    def list_decisions(
        self, region_id: str, student_ref: str, today: dt.date, limit: int, cursor: str | None
    ) -> Page:
        condition = f"{GSI1PK} = :p"
        values = {":p": _s(student_key(region_id, student_ref))}
        if cursor:
            condition += f" AND {GSI1SK} > :after"
            values[":after"] = _s(cursors.decode(cursor))
        response = self._call(
            self._client.query,
            IndexName=GSI1,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
            Limit=limit + 1,
        )
        page = response.get("Items", [])
        items = page[:limit]
        health = self._health_items(
            region_id, [i[SK]["S"].removeprefix("DECISION#") for i in items]
        )
        decisions = [
            self._from_item(i, health.get(i[SK]["S"].removeprefix("DECISION#")), today)
            for i in items
        ]
        more = len(page) > limit
        next_cursor = cursors.encode(items[-1][GSI1SK]["S"]) if more and items else None
        return Page(decisions, next_cursor)

    # Region documents: opt-out notices, criteria versions, support plans, ...

    def put_region_document(
        self, region_id: str, kind: str, key: str, document: dict[str, Any]
    ) -> None:
        self._put_new(
            {
                PK: _s(region_pk(region_id)),
                SK: _s(f"{kind.upper()}#{key}"),
                "doc": _s(json.dumps(document, sort_keys=True)),
            }
        )

    def list_region_documents(self, region_id: str, kind: str) -> list[dict[str, Any]]:
        items = self._query_prefix(region_pk(region_id), f"{kind.upper()}#")
        return [json.loads(item["doc"]["S"]) for item in items]

    # Monitoring: all regions (GSI1), all decisions of a region, national documents

    def list_regions(self) -> list[dict[str, Any]]:
        items = self._query(
            IndexName=GSI1,
            KeyConditionExpression=f"{GSI1PK} = :p",
            ExpressionAttributeValues={":p": _s(REGIONS_KEY)},
        )
        return [json.loads(item["doc"]["S"]) for item in items]

    def list_region_decisions(self, region_id: str) -> list[dict[str, Any]]:
        items = self._query_prefix(region_pk(region_id), "DECISION#")
        return [json.loads(item["doc"]["S"]) for item in items]

    def list_region_decision_views(self, region_id: str) -> list[dict[str, Any]]:
        """One query projected to the views (a tenth of the bytes); the decisions stored
        before views were written are read whole and cut here."""
        pk = region_pk(region_id)
        items = self._query(
            KeyConditionExpression=f"{PK} = :pk AND begins_with({SK}, :prefix)",
            ExpressionAttributeValues={":pk": _s(pk), ":prefix": _s("DECISION#")},
            ProjectionExpression=f"{SK}, {VIEW}",
            ConsistentRead=True,
        )
        views = [json.loads(i[VIEW]["S"]) for i in items if VIEW in i]
        older = [i[SK]["S"] for i in items if VIEW not in i]
        whole = self._get_many(region_id, older)
        return views + [statistics_view(json.loads(i["doc"]["S"])) for i in whole.values()]

    def put_national_document(self, kind: str, key: str, document: dict[str, Any]) -> None:
        self._put_new(
            {
                PK: _s(NATIONAL_PK),
                SK: _s(f"{kind.upper()}#{key}"),
                "doc": _s(json.dumps(document, sort_keys=True)),
            }
        )

    def list_national_documents(self, kind: str) -> list[dict[str, Any]]:
        items = self._query_prefix(NATIONAL_PK, f"{kind.upper()}#")
        return [json.loads(item["doc"]["S"]) for item in items]
