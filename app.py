"""toewijzing: the HTTP routes. Thin: parse, call the service layer, respond."""

from __future__ import annotations

from chalice import Chalice

app = Chalice(app_name="toewijzing")


@app.route("/v1/health", methods=["GET"])
def health() -> dict[str, str]:
    return {"status": "ok"}
