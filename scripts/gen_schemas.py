"""Generate the JSON Schemas in criteria_schemas/ from the pydantic models: the request bodies
a client validates offline, and every response body of the API (the models the OpenAPI
document's response schemas come from: chalicelib/web/openapi_models.py).

    python scripts/gen_schemas.py          # write the schemas
    python scripts/gen_schemas.py --check  # exit 1 when a committed schema drifted

The models are the single source of truth; the schemas are committed so that clients can use
them without running our code.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chalicelib.models.criteria import CriteriaDefinition  # noqa: E402
from chalicelib.models.decision import Decision  # noqa: E402
from chalicelib.models.request import DecisionRequest  # noqa: E402
from chalicelib.models.support_plan import SupportPlan  # noqa: E402
from chalicelib.web.openapi_models import component_models  # noqa: E402

OUT = ROOT / "criteria_schemas"
BASE_ID = "https://toewijzing.example/schemas/"
SHAPE_ONLY = (
    " The schema checks shape only: the API can still refuse a schema-valid document with 422"
    " when the legal phase in force or the region's state does not allow it."
)

SCHEMAS: dict[str, tuple[Any, str]] = {
    "criteria-definition": (
        CriteriaDefinition,
        "A criteria definition for lwoo and pro (toelatingscriteria)." + SHAPE_ONLY,
    ),
    "decision-request": (
        DecisionRequest,
        "The body of POST /v1/regions/{region_id}/decisions." + SHAPE_ONLY,
    ),
    "decision": (Decision, "A decision (beschikking) as the API returns it."),
    "support-plan": (
        SupportPlan,
        "A support plan (ondersteuningsplan): the body of POST "
        "/v1/regions/{region_id}/support-plans[/validate]. What the plan must contain is checked "
        "by the API, with findings." + SHAPE_ONLY,
    ),
}
RESPONSE = "A response body of the API, as GET /v1/openapi.json names it ({name})."
SKIPPED = {"Decision", "Document"}  # decision.schema.json above; the document is OpenAPI's own


def kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


SENT = {"decision"}  # the schemas of bodies the API sends (serialization mode)
for _name, (_model, _mode) in component_models().items():
    if _mode == "serialization" and _name not in SKIPPED:
        SCHEMAS[kebab(_name)] = (_model, RESPONSE.format(name=_name))
        SENT.add(kebab(_name))


def schema_for(name: str) -> dict[str, Any]:
    model, description = SCHEMAS[name]
    mode = "serialization" if name in SENT else "validation"
    schema = TypeAdapter(model).json_schema(mode=mode)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"{BASE_ID}{name}.schema.json"
    schema["description"] = description
    return schema


def render(name: str) -> str:
    return json.dumps(schema_for(name), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail on drift, write nothing")
    args = parser.parse_args()
    drifted = []
    for name in SCHEMAS:
        path = OUT / f"{name}.schema.json"
        text = render(name)
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                drifted.append(path.relative_to(ROOT))
        else:
            path.write_text(text, encoding="utf-8")
    if drifted:
        names = ", ".join(str(p) for p in drifted)
        print(f"schemas drifted from the models: {names}; run `make schemas`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
