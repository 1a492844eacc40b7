"""The deployment template's own parts (resources.json, the two role policies) stay in step with
the table definition and batch settings the code and the tests use, and the roles stay narrow."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chalicelib import config
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


def resources() -> dict[str, Any]:
    return load(gen_resources.RESOURCES)["Resources"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("function", ["APIHandler", "BatchWorker", "BatchSweeper"])
def test_every_function_gets_table_bucket_queue_and_key_from_the_template(function: str) -> None:
    variables = resources()[function]["Properties"]["Environment"]["Variables"]
    assert variables[config.TABLE] == {"Ref": gen_resources.TABLE}
    assert variables[config.BUCKET] == {"Ref": gen_resources.BUCKET}
    assert variables[config.QUEUE_URL] == {"Ref": gen_resources.QUEUE}
    assert variables[config.PSEUDONYM_KEY] == {"Ref": "PseudonymKey"}
    parameter = load(gen_resources.RESOURCES)["Parameters"]["PseudonymKey"]
    assert parameter["NoEcho"] is True and "Default" not in parameter


def test_bucket_is_private_encrypted_and_forgets_bodies_after_a_day() -> None:
    bucket = resources()[gen_resources.BUCKET]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    rules = bucket["LifecycleConfiguration"]["Rules"]
    assert {r["Prefix"]: r["ExpirationInDays"] for r in rules} == {"uploads/": 1, "batches/": 1}
    assert all(r["Status"] == "Enabled" for r in rules)


def test_queue_is_the_one_the_worker_subscribes_to_with_a_dead_letter_queue() -> None:
    template = resources()
    queue = template[gen_resources.QUEUE]["Properties"]
    worker = template["BatchWorker"]["Properties"]
    assert queue["QueueName"] == config.BATCH_QUEUE_NAME == "toewijzing-batches"
    assert queue["VisibilityTimeout"] >= 6 * worker["Timeout"]
    assert queue["SqsManagedSseEnabled"] is True
    assert queue["MessageRetentionPeriod"] == 24 * 60 * 60
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": [gen_resources.DEAD_LETTERS, "Arn"]},
        "maxReceiveCount": 5,
    }
    dead = template[gen_resources.DEAD_LETTERS]["Properties"]
    assert dead["MessageRetentionPeriod"] > queue["MessageRetentionPeriod"]
    event = worker["Events"]["BatchWorkerSqsEventSource"]["Properties"]
    assert event["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_worker_has_its_own_policy_file_in_the_chalice_config() -> None:
    assert gen_resources.check_config() == []
    stage = load(gen_resources.CHALICE_CONFIG)["stages"]["dev"]
    worker = stage["lambda_functions"]["batch_worker"]
    assert worker["iam_policy_file"] == gen_resources.WORKER_POLICY.name


def actions_of(path: Path) -> dict[str, set[str]]:
    """Sid -> actions of a policy file."""
    return {s["Sid"]: set(s["Action"]) for s in load(path)["Statement"]}


@pytest.mark.parametrize("path", [gen_resources.POLICY, gen_resources.WORKER_POLICY,
                                  gen_resources.SWEEPER_POLICY],
                         ids=lambda path: path.name)  # fmt: skip
def test_role_policy_is_least_privilege(path: Path) -> None:
    statements = load(path)["Statement"]
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
    objects = load(path)["Statement"]
    (bodies,) = [s for s in objects if s["Sid"] == "BatchBodies"]
    assert [r["Fn::Sub"] for r in bodies["Resource"]] == [
        "${BatchBucket.Arn}/uploads/*",
        "${BatchBucket.Arn}/batches/*",
    ]


def test_api_and_worker_get_only_their_own_batch_rights() -> None:
    api, worker = actions_of(gen_resources.POLICY), actions_of(gen_resources.WORKER_POLICY)
    assert api["BatchBodies"] == {"s3:PutObject", "s3:GetObject"}
    assert api["BatchQueue"] == {"sqs:SendMessage"}
    assert worker["BatchBodies"] == {"s3:GetObject", "s3:DeleteObject"}
    assert worker["BatchQueue"] == {
        "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:SendMessage"
    }  # fmt: skip
    logs = {
        path: load(path)["Statement"][-1]["Resource"]
        for path in (gen_resources.POLICY, gen_resources.WORKER_POLICY)
    }
    assert logs == {
        gen_resources.POLICY: {"Fn::GetAtt": ["APIHandlerLogGroup", "Arn"]},
        gen_resources.WORKER_POLICY: {"Fn::GetAtt": ["BatchWorkerLogGroup", "Arn"]},
    }


def packaged(tmp_path: Path, **changes: Any) -> Path:
    """A stand-in for out/sam.json: resources.json as chalice merges it, then `changes`."""
    template = load(gen_resources.RESOURCES)
    res = template["Resources"]
    queue_arn = {"Fn::Sub": "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:"
                            "toewijzing-batches"}  # fmt: skip
    for function, make_policy in gen_resources.POLICIES.items():
        res[function]["Type"] = "AWS::Serverless::Function"
        res[function]["Properties"].setdefault("Timeout", 60)
        res[gen_resources.ROLES[function]] = {
            "Type": "AWS::IAM::Role",
            "Properties": {"Policies": [{"PolicyDocument": make_policy(), "PolicyName": "p"}]},
        }
    event = res["BatchWorker"]["Properties"]["Events"]["BatchWorkerSqsEventSource"]
    event["Type"] = "SQS"
    event["Properties"].update(Queue=queue_arn, BatchSize=5)
    for path, value in changes.items():
        *parents, last = path.split("__")
        node = res
        for part in parents:
            node = node[part]
        node[last] = value
    out = tmp_path / "sam.json"
    out.write_text(json.dumps(template), encoding="utf-8")
    return out


def test_check_template_passes_the_merged_template(tmp_path: Path) -> None:
    assert gen_resources.check_template(packaged(tmp_path)) == []


@pytest.mark.parametrize(
    ("change", "value", "problem"),
    [
        ("BatchWorker__Properties__Environment", {}, "lacks TOEWIJZING_TABLE"),
        (
            "BatchWorker__Properties__Events__BatchWorkerSqsEventSource__Properties__"
            "FunctionResponseTypes",
            [],
            "no ReportBatchItemFailures",
        ),
        ("BatchWorker__Properties__Timeout", 900, "VisibilityTimeout is under 6 x"),
        (
            "BatchWorkerRole__Properties__Policies",
            [{"PolicyDocument": gen_resources.policy(), "PolicyName": "p"}],
            "role of BatchWorker does not have exactly its generated policy",
        ),
    ],
)
def test_check_template_finds_what_is_not_wired(
    tmp_path: Path, change: str, value: Any, problem: str
) -> None:
    problems = gen_resources.check_template(packaged(tmp_path, **{change: value}))
    assert any(problem in p for p in problems), problems


def test_the_sweeper_has_its_own_role_that_may_requeue_and_delete_bodies_only() -> None:
    stage = load(gen_resources.CHALICE_CONFIG)["stages"]["dev"]
    sweeper = stage["lambda_functions"]["batch_sweeper"]
    assert sweeper["iam_policy_file"] == gen_resources.SWEEPER_POLICY.name
    rights = actions_of(gen_resources.SWEEPER_POLICY)
    assert rights["BatchBodies"] == {"s3:DeleteObject"}
    assert rights["BatchQueue"] == {"sqs:SendMessage"}
    assert load(gen_resources.SWEEPER_POLICY)["Statement"][-1]["Resource"] == {
        "Fn::GetAtt": ["BatchSweeperLogGroup", "Arn"]
    }


def gateway_response(kind: str) -> dict[str, Any]:
    resources = load(gen_resources.RESOURCES)["Resources"]
    found = [
        r["Properties"]
        for r in resources.values()
        if r.get("Type") == "AWS::ApiGateway::GatewayResponse"
        and r["Properties"]["ResponseType"] == kind
    ]
    assert len(found) == 1, kind
    assert found[0]["RestApiId"] == {"Ref": gen_resources.REST_API}
    return dict(found[0])


def test_a_path_no_route_serves_is_404_not_found_in_the_error_shape_in_aws() -> None:
    from chalicelib.web.http import NO_ROUTE

    response = gateway_response("MISSING_AUTHENTICATION_TOKEN")
    assert response["StatusCode"] == "404"
    body = json.loads(response["ResponseTemplates"]["application/json"])
    assert body == {"error": {"code": "not_found", "message": NO_ROUTE}}  # as chalice local
    headers = response["ResponseParameters"]
    assert headers["gatewayresponse.header.Content-Type"] == "'application/json; charset=utf-8'"


@pytest.mark.parametrize("kind", ["DEFAULT_4XX", "DEFAULT_5XX", "THROTTLED"])
def test_the_gateways_other_refusals_keep_their_status_in_the_error_shape(kind: str) -> None:
    response = gateway_response(kind)
    assert "StatusCode" not in response  # the gateway's own status
    template = response["ResponseTemplates"]["application/json"]
    # `$context...` is filled in by API Gateway; with a sample value the body is the shape
    sample = template.replace("$context.error.messageString", '"Too many requests"')
    body = json.loads(sample.replace("$context.requestId", "r1"))
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] in {"request_refused", "internal_error", "too_many_requests"}


def test_the_packaged_template_carries_the_gateway_responses() -> None:
    """On `make cfn-lint`'s out/sam.json (chalice's template merged with resources.json), which
    `make test` builds before the tests; cfn-lint has checked the same file."""
    sam = gen_resources.RESOURCES.parent / "out" / "sam.json"
    if not sam.exists():
        pytest.skip("no out/sam.json: run `make cfn-lint` (make test does)")
    resources = load(sam)["Resources"]
    kinds = {
        r["Properties"]["ResponseType"]
        for r in resources.values()
        if r.get("Type") == "AWS::ApiGateway::GatewayResponse"
    }
    assert set(gen_resources.GATEWAY_RESPONSES) == kinds
    assert resources[gen_resources.REST_API]["Type"] == "AWS::Serverless::Api"
