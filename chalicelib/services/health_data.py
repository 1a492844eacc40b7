"""Health data in a stored decision: the measured values, kept apart and for three years.

A decision's explanation shows, per condition, the measured value (`actual`: an IQ, delays,
SEP indicators). Those are health data (WVO 2020 art. 2.47 lid 16): the stored decision keeps
its explanation without them, and a separate health record keeps them with the dossier until
three years after the decision. Reads put them back while the record is kept.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from chalicelib.storage.ports import StoredDecision

HEALTH_RETENTION_YEARS = 3  # WVO 2020 art. 2.47 lid 16


def years_after(date: dt.date, years: int) -> dt.date:
    try:
        return date.replace(year=date.year + years)
    except ValueError:  # 29 February
        return date.replace(year=date.year + years, day=28)


def split_health_data(document: dict[str, Any]) -> tuple[dict[str, Any], list[list[Any]]]:
    """The decision without the measured values of its explanation, and those values."""
    actuals: list[list[Any]] = []
    routes = []
    for route in document["explanation"]:
        actuals.append([c["actual"] for c in route["conditions"]])
        routes.append({**route, "conditions": [{**c, "actual": None} for c in route["conditions"]]})
    return {**document, "explanation": routes}, actuals


def join_health_data(stored: StoredDecision) -> dict[str, Any]:
    """The decision as the API shows it: measured values back in while they are kept."""
    document = stored.document
    if stored.health is None:
        return document
    routes = [
        {
            **route,
            "conditions": [
                {**c, "actual": a} for c, a in zip(route["conditions"], values, strict=True)
            ],
        }
        for route, values in zip(document["explanation"], stored.health["actuals"], strict=True)
    ]
    return {**document, "explanation": routes}
