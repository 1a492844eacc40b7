"""The parameters an operation names (`@operation(query=..., headers=...)`), and the pattern
of each path parameter: one definition each, shared by every operation that uses it."""

from __future__ import annotations

import re
from typing import Any

from chalicelib.models.common import ID_PATTERN
from chalicelib.models.region import REGION_ID_PATTERN

# The dates a client sends lie in 1900-2099 (`web/http.py` `query_date`); a count date is a
# 1 October from 2016 on (the statistics service also refuses one after next year).
DATE_PATTERN = r"^(19|20)[0-9]{2}-[0-9]{2}-[0-9]{2}$"
TELDATUM_PATTERN = r"^20(1[6-9]|[2-9][0-9])-10-01$"
PATH_PATTERNS = {
    "region_id": REGION_ID_PATTERN,
    "teldatum": TELDATUM_PATTERN,
    "year": r"^(19|20)[0-9]{2}$",
}  # any other path parameter is an id this service handed out (ID_PATTERN)


def _query(name: str, schema: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, **more}


def _limit(maximum: int) -> dict[str, Any]:
    return _query("limit", {"type": "integer", "minimum": 1, "maximum": maximum})


DATE = {"type": "string", "format": "date", "pattern": DATE_PATTERN}
# By key: the parameter's name, or `name:variant` where one name has two definitions (a page of
# up to 1000; the date of an OSO batch's application). A request naming any other parameter is
# refused (`chalicelib/web/http.py` `unknown_query`).
QUERY: dict[str, dict[str, Any]] = {
    "date": _query("date", DATE),
    "framework": _query("framework", {"enum": ["enacted", "kamerbrief-2014"]}),
    "cursor": _query("cursor", {"type": "string"}),
    "limit": _limit(100),
    "limit:1000": _limit(1000),
    "student_ref": {**_query("student_ref", {"type": "string", "minLength": 1}), "required": True},
    # A batch: an upload's id and format instead of a body; what OSO dossiers do not say.
    "upload_id": _query("upload_id", {"type": "string", "pattern": ID_PATTERN}),
    "format": _query(
        "format",
        {"enum": ["application/json", "text/csv", "application/xml", "application/zip"]},
        description="The media type of the upload (default text/csv for a new upload).",
    ),
    "arrangement": _query(
        "arrangement", {"enum": ["lwoo", "pro"]}, description="OSO dossiers: applied for."
    ),
    "date:oso": _query("date", DATE, description="OSO dossiers: the date of the application."),
    "board_motivation": _query(
        "board_motivation", {"type": "string"}, description="OSO dossiers: true, ja or 1."
    ),
    "parent_view": _query(
        "parent_view", {"type": "string"}, description="OSO dossiers: true, ja or 1."
    ),
    "expert_advice": _query(
        "expert_advice",
        {"type": "string"},
        description="OSO dossiers: the professions that advised, separated by commas.",
    ),
    "teldatum": _query(
        "teldatum",
        {**DATE, "pattern": TELDATUM_PATTERN},
        description="A count date YYYY-10-01 (default: the latest 1 October on or before today).",
    ),
}
# Every operation takes it (chalicelib/messages: `negotiate`); only texts change with it.
ACCEPT_LANGUAGE = {
    "name": "Accept-Language",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "nl or en (en-GB counts as en; q-values honoured; anything else is nl): the "
    "language of the answer's texts. Codes, paths and data never change. The decision letter "
    "is always Dutch.",
}
HEADERS: dict[str, dict[str, Any]] = {
    "Idempotency-Key": {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "schema": {"type": "string"},
        "description": "The same key and body again answers the first answer (a replay).",
    },
}


def _header(description: str, **schema: Any) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "string", **schema}}


RESPONSE_HEADERS: dict[str, dict[str, Any]] = {
    "Location": _header("The path of what was made (its status, for long work)."),
    "Idempotent-Replayed": _header(
        "true when this answers an earlier request with the same Idempotency-Key.",
        enum=["true", "false"],
    ),
    "Link": _header('The next page of CSV results: `<?cursor=...>; rel="next"`.'),
    "X-Criteria-Version": _header("The version id of the national criteria sent."),
    "Retry-After": _header("Seconds to wait before trying again.", pattern="^[0-9]+$"),
}


def path_parameters(template: str) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "string", "pattern": PATH_PATTERNS.get(name, ID_PATTERN)},
        }
        for name in re.findall(r"{([a-z_]+)}", template)
    ]
