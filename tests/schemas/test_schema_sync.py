"""The committed JSON Schemas match the models, and the schema and the model agree on examples.

criteria_schemas/examples/<schema>/valid/*.json must pass BOTH the JSON Schema (draft 2020-12,
with format checks) and the pydantic model; .../invalid/*.json must fail BOTH. The schema
cannot express model validators (a BSN-looking ref, "a ratio band or min_months", one result
per domain) and, as generated, accepts any string as a ratio; such documents are listed in
SCHEMA_GAPS below instead, so that tightening the schema shows up here.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from pydantic import BaseModel, ValidationError

from chalicelib.documents import parse_json
from chalicelib.models.criteria import CriteriaDefinition
from chalicelib.models.request import DecisionRequest

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_DIR = ROOT / "criteria_schemas"
EXAMPLES = SCHEMA_DIR / "examples"
MODELS: dict[str, type[BaseModel]] = {
    "criteria-definition": CriteriaDefinition,
    "decision-request": DecisionRequest,
}


def _gen_schemas() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_schemas", ROOT / "scripts" / "gen_schemas.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _gen_schemas()


@pytest.mark.parametrize("name", sorted(GEN.SCHEMAS))
def test_committed_schema_matches_the_models(name: str) -> None:
    path = SCHEMA_DIR / f"{name}.schema.json"
    assert path.exists(), f"{path.name} is missing: run `make schemas`"
    committed = path.read_text(encoding="utf-8")
    if committed != GEN.render(name):
        pytest.fail(f"{path.name} drifted from the pydantic models: run `make schemas`")


def test_every_model_with_examples_has_a_schema() -> None:
    assert set(MODELS) <= set(GEN.SCHEMAS)


def validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def load(path: Path) -> Any:
    # the service parses bodies exactly like this: numbers with a fraction become Decimal
    return parse_json(path.read_bytes())


def examples(kind: str) -> list[tuple[str, Path]]:
    found = [(name, p) for name in MODELS for p in sorted((EXAMPLES / name / kind).glob("*.json"))]
    assert found, f"no {kind} examples"
    return found


def test_format_checking_is_active() -> None:
    # without a working "date" format checker the bad-date examples would prove nothing
    assert not FormatChecker().conforms("2016-02-30", "date")
    assert FormatChecker().conforms("2016-02-29", "date")


def test_each_schema_has_valid_and_invalid_examples() -> None:
    for name in MODELS:
        assert len(list((EXAMPLES / name / "valid").glob("*.json"))) >= 3, name
        assert len(list((EXAMPLES / name / "invalid").glob("*.json"))) >= 5, name


@pytest.mark.parametrize(
    ("name", "path"), examples("valid"), ids=lambda v: v.stem if isinstance(v, Path) else v
)
def test_valid_example_passes_schema_and_model(name: str, path: Path) -> None:
    document = load(path)
    errors = [e.message for e in validator(name).iter_errors(document)]
    assert errors == [], f"schema rejects {path.name}: {errors}"
    MODELS[name].model_validate(document)


@pytest.mark.parametrize(
    ("name", "path"), examples("invalid"), ids=lambda v: v.stem if isinstance(v, Path) else v
)
def test_invalid_example_fails_schema_and_model(name: str, path: Path) -> None:
    document = load(path)
    assert list(validator(name).iter_errors(document)), f"the schema accepts {path.name}"
    with pytest.raises(ValidationError):
        MODELS[name].model_validate(document)


# --- where schema and model disagree (reported; not in examples/invalid) --------------------

_ROUTE = {"id": "a", "conditions": [{"kind": "learning_delay", "min_domains": 2}]}


def _definition(condition: dict[str, Any]) -> dict[str, Any]:
    route = {**_ROUTE, "conditions": [{**_ROUTE["conditions"][0], **condition}]}
    return {"effective_from": "2017-01-01", "arrangements": {"lwoo": {"routes": [route]}}}


def _request(**student: Any) -> dict[str, Any]:
    return {
        "application": {"arrangement": "lwoo", "date": "2017-03-01"},
        "student": {"ref": "ll-2017-0042", **student},
    }


_DELAY = {"domain": "spellen", "dl": 60, "dle": 40, "test_date": "2017-01-15"}

SCHEMA_GAPS: dict[str, tuple[str, Any]] = {
    "ratio as the string 'abc'": ("criteria-definition", _definition({"min_ratio": "abc"})),
    "ratio as the string '1.5'": ("criteria-definition", _definition({"min_ratio": "1.5"})),
    "ratio as the string 'NaN'": ("criteria-definition", _definition({"min_ratio": "NaN"})),
    "both min_ratio and min_months": (
        "criteria-definition",
        _definition({"min_ratio": "0.25", "min_months": 12}),
    ),
    "neither a ratio band nor min_months": ("criteria-definition", _definition({})),
    "student.ref that passes the BSN 11-test": ("decision-request", _request(ref="123456782")),
    "the same domain twice": ("decision-request", _request(learning_delays=[_DELAY, _DELAY])),
}


@pytest.mark.parametrize("case", sorted(SCHEMA_GAPS))
def test_known_schema_gap(case: str) -> None:
    """The model refuses these documents, the generated schema accepts them. When the schema is
    tightened (e.g. a `pattern` on ratio strings), this fails: move the document to
    examples/<schema>/invalid/ and drop it from SCHEMA_GAPS."""
    name, document = SCHEMA_GAPS[case]
    with pytest.raises(ValidationError):
        MODELS[name].model_validate(document)
    assert not list(validator(name).iter_errors(document)), "the schema now refuses it"


# The models were lax where the schema is strict (an IQ "82", a date 1488326400, a flag "yes");
# they are strict now (issue 14), and those documents are in examples/decision-request/invalid/.
