"""The paths of the OpenAPI document, capability by capability, and the helpers that build an
operation (its responses, parameters and body) the same way everywhere."""

from __future__ import annotations

from typing import Any

from chalicelib.models.common import ID_PATTERN

REF = "#/components/schemas/{model}"
# The dates a client sends lie in 1900-2099 (`chalicelib/web/http.py` `query_date`); count dates
# are a 1 October from 2016 (the statistics service also refuses any after next year).
STUDENT_REF: dict[str, Any] = {"type": "string", "minLength": 1}  # an empty one is a 400
DATE_PATTERN = r"^(19|20)[0-9]{2}-[0-9]{2}-[0-9]{2}$"
TELDATUM_PATTERN = r"^20(1[6-9]|[2-9][0-9])-10-01$"


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": REF.format(model=name)}


def _json(name: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": _ref(name)}}}


def _op(
    summary: str,
    ok: tuple[str, str | None],
    errors: tuple[int, ...],
    body: str | None = None,
    params: list[dict[str, Any]] | None = None,
    public: bool = False,
) -> dict[str, Any]:
    status, schema = ok
    ok_response: dict[str, Any] = {"description": "OK"}
    if schema is not None:
        ok_response.update(_json(schema))
    responses: dict[str, Any] = {status: ok_response}
    if body is not None:
        errors = (*errors, 413, 415)  # a JSON body over 1 MB, or not JSON
    if not public:
        errors = (*errors, 503)  # the database is unavailable (with Retry-After)
    for code in sorted(set(errors)):
        responses[str(code)] = {"description": "Error", **_json("Error")}
    operation: dict[str, Any] = {"summary": summary, "responses": responses}
    if body is not None:
        operation["requestBody"] = {"required": True, **_json(body)}
    if params:
        operation["parameters"] = params
    if public:
        operation["security"] = []
    return operation


def _created_too(operation: dict[str, Any]) -> dict[str, Any]:
    """A PUT that answers 201 when it created the resource and 200 when it replaced it."""
    operation["responses"]["201"] = {**operation["responses"]["200"], "description": "Created"}
    return operation


def path_parameter(name: str, pattern: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": pattern},
    }


def _query(name: str, fmt: str | None = None, required: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if fmt:
        schema["format"] = fmt
    if fmt == "date":
        schema["pattern"] = DATE_PATTERN
    return {"name": name, "in": "query", "required": required, "schema": schema}


def limit_query(maximum: int) -> dict[str, Any]:
    """`?limit=`: a page's size, 1 to `maximum` (`chalicelib/web/http.py` `query_limit`)."""
    integer = {"type": "integer", "minimum": 1, "maximum": maximum}
    return {"name": "limit", "in": "query", "required": False, "schema": integer}


def _markdown(operation: dict[str, Any]) -> dict[str, Any]:
    operation["responses"]["200"]["content"] = {"text/markdown": {"schema": {"type": "string"}}}
    return operation


def _html(operation: dict[str, Any]) -> dict[str, Any]:
    operation["responses"]["200"]["content"] = {"text/html": {"schema": {"type": "string"}}}
    return operation


def framework_paths(framework: dict[str, Any]) -> dict[str, Any]:
    """Public: health, and the legal framework with its national criteria."""
    return {
        "/v1/health": {"get": _op("Health", ("200", None), (), public=True)},
        "/v1/framework": {
            "get": _op(
                "The legal phase in force",
                ("200", None),
                (400, 422),
                params=[_query("date", "date"), framework],
                public=True,
            )
        },
        "/v1/framework/national-criteria": {
            "get": _op(
                "The national criteria in force",
                ("200", "CriteriaDefinition"),
                (400, 422),
                params=[_query("date", "date"), framework],
                public=True,
            )
        },
    }


def decision_paths(
    region: dict[str, Any], framework: dict[str, Any], authed: tuple[int, ...]
) -> dict[str, Any]:
    """Deciding, reading and listing decisions."""
    return {
        "/v1/regions/{region_id}/decisions": {
            "post": _op(
                "Decide an application",
                ("201", "Decision"),
                (*authed, 409, 422),
                "DecisionRequest",
                [
                    region,
                    framework,
                    {"name": "Idempotency-Key", "in": "header", "schema": {"type": "string"}},
                ],
            ),
            "get": _op(
                "A student's decisions",
                ("200", "DecisionPage"),
                authed,
                params=[
                    region,
                    {**_query("student_ref", required=True), "schema": STUDENT_REF},
                    _query("cursor"),
                    limit_query(100),
                ],
            ),
        },
        "/v1/regions/{region_id}/decisions/{decision_id}": {
            "get": _op(
                "A decision",
                ("200", "Decision"),
                authed,
                params=[region, path_parameter("decision_id", ID_PATTERN)],
            ),
        },
    }


def _batch_submit(region: dict[str, Any], authed: tuple[int, ...]) -> dict[str, Any]:
    """`POST .../batches`: JSON, CSV, OSO XML or zip (README "Batches"), or an upload's id."""
    items = {"type": "array", "items": _ref("DecisionRequest")}  # each row its own outcome
    batch = {"type": "object", "required": ["items"], "properties": {"items": items}}
    media: dict[str, Any] = {"content": {
        "application/json": {"schema": batch},
        **{t: {"schema": {"type": "string"}} for t in ("text/csv", "application/xml")},
        "application/zip": {"schema": {"type": "string", "format": "binary"}},
    }}  # fmt: skip
    oso = [  # an OSO XML dossier (or a zip of them) needs arrangement and date
        {**_query("arrangement"), "schema": {"type": "string", "enum": ["lwoo", "pro"]}},
        _query("date", "date"),
        *(_query(flag) for flag in ("board_motivation", "parent_view", "expert_advice")),
        {**_query("upload_id"), "schema": {"type": "string", "pattern": ID_PATTERN}},
        _query("format"),  # the media type of an upload's body
        {"name": "Idempotency-Key", "in": "header", "schema": {"type": "string"}},
    ]
    submit = _op("Submit a batch", ("202", None), (*authed, 409, 413, 415), params=[region, *oso])
    submit["requestBody"] = {"required": False, **media}
    return submit


def regional_paths(
    region: dict[str, Any], framework: dict[str, Any], authed: tuple[int, ...]
) -> dict[str, Any]:
    """Opt-outs, criteria versions and batches (see the README for their bodies)."""
    date = _query("date", "date")
    batch = path_parameter("batch_id", ID_PATTERN)
    submit = _batch_submit(region, authed)
    base = "/v1/regions/{region_id}"
    return {
        f"{base}/opt-out": {
            "put": _op("Notify an opt-out (or a re-entry)", ("200", None), (*authed, 409, 422),
                       "OptOutNotice", [region, framework]),
            "get": _op("The opt-out in force, and its history", ("200", None), authed,
                       params=[region, date]),
        },
        f"{base}/criteria/validate": {
            "post": _op("Validate criteria (dry run)", ("200", None), (*authed, 422),
                        "CriteriaDefinition", [region, framework, date]),
        },
        f"{base}/criteria": {
            "post": _op("Store a criteria version", ("201", None), (*authed, 422),
                        "CriteriaDefinition", [region, framework]),
            "get": _op("The region's criteria versions", ("200", None), authed, params=[region]),
        },
        f"{base}/criteria/in-force": {
            "get": _op("The criteria decisions use on a date", ("200", None), (*authed, 422),
                       params=[region, date, framework]),
        },
        f"{base}/criteria/impact": {
            "post": _op("Impact of a candidate definition", ("200", None), (*authed, 422),
                        "ImpactRequest", [region, framework, date]),
        },
        f"{base}/batches": {"post": submit},
        f"{base}/batches/uploads": {
            "post": _op("A presigned upload for a large batch", ("201", None), (*authed, 422),
                        params=[region]),
        },
        f"{base}/batches/{{batch_id}}": {
            "get": _op("A batch's status and counts", ("200", None), authed,
                       params=[region, batch]),
        },
        f"{base}/batches/{{batch_id}}/results": {
            "get": _op("A batch's results per row (JSON, or CSV with Accept: text/csv)",
                       ("200", None), authed,
                       params=[region, batch, _query("cursor"), limit_query(1000)]),
        },
    }  # fmt: skip


def plan_paths(
    region: dict[str, Any], framework: dict[str, Any], authed: tuple[int, ...]
) -> dict[str, Any]:
    """Support plans (issue 5): validate, store, read, publish."""
    date = _query("date", "date")
    plan = path_parameter("plan_id", ID_PATTERN)
    base = "/v1/regions/{region_id}/support-plans"
    return {
        f"{base}/validate": {
            "post": _op(
                "Validate a support plan (dry run): every missing or late item",
                ("200", None),
                (*authed, 422),
                "SupportPlan",
                [region, framework, date],
            ),
        },
        base: {
            "post": _op(
                "Store a draft support plan",
                ("201", None),
                (*authed, 422),
                "SupportPlan",
                [region, framework],
            ),
            "get": _op("The region's support plans", ("200", None), authed, params=[region]),
        },
        f"{base}/{{plan_id}}": {
            "get": _op(
                "A support plan and its status", ("200", None), authed, params=[region, plan]
            ),
        },
        f"{base}/{{plan_id}}/publish": {
            "post": _op(
                "Publish a support plan (422 plan_not_publishable with findings)",
                ("200", None),
                (*authed, 409, 422),
                params=[region, plan, date],
            ),
        },
    }


def markdown_paths(
    region: dict[str, Any], framework: dict[str, Any], authed: tuple[int, ...]
) -> dict[str, Any]:
    """A support plan's lwoo/pro section and the national criteria, in words (Markdown)."""
    date = _query("date", "date")
    plan = path_parameter("plan_id", ID_PATTERN)
    base = "/v1/regions/{region_id}/support-plans"
    return {
        f"{base}/{{plan_id}}/lwoo-pro.md": {
            "get": _markdown(
                _op(
                    "The plan's lwoo/pro section as Markdown",
                    ("200", None),
                    authed,
                    params=[region, plan],
                )
            ),
        },
        "/v1/framework/national-criteria.md": {
            "get": _markdown(
                _op(
                    "The national criteria in force, in words (Markdown)",
                    ("200", None),
                    (400, 422),
                    params=[date, framework],
                    public=True,
                )
            ),
        },
    }


def statistics_paths(region: dict[str, Any], authed: tuple[int, ...]) -> dict[str, Any]:
    """Monitoring (issue 7): enrolments, budget shares, statistics and report pages. Region
    routes: the region (its own), the ministry (read only) and admin; national routes: the
    ministry and admin. See the README, "Monitoring"."""
    teldatum = {
        **_query("teldatum", "date"),
        "schema": {"type": "string", "format": "date", "pattern": TELDATUM_PATTERN},
        "description": "A count date YYYY-10-01 "
        "(default: the latest 1 October on or before today).",
    }
    teldatum_path = path_parameter("teldatum", TELDATUM_PATTERN)
    year = path_parameter("year", r"^(19|20)[0-9]{2}$")
    base = "/v1/regions/{region_id}"
    return {
        f"{base}/enrolments/{{teldatum}}": {
            "put": _created_too(_op("Students per school on a count date (a new version)",
                                    ("200", None), (*authed, 415, 422), "EnrolmentIn",
                                    [region, teldatum_path])),
            "get": _op("The enrolment on a count date", ("200", None), authed,
                       params=[region, teldatum_path]),
            "delete": _op("Withdraw the enrolment of a count date (any 1 October)",
                          ("204", None), authed, params=[region, teldatum_path]),
        },
        f"{base}/statistics": {
            "get": _op("Allocations in force, shares, schools by kind, decisions and trend",
                       ("200", None), authed, params=[region, teldatum]),
        },
        f"{base}/report": {
            "get": _html(_op("The region's monitoring report (HTML, inline SVG charts)",
                             ("200", None), authed, params=[region, teldatum])),
        },
        "/v1/statistics": {
            "get": _op("Every region's figures, national totals and budget gaps (ministry)",
                       ("200", None), authed, params=[teldatum]),
        },
        "/v1/report": {
            "get": _html(_op("The national monitoring report (HTML, inline SVG charts)",
                             ("200", None), authed, params=[teldatum])),
        },
        "/v1/budget-shares/{year}": {
            "put": _created_too(_op("Each region's budget share in a year (admin)",
                                    ("200", None), (*authed, 415, 422), "BudgetSharesIn", [year])),
            "get": _op("The budget shares of a year", ("200", None), authed, params=[year]),
        },
    }  # fmt: skip
