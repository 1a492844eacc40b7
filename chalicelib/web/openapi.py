"""`GET /v1/openapi.json`: the OpenAPI 3.1 description, generated from the pydantic models."""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from pydantic import TypeAdapter

from chalicelib.models.common import ID_PATTERN
from chalicelib.models.criteria import CriteriaDefinition
from chalicelib.models.decision import Decision
from chalicelib.models.impact import ImpactRequest
from chalicelib.models.letter import LetterRequest
from chalicelib.models.optout import OptOutNotice
from chalicelib.models.region import REGION_ID_PATTERN, Region, RegionIn, TokenIn
from chalicelib.models.request import DecisionRequest
from chalicelib.models.statistics import BudgetSharesIn, EnrolmentIn
from chalicelib.models.support_plan import SupportPlan
from chalicelib.web.openapi_paths import (
    REF,
    decision_paths,
    framework_paths,
    letter_paths,
    markdown_paths,
    path_parameter,
    plan_paths,
    regional_paths,
    statistics_paths,
)
from chalicelib.web.openapi_regions import impact_run_paths, region_paths

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["path", "code", "message"],
                        "properties": {
                            "path": {"type": "string"},
                            "code": {"type": "string"},
                            "message": {"type": "string"},
                        },
                    },
                },
                "findings": {"type": "array", "items": {"$ref": REF.format(model="Finding")}},
            },
        }
    },
}


def _schemas() -> dict[str, Any]:
    components: dict[str, Any] = {"Error": ERROR_SCHEMA}
    models: dict[str, tuple[Any, Literal["validation", "serialization"]]] = {
        "CriteriaDefinition": (CriteriaDefinition, "validation"),
        "DecisionRequest": (DecisionRequest, "validation"),
        "Decision": (Decision, "serialization"),
        "RegionIn": (RegionIn, "validation"),
        "Region": (Region, "serialization"),
        "TokenIn": (TokenIn, "validation"),
        "OptOutNotice": (OptOutNotice, "validation"),
        "ImpactRequest": (ImpactRequest, "validation"),
        "SupportPlan": (SupportPlan, "validation"),
        "EnrolmentIn": (EnrolmentIn, "validation"),
        "BudgetSharesIn": (BudgetSharesIn, "validation"),
        "LetterRequest": (LetterRequest, "validation"),
    }
    for name, (model, mode) in models.items():
        schema = TypeAdapter(model).json_schema(mode=mode, ref_template=REF)
        components.update(schema.pop("$defs", {}))
        components[name] = schema
    components["DecisionPage"] = {
        "type": "object",
        "required": ["items", "next"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": REF.format(model="Decision")}},
            "next": {"type": ["string", "null"]},
        },
    }
    token_fields = {
        "token_id": {"type": "string", "pattern": ID_PATTERN},
        "role": {"type": "string", "enum": ["region", "ministry", "admin"]},
        "region_id": {"type": ["string", "null"]},
        "label": {"type": ["string", "null"]},
        "created_at": {"type": "string", "format": "date-time"},
        "expires_at": {"type": "string", "format": "date-time"},
    }
    components["Token"] = {
        "type": "object",
        "required": ["token", "token_id", "role", "created_at", "expires_at"],
        "properties": {"token": {"type": "string"}, **token_fields},
    }
    info = "TokenInfo"
    components[info] = {
        "type": "object",
        "required": ["token_id", "role", "created_at", "expires_at"],
        "properties": token_fields,
        "additionalProperties": False,
    }
    components["TokenList"] = {
        "type": "object",
        "required": ["items"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": REF.format(model="TokenInfo")}}
        },
    }
    return components


@cache
def openapi_document() -> dict[str, Any]:
    region = path_parameter("region_id", REGION_ID_PATTERN)
    framework = {
        "name": "framework",
        "in": "query",
        "schema": {"enum": ["enacted", "kamerbrief-2014"]},
    }
    authed = (400, 401, 403, 404, 429)  # 429: a region token over its region's quota
    paths: dict[str, Any] = {}
    paths.update(framework_paths(framework))
    paths.update(region_paths(region, authed))
    paths.update(decision_paths(region, framework, authed))
    paths.update(letter_paths(region, authed))
    paths.update(regional_paths(region, framework, authed))
    paths.update(impact_run_paths(region, framework, authed))
    paths.update(plan_paths(region, framework, authed))
    paths.update(markdown_paths(region, framework, authed))
    paths.update(statistics_paths(region, authed))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "toewijzing",
            "version": "1.0.0",
            "description": "Decisions on lwoo and pro for regional partnerships (SWV).",
        },
        "paths": paths,
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }
