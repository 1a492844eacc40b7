"""The models of the OpenAPI document's components, by the name an `@operation` gives them:
request bodies as they are validated, responses as they are sent."""

from __future__ import annotations

from typing import Any, Literal

Mode = Literal["validation", "serialization"]


def component_models() -> dict[str, tuple[Any, Mode]]:
    from chalicelib.models import batch_responses as batch
    from chalicelib.models import region_responses as regional
    from chalicelib.models import responses as common
    from chalicelib.models import statistics_responses as figures
    from chalicelib.models.criteria import CriteriaDefinition
    from chalicelib.models.decision import Decision
    from chalicelib.models.impact import ImpactRequest
    from chalicelib.models.letter import LetterRequest
    from chalicelib.models.optout import OptOutNotice
    from chalicelib.models.region import Region, RegionIn, TokenIn
    from chalicelib.models.request import BatchItems, DecisionRequest
    from chalicelib.models.statistics import BudgetSharesIn, EnrolmentIn
    from chalicelib.models.support_plan import SupportPlan

    requests = (CriteriaDefinition, DecisionRequest, BatchItems, RegionIn, TokenIn, OptOutNotice,
                ImpactRequest, SupportPlan, EnrolmentIn, BudgetSharesIn, LetterRequest)  # fmt: skip
    responses = (
        Decision, Region,
        common.Error, common.Health, common.Document, common.Token, common.TokenList,
        common.DecisionPage, common.Validation, common.ImpactResult, common.ImpactRunAccepted,
        common.ImpactRunStatus, common.AffectedPage,
        batch.BatchAccepted, batch.UploadForm, batch.BatchStatus, batch.BatchResultsPage,
        regional.FrameworkPhase, regional.OptOutView, regional.CriteriaVersion,
        regional.CriteriaVersionList, regional.CriteriaInForce, regional.PlanCreated,
        regional.PlanView, regional.PublishedPlan, regional.PlanList,
        figures.Enrolment, figures.BudgetShares, figures.RegionStatistics,
        figures.NationalStatistics,
    )  # fmt: skip
    found: dict[str, tuple[Any, Mode]] = {m.__name__: (m, "validation") for m in requests}
    found.update({m.__name__: (m, "serialization") for m in responses})
    found["NationalCriteria"] = (CriteriaDefinition, "serialization")  # as a response
    return found
