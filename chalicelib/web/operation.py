"""How a route declares its operation in the OpenAPI document, where it is defined:

    @bp.route("/v1/regions/{region_id}/decisions", methods=["POST"], ...)
    @operation("Decide an application", ok=(201, "Decision"), body="DecisionRequest",
               errors=(409, 422), query=("framework",), headers=("Idempotency-Key",))
    @handled
    def create_decision(region_id: str) -> Response: ...

The declaration is stored on the view function; `chalicelib/web/openapi.py` walks chalice's
route table (`app.routes`) and builds each operation from it and the models. Models are named
as strings (of `chalicelib/web/openapi_models.py`) and resolved only when the document is built:
`import app` (a cold start) loads no pydantic.

- `ok`: the success status (or statuses) and what it sends: a model's name, a media type
  (`text/markdown`, `text/html`: a text body) or None (no body, as a 204). `also`: more media
  types the success answer can come in (`text/csv` with `Accept: text/csv`).
- `errors`: the statuses beyond those every operation of its kind has: an authenticated one
  400, 401, 403, 404, 429 and 503; one with a body 413 and 415 too. Every error sends `Error`.
- `body`: the request body's model name, or a tuple of media types it may come in (a text
  body, as a batch); `body_required`: False when it may be left out.
- Path parameters come from the path itself; `query` and `headers` name the others (a query
  key is the parameter's name, or `name:variant`; a request with any other query parameter is
  a 400, as a body with an unknown field is)
  (`chalicelib/web/openapi_params.py` lists them).
- `public`: no token needed (`security: []`), and none of the authenticated statuses.
- `sends_headers`: the response headers of the success answer beyond those every answer has
  (`Location`, `Idempotent-Replayed`...: named in `openapi_params.py`). 429 and 503 always
  send `Retry-After`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
ATTRIBUTE = "openapi_operation"


@dataclass(frozen=True)
class Operation:
    summary: str
    statuses: tuple[int, ...]
    sends: str | None
    also: tuple[str, ...] = ()
    errors: tuple[int, ...] = ()
    body: str | tuple[str, ...] | None = None
    body_required: bool = True
    query: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    public: bool = False
    sends_headers: tuple[str, ...] = ()


def operation(
    summary: str,
    ok: tuple[int | tuple[int, ...], str | None],
    *,
    also: tuple[str, ...] = (),
    errors: tuple[int, ...] = (),
    body: str | tuple[str, ...] | None = None,
    body_required: bool = True,
    query: tuple[str, ...] = (),
    headers: tuple[str, ...] = (),
    public: bool = False,
    sends_headers: tuple[str, ...] = (),
) -> Callable[[F], F]:
    """Declare the decorated view's operation (see the module docstring)."""
    status, sends = ok
    declared = Operation(
        summary,
        status if isinstance(status, tuple) else (status,),
        sends,
        also,
        errors,
        body,
        body_required,
        query,
        headers,
        public,
        sends_headers,
    )

    def declare(view: F) -> F:
        setattr(view, ATTRIBUTE, declared)
        return view

    return declare


def query_names(op: Operation) -> set[str]:
    """The names of the query parameters the operation takes (`limit:1000` is `limit`)."""
    return {key.split(":")[0] for key in op.query}


def declared(view: Callable[..., Any]) -> Operation | None:
    found = getattr(view, ATTRIBUTE, None)
    return found if isinstance(found, Operation) else None
