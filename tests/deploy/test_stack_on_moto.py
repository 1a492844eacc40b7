"""The template deploys: `out/sam.json` (made by `make package`, which `make test` runs first)
is translated with aws-sam-translator, as CloudFormation's `AWS::Serverless` transform would,
and created as a stack on moto's CloudFormation, the deployment zip uploaded to moto's S3
first. The stack's table, bucket, queues, functions and schedule are then what the code
expects, and the storage contract suite (`tests/contract`) passes on the stack's table.

moto cannot create everything: what it cannot is left out or not applied, named here
(`LEFT_OUT`, `NOT_APPLIED`), and checked in the translated template instead."""

from __future__ import annotations

import inspect
import json
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib import config
from chalicelib.storage import schema
from chalicelib.storage.dynamodb import DynamoStorage
from scripts import gen_resources
from tests.contract import test_expiry_and_sweeping, test_storage

ROOT = Path(__file__).resolve().parents[2]
SAM = ROOT / "out" / "sam.json"
ZIP = ROOT / "out" / "deployment.zip"
REGION = "eu-west-1"
CODE_BUCKET = "toewijzing-deploy"

# Resource types moto's CloudFormation cannot create, why, and what is left out with them.
LEFT_OUT = {
    "AWS::ApiGateway::RestApi": "moto wants a Name; the one SAM makes has only a Body (OpenAPI)",
}
LEFT_OUT_WITH_IT = {"AWS::ApiGateway::Deployment", "AWS::ApiGateway::Stage",
                    "AWS::Lambda::Permission",
                    # the error shape of API Gateway's own answers (tests/deploy/test_resources.py)
                    "AWS::ApiGateway::GatewayResponse"}  # fmt: skip
# Resources or properties moto accepts but does not apply: checked in the template instead.
NOT_APPLIED = {
    "AWS::S3::BucketPolicy": "moto's CloudFormation has no support for it",
    "AWS::DynamoDB::Table.TimeToLiveSpecification": "moto leaves TTL disabled",
    "AWS::S3::Bucket.LifecycleConfiguration": "moto sets no lifecycle rules",
    "AWS::S3::Bucket.PublicAccessBlockConfiguration": "moto sets no public access block",
}


@dataclass
class Stack:
    template: dict[str, Any]  # the translated template, as created
    left_out: dict[str, str]  # logical id -> type
    outputs: dict[str, str]
    unsupported: set[str]  # moto's warnings: types it skipped

    def resource(self, logical_id: str) -> dict[str, Any]:
        return self.template["Resources"][logical_id]  # type: ignore[no-any-return]


def references(node: Any) -> set[str]:
    text = json.dumps(node)
    found = set(re.findall(r'"Ref": "([A-Za-z0-9]+)"', text))
    found |= set(re.findall(r'"Fn::GetAtt": \["([A-Za-z0-9]+)"', text))
    return found | set(re.findall(r"\$\{([A-Za-z0-9]+)[.}]", text))


def translated() -> dict[str, Any]:
    from samtranslator.translator.managed_policy_translator import ManagedPolicyLoader
    from samtranslator.translator.transform import transform

    template = json.loads(SAM.read_text(encoding="utf-8"))
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":  # as `cloudformation package` does
            resource["Properties"]["CodeUri"] = f"s3://{CODE_BUCKET}/deployment.zip"
    iam = boto3.client("iam", region_name=REGION)
    return transform(template, {}, ManagedPolicyLoader(iam))  # type: ignore[no-any-return]


def leave_out(template: dict[str, Any]) -> dict[str, str]:
    """Remove what moto cannot create, and whatever refers to it; what was removed."""
    resources = template["Resources"]
    gone = {k for k, r in resources.items() if r["Type"] in LEFT_OUT}
    while more := {k for k, r in resources.items() if k not in gone and references(r) & gone}:
        gone |= more
    removed = {k: resources.pop(k)["Type"] for k in sorted(gone)}
    outputs = template.get("Outputs", {})
    template["Outputs"] = {k: v for k, v in outputs.items() if not references(v) & gone}
    return removed


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    if not SAM.exists() or not ZIP.exists():
        pytest.skip("out/sam.json is made by `make package` (`make test` runs it first)")
    with pytest.MonkeyPatch.context() as env:
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
            env.setenv(name, "testing")
        env.setenv("AWS_DEFAULT_REGION", REGION)
        for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE"):
            env.delenv(name, raising=False)
        with mock_aws():
            s3 = boto3.client("s3", region_name=REGION)
            s3.create_bucket(Bucket=CODE_BUCKET,
                             CreateBucketConfiguration={"LocationConstraint": REGION})  # fmt: skip
            s3.upload_file(str(ZIP), CODE_BUCKET, "deployment.zip")
            template = translated()
            left_out = leave_out(template)
            cloudformation = boto3.client("cloudformation", region_name=REGION)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                cloudformation.create_stack(
                    StackName="toewijzing",
                    TemplateBody=json.dumps(template),
                    Parameters=[{"ParameterKey": "PseudonymKey", "ParameterValue": "k" * 40}],
                    Capabilities=["CAPABILITY_IAM"],
                )
            created = cloudformation.describe_stacks(StackName="toewijzing")["Stacks"][0]
            assert created["StackStatus"] == "CREATE_COMPLETE", created
            outputs = {o["OutputKey"]: o["OutputValue"] for o in created.get("Outputs", [])}
            unsupported = {
                m.group(1)
                for w in caught
                if (m := re.search(r"parse (AWS::[A-Za-z0-9:]+) but", str(w.message)))
            }
            yield Stack(template, left_out, outputs, unsupported)


def test_the_stack_is_created_leaving_out_only_what_moto_cannot_create(stack: Stack) -> None:
    # what was left out, and why, is said here and in the assertion message
    types = set(stack.left_out.values())
    assert types <= set(LEFT_OUT) | LEFT_OUT_WITH_IT, f"moto could not create {stack.left_out}"
    assert "RestAPI" in stack.left_out  # the API Gateway: checked by tests/deploy/test_resources
    assert stack.unsupported <= {k for k in NOT_APPLIED if "." not in k}, stack.unsupported
    for name in ("APIHandler", "BatchWorker", "BatchSweeper", "Table", "BatchBucket",
                 "BatchQueue", "BatchDeadLetterQueue"):  # fmt: skip
        assert name in stack.template["Resources"], f"{name} was left out"


def test_the_table_has_the_keys_index_and_ttl_the_code_expects(stack: Stack) -> None:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    table = dynamodb.describe_table(TableName=stack.outputs["TableName"])["Table"]
    wanted = dynamodb_schema()
    assert table["KeySchema"] == wanted["KeySchema"]
    assert [(i["IndexName"], i["KeySchema"], i["Projection"])
            for i in table["GlobalSecondaryIndexes"]] == [
        (i["IndexName"], i["KeySchema"], i["Projection"])
        for i in wanted["GlobalSecondaryIndexes"]]  # fmt: skip
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    # NOT_APPLIED: moto leaves TTL disabled, so the template is what shows it
    ttl = stack.resource("Table")["Properties"]["TimeToLiveSpecification"]
    assert ttl == {"AttributeName": schema.TTL_ATTRIBUTE, "Enabled": True}
    assert schema.TTL_ATTRIBUTE == "expires_at"


def dynamodb_schema() -> dict[str, Any]:
    """The table as `schema.py` defines it (what `ensure_table` creates)."""
    return schema.create_table_request("any")


def test_the_bucket_is_encrypted_private_and_forgets_bodies(stack: Stack) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    encryption = s3.get_bucket_encryption(Bucket=stack.outputs["BatchBucketName"])
    [rule] = encryption["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    # NOT_APPLIED by moto: the template shows them
    properties = stack.resource("BatchBucket")["Properties"]
    assert all(properties["PublicAccessBlockConfiguration"].values())
    expiring = {r["Prefix"]: r["ExpirationInDays"]
                for r in properties["LifecycleConfiguration"]["Rules"]}  # fmt: skip
    assert expiring == {"uploads/": 1, "batches/": 1}
    assert stack.resource("BatchBucketPolicy")["Type"] == "AWS::S3::BucketPolicy"


def test_the_queue_is_encrypted_with_a_redrive_policy_to_its_dead_letter_queue(
    stack: Stack,
) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    url = stack.outputs["BatchQueueUrl"]
    assert url.endswith(f"/{config.BATCH_QUEUE_NAME}")
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    dead = sqs.get_queue_attributes(
        QueueUrl=stack.outputs["BatchDeadLetterQueueUrl"], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive == {"deadLetterTargetArn": dead, "maxReceiveCount": gen_resources.MAX_RECEIVES}
    assert int(attributes["VisibilityTimeout"]) == gen_resources.VISIBILITY_TIMEOUT
    assert attributes["SqsManagedSseEnabled"] == "true"


def test_the_functions_are_wired_to_the_stacks_table_bucket_and_queue(stack: Stack) -> None:
    functions = boto3.client("lambda", region_name=REGION).list_functions()["Functions"]
    handlers = {f["Handler"]: f for f in functions}
    assert set(handlers) == {"app.app", "app.batch_worker", "app.batch_sweeper"}
    for function in functions:
        variables = function["Environment"]["Variables"]
        assert variables[config.TABLE] == stack.outputs["TableName"]
        assert variables[config.BUCKET] == stack.outputs["BatchBucketName"]
        assert variables[config.QUEUE_URL] == stack.outputs["BatchQueueUrl"]
    mappings = boto3.client("lambda", region_name=REGION).list_event_source_mappings()
    [mapping] = mappings["EventSourceMappings"]
    assert mapping["EventSourceArn"].endswith(f":{config.BATCH_QUEUE_NAME}")
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["FunctionArn"] == handlers["app.batch_worker"]["FunctionArn"]


def test_the_sweeper_runs_every_five_minutes(stack: Stack) -> None:
    events = boto3.client("events", region_name=REGION)
    [rule] = events.list_rules()["Rules"]
    assert rule["ScheduleExpression"] == "rate(5 minutes)" and rule["State"] == "ENABLED"
    [target] = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
    assert ":function:toewijzing-BatchSweeper-" in target["Arn"]


CONTRACT = [
    f
    for module in (test_storage, test_expiry_and_sweeping)
    for name, f in sorted(vars(module).items())
    if name.startswith("test_") and "storage" in inspect.signature(f).parameters
]


@pytest.mark.parametrize("contract_test", CONTRACT, ids=lambda f: f.__name__)
def test_the_storage_contract_holds_on_the_stacks_table(
    stack: Stack, contract_test: Callable[..., None], request: pytest.FixtureRequest
) -> None:
    client = boto3.client("dynamodb", region_name=REGION)
    table = stack.outputs["TableName"]
    empty(client, table)  # each contract test starts on an empty table, as on its own
    arguments: dict[str, Any] = {"storage": DynamoStorage(client, table)}
    for name in inspect.signature(contract_test).parameters:
        if name == "request":  # the contract tests ask which backend they run on: moto
            arguments[name] = SimpleNamespace(node=SimpleNamespace(callspec=SimpleNamespace(
                params={"storage": "moto"})))  # fmt: skip
        elif name != "storage":
            arguments[name] = request.getfixturevalue(name)
    contract_test(**arguments)


def empty(client: Any, table: str) -> None:
    for page in client.get_paginator("scan").paginate(TableName=table,
                                                      ProjectionExpression="PK, SK"):  # fmt: skip
        for item in page["Items"]:
            client.delete_item(TableName=table, Key=item)
