"""The deployment template's own parts (resources.json, .chalice/policy-dev.json) stay in step
with the table definition the code and the tests use, and the function's role stays narrow."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chalicelib.storage import schema
from scripts import gen_resources


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", sorted(gen_resources.FILES), ids=lambda path: path.name)
def test_committed_deployment_file_matches_its_generator(path: Path) -> None:
    expected = gen_resources.render(gen_resources.FILES[path]())
    assert path.read_text(encoding="utf-8") == expected, "run `make resources`"


def test_template_table_is_the_schema_table_with_ttl_and_recovery() -> None:
    table = load(gen_resources.RESOURCES)["Resources"][gen_resources.TABLE]
    properties = table["Properties"]
    request = schema.create_table_request("any")
    assert table["Type"] == "AWS::DynamoDB::Table"
    assert "TableName" not in properties  # CloudFormation names it; the function gets Ref
    for key in ("KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes", "BillingMode"):
        assert properties[key] == request[key]
    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain"


def test_function_gets_the_table_name_from_the_template() -> None:
    function = load(gen_resources.RESOURCES)["Resources"]["APIHandler"]
    variables = function["Properties"]["Environment"]["Variables"]
    assert variables["TOEWIJZING_TABLE"] == {"Ref": gen_resources.TABLE}


def test_role_policy_is_least_privilege() -> None:
    statements = load(gen_resources.POLICY)["Statement"]
    actions = {action for statement in statements for action in statement["Action"]}
    assert all(statement["Effect"] == "Allow" for statement in statements)
    assert not [action for action in actions if "*" in action]
    assert not [
        s for s in statements if s["Resource"] == "*" or "*" in json.dumps(s["Resource"])[:3]
    ]
    assert {"dynamodb:Scan", "dynamodb:DeleteTable", "dynamodb:CreateTable"}.isdisjoint(actions)
    dynamodb = {action for action in actions if action.startswith("dynamodb:")}
    assert dynamodb == {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:Query",
        "dynamodb:BatchWriteItem",
        "dynamodb:BatchGetItem",
        "dynamodb:ConditionCheckItem",
    }
    resources = [json.dumps(statement["Resource"]) for statement in statements]
    assert all("Fn::" in resource for resource in resources)  # every resource is a stack ARN
