"""`GET /v1/openapi.json`: the OpenAPI 3.1 description, built from chalice's route table (each
view's `@operation`, `chalicelib/web/operation.py`) and the pydantic models. A route that
declares no operation, or names a model the document does not have, fails the build (and the
tests), so the document cannot leave out what the service serves."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from pydantic import TypeAdapter

from chalicelib.web.openapi_models import component_models
from chalicelib.web.openapi_params import (
    ACCEPT_LANGUAGE,
    HEADERS,
    QUERY,
    RESPONSE_HEADERS,
    path_parameters,
)
from chalicelib.web.operation import Operation, declared

REF = "#/components/schemas/{model}"
AUTHENTICATED = (400, 401, 403, 404, 429, 503)  # 429: over the region's quota; 503: storage
WITH_BODY = (413, 415)  # over 1 MB (a batch: 10 MB), or not a media type the route takes
TEXT = {"type": "string"}
BINARY = {"type": "string", "format": "binary"}  # a zip


def schemas() -> tuple[dict[str, Any], dict[str, str]]:
    """Every component (the named models and the models they use), and the `$ref` of each
    named model. A model whose schema differs between its request and response use (a ratio
    is taken as a number or text, sent as text) is two components: the request's keeps the
    model's name (clients name request bodies by it), the response's is `<name>-Output`."""
    named = component_models()
    inputs = [(name, mode, TypeAdapter(model)) for name, (model, mode) in named.items()]
    refs, found = TypeAdapter.json_schemas(inputs, ref_template=REF)
    text = json.dumps(
        [found.get("$defs", {}), {n: refs[(n, m)]["$ref"] for n, (_, m) in named.items()}]
    )
    text = re.sub(r'([A-Za-z]+)-Input"', r'\1"', text)
    components, by_name = json.loads(text)
    for name, component in components.items():
        if name.endswith("-Output"):  # its own title: generators name classes by the title
            component["title"] = name.replace("-", "")
    return components, by_name


def _content(sends: str, refs: Mapping[str, str]) -> dict[str, Any]:
    if "/" in sends:  # a media type: a text body
        return {sends: {"schema": TEXT}}
    if sends not in refs:
        raise KeyError(f"No model {sends} among the document's components.")
    return {"application/json": {"schema": {"$ref": refs[sends]}}}


def operation_object(template: str, op: Operation, refs: Mapping[str, str]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status in op.statuses:
        response: dict[str, Any] = {"description": "Created" if status == 201 else "OK"}
        if op.sends is not None:
            response["content"] = _content(op.sends, refs)
            response["content"].update({media: {"schema": TEXT} for media in op.also})
        if op.sends_headers:
            response["headers"] = {name: RESPONSE_HEADERS[name] for name in op.sends_headers}
        responses[str(status)] = response
    errors = set(op.errors) | (set() if op.public else set(AUTHENTICATED))
    if op.body is not None:
        errors |= set(WITH_BODY)
    for status in sorted(errors):
        responses[str(status)] = {"description": "Error", "content": _content("Error", refs)}
        if status in (429, 503):
            responses[str(status)]["headers"] = {"Retry-After": RESPONSE_HEADERS["Retry-After"]}
    found: dict[str, Any] = {"summary": op.summary, "responses": responses}
    parameters = [
        *path_parameters(template),
        *(QUERY[name] for name in op.query),
        *(HEADERS[name] for name in op.headers),
        ACCEPT_LANGUAGE,
    ]
    found["parameters"] = parameters
    if isinstance(op.body, str):
        found["requestBody"] = {"required": op.body_required, "content": _content(op.body, refs)}
    elif op.body is not None:  # several media types: a model's name stands for its JSON form
        content: dict[str, Any] = {}
        for media in op.body:
            binary = media == "application/zip"
            one = (
                _content(media, refs)
                if "/" not in media
                else {media: {"schema": BINARY if binary else TEXT}}
            )
            content.update(one)
        found["requestBody"] = {"required": op.body_required, "content": content}
    if op.public:
        found["security"] = []
    return found


def paths(routes: Mapping[str, Mapping[str, Any]], refs: Mapping[str, str]) -> dict[str, Any]:
    """Every route of the table (path -> method -> RouteEntry) as an operation."""
    found: dict[str, Any] = {}
    for template, methods in routes.items():
        for method, entry in methods.items():
            op = declared(entry.view_function)
            if op is None:
                raise ValueError(f"{method} {template} declares no @operation.")
            found.setdefault(template, {})[method.lower()] = operation_object(template, op, refs)
    return found


def build_document(routes: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    components, refs = schemas()
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "toewijzing",
            "version": "1.0.0",
            "description": "Decisions on lwoo and pro for regional partnerships (SWV).",
        },
        "paths": paths(routes, refs),
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }


@cache
def openapi_document() -> dict[str, Any]:
    """The document of the app's routes (imported here: the app is built by then)."""
    import app

    return build_document(app.app.routes)
