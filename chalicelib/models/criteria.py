"""The criteria language: a region's (or the nation's) criteria definition for lwoo and pro.

A definition holds, per arrangement, a duration and a list of routes; a route is met when all
its conditions are met. Conditions are a discriminated union on `kind`. The schema checks shape
only: whether a definition is *permitted* in the legal phase in force is a separate check.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, StrictInt, model_validator

from chalicelib.messages import msg
from chalicelib.models.common import Citation, Domain, InputDate, StrictModel

Ratio = Annotated[
    Decimal,
    Field(
        ge=0,
        le=1,
        description="A leerachterstand ratio as a decimal string or number, compared exactly.",
        examples=["0.25"],
    ),
]


class IqCondition(StrictModel):
    """The intelligentiequotiënt lies in [min, max], both ends included."""

    kind: Literal["iq"]
    min: StrictInt | None = Field(default=None, ge=0, le=200)
    max: StrictInt | None = Field(default=None, ge=0, le=200)
    legal_basis: tuple[Citation, ...] = ()


class LearningDelayCondition(StrictModel):
    """A leerachterstand on at least `min_domains` domains, one of them in `required_one_of`.

    A domain counts when its own delay lies in the band: `min_ratio <= 1 - DLE/DL` and, when
    set, `< max_ratio_exclusive`; or, with `min_months`, when `DL - DLE >= min_months`.
    """

    kind: Literal["learning_delay"]
    min_ratio: Ratio | None = None
    max_ratio_exclusive: Ratio | None = None
    min_months: StrictInt | None = Field(default=None, ge=0, le=120)
    min_domains: StrictInt = Field(default=1, ge=1, le=4)
    required_one_of: tuple[Domain, ...] = ()
    legal_basis: tuple[Citation, ...] = ()

    @model_validator(mode="after")
    def _one_measure(self) -> LearningDelayCondition:
        has_ratio = self.min_ratio is not None or self.max_ratio_exclusive is not None
        if has_ratio == (self.min_months is not None):
            raise ValueError(msg("model.ratio_or_months"))
        return self


class SepCondition(StrictModel):
    """Sociaal-emotionele problematiek: at least `min_indicators` of prestatiemotivatie,
    faalangst and emotionele instabiliteit, and (by default) a substantial hindrance to learning."""

    kind: Literal["sep"]
    min_indicators: StrictInt = Field(default=1, ge=0, le=3)
    requires_hindrance: StrictBool = True
    legal_basis: tuple[Citation, ...] = ()


Condition = Annotated[
    IqCondition | LearningDelayCondition | SepCondition,
    Field(discriminator="kind"),
]


class SchoolCareer(StrictModel):
    """The allocation holds for the whole school career in secondary education."""

    kind: Literal["school_career"]


class SchoolYears(StrictModel):
    """The allocation holds for N school years (only with opting out on duration, or loslaten)."""

    kind: Literal["school_years"]
    years: StrictInt = Field(ge=1, le=8)


Duration = Annotated[SchoolCareer | SchoolYears, Field(discriminator="kind")]


def _without_default(schema: dict[str, Any]) -> None:
    """The schema states the default in words only: generated clients (openapi-python-client)
    drop a model whose union-of-objects property has a default, and with it ArrangementCriteria."""
    schema.pop("default", None)


class Route(StrictModel):
    """One way to qualify for an arrangement: every condition must be met."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")
    description: str | None = None
    conditions: tuple[Condition, ...] = Field(min_length=1)
    legal_basis: tuple[Citation, ...] = ()


Allocation = Literal["per_student", "schools"]
"""`per_student`: the region decides per application, on the routes. `schools` (lwoo only,
where the region may set its own lwoo criteria): the region makes no individual lwoo decisions;
the lwoo budget goes to the schools, which choose the pupils (legal-rules 2.9)."""


class ArrangementCriteria(StrictModel):
    """The criteria and duration for one arrangement (lwoo or pro); or, for lwoo, that the
    region allocates it to schools instead of deciding per student."""

    allocation: Allocation = "per_student"
    duration: Duration = Field(
        default=SchoolCareer(kind="school_career"),
        description='Default: the whole school career (`{"kind": "school_career"}`).',
        json_schema_extra=_without_default,
    )
    routes: tuple[Route, ...] = Field(
        default=(), description="Required with `per_student`; none with `schools`."
    )
    legal_basis: tuple[Citation, ...] = ()


class Arrangements(StrictModel):
    lwoo: ArrangementCriteria | None = None
    pro: ArrangementCriteria | None = None


class CriteriaDefinition(StrictModel):
    """A criteria definition (toelatingscriteria) for lwoo and/or pro.

    Schema-valid is not the same as permitted: the API can still refuse a schema-valid
    definition with 422 when the legal phase in force does not allow it.
    """

    effective_from: InputDate
    effective_until: InputDate | None = None
    mixed_profile: Literal["either", "none"] = Field(
        default="none",
        description=(
            "`either`: a student who meets pro on IQ or on the delay and lwoo on the rest may "
            "get either arrangement (IB WVO art. 15d lid 6; UB WVO 2020 art. 2.46 lid 6)."
        ),
    )
    mixed_profile_note: str | None = Field(
        default=None,
        description="Shown as a warning on every decision that a mixed profile decided.",
    )
    mixed_profile_legal_basis: tuple[Citation, ...] = ()
    arrangements: Arrangements
