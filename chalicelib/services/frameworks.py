"""Read-only views of the legal framework for the API: the phase in force and its national
criteria, as data and in words (Markdown)."""

from __future__ import annotations

import datetime as dt

from chalicelib.errors import NoCriteriaInForceError
from chalicelib.legal.timeline import national_criteria, national_criteria_at, phase_at
from chalicelib.messages import msg
from chalicelib.models.criteria import CriteriaDefinition
from chalicelib.models.region_responses import FrameworkPhase


def framework_view(framework_id: str, date: dt.date) -> FrameworkPhase:
    """`GET /v1/framework`: the phase of the framework in force on the date."""
    phase = phase_at(framework_id, date)
    return FrameworkPhase.model_validate(
        {
            "framework": framework_id,
            "date": date.isoformat(),
            "phase": phase.model_dump(mode="json"),
        }
    )


def national_criteria_view(framework_id: str, date: dt.date) -> tuple[str, CriteriaDefinition]:
    """`GET /v1/framework/national-criteria`: the version id and the definition itself."""
    criteria = national_criteria_at(framework_id, date)
    if criteria is None:
        raise NoCriteriaInForceError(
            msg("error.no_national_criteria", date=date.isoformat(), framework=framework_id)
        )
    # Sent without its null fields: validated again from that document, it has them unset.
    sent = criteria.definition.model_dump(mode="json", exclude_none=True)
    return criteria.version_id, CriteriaDefinition.model_validate(sent)


def national_criteria_markdown(framework_id: str, date: dt.date) -> tuple[str, str]:
    """`GET /v1/framework/national-criteria.md`: the version id, and the criteria in words."""
    from chalicelib.render.markdown import national_markdown  # only this route renders

    version, _ = national_criteria_view(framework_id, date)  # 422 where there are none
    phase = phase_at(framework_id, date)
    criteria = national_criteria(version)
    context = msg("md.context", phase=phase.id, framework=framework_id, date=date.isoformat())
    return version, national_markdown(criteria.title, version, criteria.definition, context)
