"""The DynamoDB table: one table, generic keys, one index. See `KEYS.md` beside this file.

This module only describes the table; `create_table` is used by the local run, the tests and
nothing in the Lambda (in AWS the table comes from the CloudFormation template).
"""

from __future__ import annotations

from typing import Any

PK, SK = "PK", "SK"
GSI1, GSI1PK, GSI1SK = "GSI1", "GSI1PK", "GSI1SK"
TTL_ATTRIBUTE = "expires_at"

KEY_SCHEMA: list[dict[str, str]] = [
    {"AttributeName": PK, "KeyType": "HASH"},
    {"AttributeName": SK, "KeyType": "RANGE"},
]
ATTRIBUTE_DEFINITIONS: list[dict[str, str]] = [
    {"AttributeName": name, "AttributeType": "S"} for name in (PK, SK, GSI1PK, GSI1SK)
]
GLOBAL_SECONDARY_INDEXES: list[dict[str, Any]] = [
    {
        "IndexName": GSI1,
        "KeySchema": [
            {"AttributeName": GSI1PK, "KeyType": "HASH"},
            {"AttributeName": GSI1SK, "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": "ALL"},
    }
]


def create_table_request(table_name: str) -> dict[str, Any]:
    """The CreateTable arguments for our table (on-demand billing)."""
    return {
        "TableName": table_name,
        "KeySchema": KEY_SCHEMA,
        "AttributeDefinitions": ATTRIBUTE_DEFINITIONS,
        "GlobalSecondaryIndexes": GLOBAL_SECONDARY_INDEXES,
        "BillingMode": "PAY_PER_REQUEST",
    }


def ensure_table(client: Any, table_name: str) -> bool:
    """Create the table if it does not exist and wait until it is active; True if created.

    TTL is switched on where the server supports it (DynamoDB and moto do; dynalite does not,
    so locally expired health records are filtered on read instead).
    """
    existing = client.list_tables().get("TableNames", [])
    if table_name in existing:
        return False
    client.create_table(**create_table_request(table_name))
    client.get_waiter("table_exists").wait(
        TableName=table_name, WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )
    try:
        client.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
        )
    except client.exceptions.ClientError as exc:  # dynalite: UnknownOperationException
        if "UnknownOperation" not in str(exc):
            raise
    return True
