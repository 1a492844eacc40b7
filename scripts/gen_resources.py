"""Generate the deployment's hand-kept parts from the table definition in
chalicelib/storage/schema.py and the batch settings in chalicelib/config.py, so that what runs
in AWS is what the code and tests use.

    python scripts/gen_resources.py          # write resources.json and the two role policies
    python scripts/gen_resources.py --check  # exit 1 when a committed file drifted
    python scripts/gen_resources.py --check-template out/sam.json  # after `chalice package`

- `resources.json` is the template that `chalice package --merge-template` deep-merges into the
  SAM template Chalice generates (`out/sam.json`): the table (on-demand, TTL on `expires_at`,
  point-in-time recovery, kept when the stack goes); the batch bucket (encrypted, private,
  `uploads/` and `batches/` expire after a day); the batch queue (`toewijzing-batches`, the name
  `@app.on_sqs_message` subscribes to, encrypted, a day's retention, a dead-letter queue after
  five receives) and partial batch responses (`ReportBatchItemFailures`) on the worker's event
  source; a log group per function; the table, bucket, queue URL and pseudonym key (the
  `PseudonymKey` NoEcho parameter) and the per-region quota (`RegionQuota`, `QuotaWindowSeconds`)
  in every function's environment; throttling on the API stage.
- `.chalice/policy-dev.json` is the API function's only policy (`autogen_policy` is false): items
  of that one table, Query on its indexes, putting and reading batch bodies in the bucket,
  sending to the queue, writing to its own log group.
- `.chalice/policy-dev-sweeper.json` is the batch sweeper's (a function on a 5-minute schedule,
  `lambda_functions.batch_sweeper.iam_policy_file`): the table rights, deleting the bodies of
  completed batches, sending to the queue, its own log group.
- `.chalice/policy-dev-worker.json` is the worker's (`.chalice/config.json`, stage dev,
  `lambda_functions.batch_worker.iam_policy_file`): the same table rights, reading and deleting
  batch bodies, receiving, deleting and sending messages on the queue, its own log group.
  Chalice gives each function its own role when `autogen_policy` is false; without that entry
  the worker's role would get the API's policy file.
  Chalice copies the documents into the template as is, so they use CloudFormation intrinsics
  (`Fn::GetAtt`, `Fn::Sub`); the dev stage is therefore deployed through CloudFormation
  (`make package`), not with `chalice deploy`, which would send the intrinsics to IAM verbatim.

Chalice names the functions `APIHandler` and `BatchWorker`, their roles `ApiHandlerRole` and
`BatchWorkerRole`, the worker's SQS event `BatchWorkerSqsEventSource` and the REST API `RestAPI`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chalicelib import config  # noqa: E402
from chalicelib.storage import schema  # noqa: E402

RESOURCES = ROOT / "resources.json"
POLICY = ROOT / ".chalice" / "policy-dev.json"
WORKER_POLICY = ROOT / ".chalice" / "policy-dev-worker.json"
SWEEPER_POLICY = ROOT / ".chalice" / "policy-dev-sweeper.json"
CHALICE_CONFIG = ROOT / ".chalice" / "config.json"

TABLE = "Table"  # logical ids in the template
LOG_GROUP = "APIHandlerLogGroup"
WORKER_LOG_GROUP = "BatchWorkerLogGroup"
SWEEPER_LOG_GROUP = "BatchSweeperLogGroup"
BUCKET = "BatchBucket"
BUCKET_POLICY = "BatchBucketPolicy"
QUEUE = "BatchQueue"
DEAD_LETTERS = "BatchDeadLetterQueue"
PSEUDONYM_KEY = "PseudonymKey"  # template parameter
REGION_QUOTA, QUOTA_WINDOW = "RegionQuota", "QuotaWindowSeconds"  # template parameters
FUNCTION = "APIHandler"  # chalice's
WORKER = "BatchWorker"  # chalice's, from app.batch_worker
WORKER_NAME = "batch_worker"  # the function's name in app.py and .chalice/config.json
WORKER_EVENT = "BatchWorkerSqsEventSource"  # chalice's
SWEEPER = "BatchSweeper"  # chalice's, from app.batch_sweeper (a scheduled function)
SWEEPER_NAME = "batch_sweeper"
ROLES = {FUNCTION: "ApiHandlerRole", WORKER: "BatchWorkerRole", SWEEPER: "BatchSweeperRole"}
POLICY_FILES = {WORKER_NAME: WORKER_POLICY, SWEEPER_NAME: SWEEPER_POLICY}  # .chalice/config.json
REST_API = "RestAPI"  # chalice's

# Everything the storage adapter may do to an item. No Scan, no table administration.
# TransactWriteItems has no IAM action of its own: it needs the per-item ones listed here.
TABLE_ACTIONS = [
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
]
INDEX_ACTIONS = ["dynamodb:Query"]
LOG_ACTIONS = ["logs:CreateLogStream", "logs:PutLogEvents"]
# The API stores bodies (and signs upload URLs, which act with its rights) and queues `split`.
API_OBJECT_ACTIONS = ["s3:GetObject", "s3:PutObject"]
API_QUEUE_ACTIONS = ["sqs:SendMessage"]
# The worker reads a body, deletes it after splitting, and sends the chunks to its own queue.
WORKER_OBJECT_ACTIONS = ["s3:DeleteObject", "s3:GetObject"]
WORKER_QUEUE_ACTIONS = [
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:ReceiveMessage",
    "sqs:SendMessage",
]
# The sweeper reads the batch records, requeues the work of stalled batches, and deletes the
# body of a batch it finds completed.
SWEEPER_OBJECT_ACTIONS = ["s3:DeleteObject"]
SWEEPER_QUEUE_ACTIONS = ["sqs:SendMessage"]
SWEEPER_TIMEOUT = 120  # seconds: one round over every open batch
BLOB_PREFIXES = ("uploads/", "batches/")  # chalicelib/services/batches/pipeline.py

LOG_RETENTION_DAYS = 90
THROTTLING_RATE = 25  # requests per second, steady state, across all clients
THROTTLING_BURST = 50
WORKER_TIMEOUT = 60  # seconds: a chunk of 250 rows, or splitting a 100,000-row file
# AWS: at least six times the function's timeout, so a message is not delivered again while a
# retried invocation of the same batch still holds it.
VISIBILITY_TIMEOUT = 6 * WORKER_TIMEOUT
MAX_RECEIVES = 5  # then the message goes to the dead-letter queue
DAY = 24 * 60 * 60
QUEUE_RETENTION = DAY
DEAD_LETTER_RETENTION = 14 * DAY  # the maximum: time to look, fix and redrive
BLOB_EXPIRY_DAYS = 1  # bodies may hold names (OSO dossiers); split ones are deleted at once


def table_resource() -> dict[str, Any]:
    request = schema.create_table_request("unused")
    properties = {key: value for key, value in request.items() if key != "TableName"}
    properties["TimeToLiveSpecification"] = {
        "AttributeName": schema.TTL_ATTRIBUTE,
        "Enabled": True,
    }
    properties["PointInTimeRecoverySpecification"] = {"PointInTimeRecoveryEnabled": True}
    properties["SSESpecification"] = {"SSEEnabled": True}
    return {
        "Type": "AWS::DynamoDB::Table",
        # Decisions are administrative records: deleting or replacing the stack keeps them.
        "DeletionPolicy": "Retain",
        "UpdateReplacePolicy": "Retain",
        "Properties": properties,
    }


def bucket_resources() -> dict[str, Any]:
    expire = [
        {
            "Id": f"expire-{prefix.rstrip('/')}",
            "Status": "Enabled",
            "Prefix": prefix,
            "ExpirationInDays": BLOB_EXPIRY_DAYS,
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
        }
        for prefix in BLOB_PREFIXES
    ]
    return {
        BUCKET: {
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                    ]
                },
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
                "LifecycleConfiguration": {"Rules": expire},
            },
        },
        BUCKET_POLICY: {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": BUCKET},
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "TlsOnly",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [
                                {"Fn::GetAtt": [BUCKET, "Arn"]},
                                {"Fn::Sub": f"${{{BUCKET}.Arn}}/*"},
                            ],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        }
                    ],
                },
            },
        },
    }


def queue_resources() -> dict[str, Any]:
    return {
        QUEUE: {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "QueueName": config.BATCH_QUEUE_NAME,
                "VisibilityTimeout": VISIBILITY_TIMEOUT,
                "MessageRetentionPeriod": QUEUE_RETENTION,
                "SqsManagedSseEnabled": True,
                "RedrivePolicy": {
                    "deadLetterTargetArn": {"Fn::GetAtt": [DEAD_LETTERS, "Arn"]},
                    "maxReceiveCount": MAX_RECEIVES,
                },
            },
        },
        DEAD_LETTERS: {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "MessageRetentionPeriod": DEAD_LETTER_RETENTION,
                "SqsManagedSseEnabled": True,
            },
        },
    }


# API Gateway's own answers in the contract's error shape (README, "Errors"): a path no route
# serves (and a method a path lacks: API Gateway cannot tell them apart) is 404 `not_found`, as
# `chalicelib/web/http.py` `mirror_gateway_responses` answers locally; any other refusal of the
# gateway keeps its status. `$context.error.messageString` is a quoted JSON string already.
NO_ROUTE = "No operation of the API is at this path; see GET /v1/openapi.json."
GATEWAY_RESPONSES: dict[str, tuple[str | None, str, str]] = {
    "MISSING_AUTHENTICATION_TOKEN": ("404", "not_found", json.dumps(NO_ROUTE)),
    "THROTTLED": (None, "too_many_requests", "$context.error.messageString"),
    "REQUEST_TOO_LARGE": (None, "payload_too_large", "$context.error.messageString"),
    "UNSUPPORTED_MEDIA_TYPE": (None, "unsupported_media_type", "$context.error.messageString"),
    "DEFAULT_4XX": (None, "request_refused", "$context.error.messageString"),
    "DEFAULT_5XX": (
        None,
        "internal_error",
        '"An internal error occurred; quote request id $context.requestId."',
    ),
}


def gateway_responses() -> dict[str, Any]:
    resources = {}
    for kind, (status, code, message) in GATEWAY_RESPONSES.items():
        properties: dict[str, Any] = {
            "RestApiId": {"Ref": REST_API},
            "ResponseType": kind,
            "ResponseParameters": {
                "gatewayresponse.header.Content-Type": "'application/json; charset=utf-8'",
                "gatewayresponse.header.X-Content-Type-Options": "'nosniff'",
                "gatewayresponse.header.Cache-Control": "'no-store'",
            },
            "ResponseTemplates": {
                "application/json": f'{{"error": {{"code": "{code}", "message": {message}}}}}'
            },
        }
        if status is not None:
            properties["StatusCode"] = status
        name = "GatewayResponse" + "".join(w.title() for w in kind.split("_"))
        resources[name] = {"Type": "AWS::ApiGateway::GatewayResponse", "Properties": properties}
    return resources


def environment() -> dict[str, Any]:
    """The same settings for both functions (chalicelib/config.py reads them)."""
    return {
        "Variables": {
            config.TABLE: {"Ref": TABLE},
            config.STORAGE: "dynamodb",
            config.BUCKET: {"Ref": BUCKET},
            config.QUEUE_URL: {"Ref": QUEUE},  # Ref of a queue is its URL
            config.PSEUDONYM_KEY: {"Ref": PSEUDONYM_KEY},
            config.REGION_QUOTA: {"Ref": REGION_QUOTA},
            config.QUOTA_WINDOW: {"Ref": QUOTA_WINDOW},
        }
    }


def resources() -> dict[str, Any]:
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": (
            "toewijzing: decision API for lwoo and pro allocations. Generated by "
            "`chalice package` merged with resources.json (scripts/gen_resources.py)."
        ),
        "Parameters": {
            "ApiThrottlingRateLimit": {
                "Type": "Number",
                "Default": THROTTLING_RATE,
                "MinValue": 1,
                "Description": "Steady-state requests per second for the whole API stage.",
            },
            "ApiThrottlingBurstLimit": {
                "Type": "Number",
                "Default": THROTTLING_BURST,
                "MinValue": 1,
                "Description": "Burst capacity (requests) for the whole API stage.",
            },
            REGION_QUOTA: {
                "Type": "Number",
                "Default": config.DEFAULT_REGION_QUOTA,
                "MinValue": 1,
                "Description": (
                    "Requests per region (its tokens) per quota window; over it a 429 with "
                    "Retry-After for that region only (chalicelib/services/quotas.py)."
                ),
            },
            QUOTA_WINDOW: {
                "Type": "Number",
                "Default": config.DEFAULT_QUOTA_WINDOW,
                "MinValue": 1,
                "Description": "Length of a region's quota window in seconds.",
            },
            PSEUDONYM_KEY: {
                "Type": "String",
                "NoEcho": True,
                "MinLength": 32,
                "Description": (
                    "Secret from which each region's key for pseudonymous student refs (HMAC) "
                    "of OSO dossiers is derived. Keep it: another key gives other refs."
                ),
            },
        },
        "Resources": {
            TABLE: table_resource(),
            **bucket_resources(),
            **queue_resources(),
            **gateway_responses(),
            LOG_GROUP: {
                "Type": "AWS::Logs::LogGroup",
                "Properties": {"RetentionInDays": LOG_RETENTION_DAYS},
            },
            WORKER_LOG_GROUP: {
                "Type": "AWS::Logs::LogGroup",
                "Properties": {"RetentionInDays": LOG_RETENTION_DAYS},
            },
            SWEEPER_LOG_GROUP: {
                "Type": "AWS::Logs::LogGroup",
                "Properties": {"RetentionInDays": LOG_RETENTION_DAYS},
            },
            FUNCTION: {
                "Properties": {
                    "Environment": environment(),
                    "LoggingConfig": {"LogGroup": {"Ref": LOG_GROUP}, "LogFormat": "Text"},
                }
            },
            WORKER: {
                "Properties": {
                    "Timeout": WORKER_TIMEOUT,
                    "Environment": environment(),
                    "LoggingConfig": {"LogGroup": {"Ref": WORKER_LOG_GROUP}, "LogFormat": "Text"},
                    "Events": {
                        WORKER_EVENT: {
                            "Properties": {"FunctionResponseTypes": ["ReportBatchItemFailures"]}
                        }
                    },
                }
            },
            SWEEPER: {
                "Properties": {
                    "Timeout": SWEEPER_TIMEOUT,
                    "Environment": environment(),
                    "LoggingConfig": {"LogGroup": {"Ref": SWEEPER_LOG_GROUP}, "LogFormat": "Text"},
                }
            },
            REST_API: {
                "Properties": {
                    "MethodSettings": [
                        {
                            "ResourcePath": "/*",
                            "HttpMethod": "*",
                            "ThrottlingRateLimit": {"Ref": "ApiThrottlingRateLimit"},
                            "ThrottlingBurstLimit": {"Ref": "ApiThrottlingBurstLimit"},
                        }
                    ]
                }
            },
        },
        "Outputs": {
            "TableName": {"Value": {"Ref": TABLE}},
            "TableArn": {"Value": {"Fn::GetAtt": [TABLE, "Arn"]}},
            "BatchBucketName": {"Value": {"Ref": BUCKET}},
            "BatchQueueUrl": {"Value": {"Ref": QUEUE}},
            "BatchDeadLetterQueueUrl": {"Value": {"Ref": DEAD_LETTERS}},
        },
    }


def _table_statements() -> list[dict[str, Any]]:
    return [
        {
            "Sid": "TableItems",
            "Effect": "Allow",
            "Action": TABLE_ACTIONS,
            "Resource": {"Fn::GetAtt": [TABLE, "Arn"]},
        },
        {
            "Sid": "TableIndexes",
            "Effect": "Allow",
            "Action": INDEX_ACTIONS,
            "Resource": {"Fn::Sub": f"${{{TABLE}.Arn}}/index/*"},
        },
    ]


def _blob_statement(actions: list[str]) -> dict[str, Any]:
    return {
        "Sid": "BatchBodies",
        "Effect": "Allow",
        "Action": actions,
        "Resource": [{"Fn::Sub": f"${{{BUCKET}.Arn}}/{prefix}*"} for prefix in BLOB_PREFIXES],
    }


def _queue_statement(actions: list[str]) -> dict[str, Any]:
    return {
        "Sid": "BatchQueue",
        "Effect": "Allow",
        "Action": actions,
        "Resource": {"Fn::GetAtt": [QUEUE, "Arn"]},
    }


def _log_statement(log_group: str) -> dict[str, Any]:
    return {
        "Sid": "OwnLogGroup",
        "Effect": "Allow",
        "Action": LOG_ACTIONS,
        "Resource": {"Fn::GetAtt": [log_group, "Arn"]},
    }


def policy() -> dict[str, Any]:
    """The API function's role."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            *_table_statements(),
            _blob_statement(API_OBJECT_ACTIONS),
            _queue_statement(API_QUEUE_ACTIONS),
            _log_statement(LOG_GROUP),
        ],
    }


def worker_policy() -> dict[str, Any]:
    """The batch worker's role."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            *_table_statements(),
            _blob_statement(WORKER_OBJECT_ACTIONS),
            _queue_statement(WORKER_QUEUE_ACTIONS),
            _log_statement(WORKER_LOG_GROUP),
        ],
    }


def sweeper_policy() -> dict[str, Any]:
    """The batch sweeper's role."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            *_table_statements(),
            _blob_statement(SWEEPER_OBJECT_ACTIONS),
            _queue_statement(SWEEPER_QUEUE_ACTIONS),
            _log_statement(SWEEPER_LOG_GROUP),
        ],
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2) + "\n"


FILES = {
    RESOURCES: resources,
    POLICY: policy,
    WORKER_POLICY: worker_policy,
    SWEEPER_POLICY: sweeper_policy,
}
POLICIES = {FUNCTION: policy, WORKER: worker_policy, SWEEPER: sweeper_policy}  # its role's


def check_config() -> list[str]:
    """`.chalice/config.json` gives the worker and the sweeper their own policy files (else
    they get the API's)."""
    stages = json.loads(CHALICE_CONFIG.read_text(encoding="utf-8"))["stages"]
    functions = stages.get("dev", {}).get("lambda_functions", {})
    problems = []
    for name, wanted in POLICY_FILES.items():
        policy_file = functions.get(name, {}).get("iam_policy_file")
        if policy_file != wanted.name:
            problems.append(
                f"{CHALICE_CONFIG.relative_to(ROOT)}: stage dev must set lambda_functions."
                f'{name}.iam_policy_file to "{wanted.name}" (found {policy_file!r})'
            )
    return problems


def check_template(path: Path) -> list[str]:
    """Problems in a packaged template: a function Chalice added that this file does not wire
    (no table, bucket or queue in its environment), a role whose policy is not the generated
    one, a worker event source without partial batch responses, a queue that would hand a
    message out again while the worker may still run on it."""
    template = json.loads(path.read_text(encoding="utf-8"))
    resources = template.get("Resources", {})
    problems = []
    wanted = environment()["Variables"]
    for name, resource in resources.items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        variables = resource["Properties"].get("Environment", {}).get("Variables", {})
        missing = [key for key, value in wanted.items() if variables.get(key) != value]
        if missing:
            problems.append(
                f"{path}: function {name} lacks {', '.join(missing)}: wire it in "
                "scripts/gen_resources.py (it knows APIHandler, BatchWorker, BatchSweeper) and run "
                "`make resources`"
            )
        role = resources.get(ROLES.get(name, ""), {})
        documents = [p["PolicyDocument"] for p in role.get("Properties", {}).get("Policies", [])]
        if name in POLICIES and documents != [POLICIES[name]()]:
            problems.append(
                f"{path}: the role of {name} does not have exactly its generated policy"
            )
        for event_name, event in resource["Properties"].get("Events", {}).items():
            if event.get("Type") != "SQS":
                continue
            properties = event["Properties"]
            if "ReportBatchItemFailures" not in properties.get("FunctionResponseTypes", []):
                problems.append(f"{path}: {name}.{event_name} has no ReportBatchItemFailures")
            queue = resources.get(QUEUE, {}).get("Properties", {})
            timeout = resource["Properties"].get("Timeout", 3)
            if queue.get("VisibilityTimeout", 30) < 6 * timeout:
                problems.append(
                    f"{path}: {QUEUE}'s VisibilityTimeout is under 6 x {name}'s Timeout ({timeout})"
                )
            if config.BATCH_QUEUE_NAME not in json.dumps(properties.get("Queue")):
                problems.append(f"{path}: {name}.{event_name} is not on {config.BATCH_QUEUE_NAME}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a file drifted")
    parser.add_argument(
        "--check-template",
        type=Path,
        metavar="SAM_JSON",
        help="exit 1 when a function in the packaged template is not wired to the table",
    )
    args = parser.parse_args(argv)
    if args.check_template is not None:
        problems = check_template(args.check_template) + check_config()
        print("\n".join(problems) or f"{args.check_template}: every function is wired")
        return 1 if problems else 0
    drifted = []
    for path, build in FILES.items():
        text = render(build())
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if args.check:
            drifted.append(path.relative_to(ROOT))
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    config_problems = check_config()
    if config_problems:
        print("\n".join(config_problems))
        return 1
    if drifted:
        names = ", ".join(str(path) for path in drifted)
        print(
            f"{names} differ from what scripts/gen_resources.py generates from "
            "chalicelib/storage/schema.py: run `make resources`"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
