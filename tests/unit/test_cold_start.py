"""`import app` is a Lambda's cold start: it loads chalice, the route table and the thin HTTP
layer, and nothing else of ours (chalicelib/wiring.py says why). Checked on `sys.modules` in a
fresh interpreter, so the win cannot silently regress; `bench/bench_http.py` times it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Everything of ours that `import app` may load; a capability imported at the top of one of
# these (a model, a service, the domain) pulls in modules outside this list and fails the test.
THIN_LAYER = {
    "app",
    "chalicelib",
    "chalicelib.config",
    "chalicelib.errors",
    "chalicelib.web.http",
    "chalicelib.web.operation",  # the @operation declarations: plain data, no pydantic
    "chalicelib.logs",
    "chalicelib.documents",
    "chalicelib.wiring",
    "chalicelib.web",
    "chalicelib.web.routes",
    # every text as a code until the response (json and string only; catalogs on first use)
    "chalicelib.messages",
    "chalicelib.messages.format",
    # the request's storage calls for its log line: threading and time only
    "chalicelib.storage",
    "chalicelib.storage.metering",
}
HEAVY = ("boto3", "botocore", "pydantic", "pydantic_core")
# One GET /v1/health, as API Gateway sends it to the Lambda function.
HEALTH_EVENT = {
    "resource": "/v1/health",
    "path": "/v1/health",
    "httpMethod": "GET",
    "headers": {},
    "multiValueQueryStringParameters": None,
    "pathParameters": None,
    "stageVariables": None,
    "requestContext": {"resourcePath": "/v1/health", "httpMethod": "GET", "requestId": "r1"},
    "body": None,
    "isBase64Encoded": False,
}


def loaded_after(statements: str) -> set[str]:
    """The modules in `sys.modules` after running `statements` in a fresh interpreter."""
    probe = f"import json, sys\n{statements}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=dict(
            os.environ,
            TOEWIJZING_STAGE="test",
            TOEWIJZING_STORAGE="memory",
            TOEWIJZING_LOG_LEVEL="WARNING",
        ),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


def ours(modules: set[str]) -> set[str]:
    return {m for m in modules if m == "app" or m.split(".")[0] == "chalicelib"}


def heavy(modules: set[str]) -> set[str]:
    return {m for m in modules if m.split(".")[0] in HEAVY}


def is_thin(module: str) -> bool:
    return module in THIN_LAYER or module.startswith("chalicelib.web.routes.")


def test_import_app_loads_only_the_thin_layer() -> None:
    modules = loaded_after("import app")
    assert "chalice" in modules and "chalicelib.web.routes.decisions" in modules
    assert sorted(m for m in ours(modules) if not is_thin(m)) == []
    assert sorted(heavy(modules)) == []
    assert not any(m.startswith(("chalicelib.domain", "chalicelib.models")) for m in modules)


def test_a_health_check_loads_nothing_more() -> None:
    statements = (
        "import app\n"
        f"response = app.app({HEALTH_EVENT!r}, None)\n"
        "assert response['statusCode'] == 200, response"
    )
    modules = loaded_after(statements)
    assert sorted(m for m in ours(modules) if not is_thin(m)) == []
    assert sorted(heavy(modules)) == []


def test_a_capability_is_loaded_by_its_first_use() -> None:
    """The other side: the services (and pydantic with them) come with the first use."""
    modules = loaded_after("import app\nfrom chalicelib import wiring\nwiring.services()")
    assert {"chalicelib.services", "chalicelib.domain.eligibility", "pydantic"} <= modules


def test_the_garbage_collector_is_settled_when_the_services_are_built() -> None:
    """The interpreter's own thresholds until then (whatever its version's are); after it,
    what the cold start loaded is frozen and the first threshold raised
    (wiring.settle_garbage_collector: the batch worker's CPU)."""
    statements = (
        "import gc\n"
        "import app\n"
        "from chalicelib import wiring\n"
        "before = (gc.get_threshold(), gc.get_freeze_count())\n"
        "wiring.services()\n"
        "assert before[0] != wiring.GC_THRESHOLDS and before[1] == 0, before\n"
        "assert gc.get_threshold() == wiring.GC_THRESHOLDS, gc.get_threshold()\n"
        "assert gc.get_freeze_count() > 10_000, gc.get_freeze_count()\n"
        "assert 'pydantic' in sys.modules"
    )
    loaded_after(statements)
