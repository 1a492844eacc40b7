"""The decision request: the body of `POST /v1/regions/{region_id}/decisions`.

A student is known only by a pseudonymous reference: a value that looks like a BSN is refused,
and there is no field for a name.
"""

from __future__ import annotations

from pydantic import Field, StrictBool, StrictInt, field_validator

from chalicelib.messages import msg
from chalicelib.models.common import Arrangement, Domain, InputDate, Profession, StrictModel


def looks_like_bsn(value: str) -> bool:
    """True for 9 digits passing the 11-test (elfproef) of a burgerservicenummer."""
    if len(value) != 9 or not value.isdigit():
        return False
    weights = (9, 8, 7, 6, 5, 4, 3, 2, -1)
    total = sum(int(d) * w for d, w in zip(value, weights, strict=True))
    return total % 11 == 0 and value != "000000000"


class Application(StrictModel):
    """The aanvraag: which arrangement the school board applies for, and when."""

    arrangement: Arrangement
    date: InputDate
    school_brin: str | None = Field(default=None, pattern=r"^[0-9]{2}[A-Z0-9]{2}$")


class IqResult(StrictModel):
    """A total IQ (verbal and non-verbal), with who administered the test."""

    score: StrictInt = Field(ge=0, le=200)
    test_date: InputDate
    instrument: str | None = Field(default=None, max_length=100)
    administered_by: Profession


class LearningDelayResult(StrictModel):
    """One domain's didactic result: DL (didactische leeftijd) and DLE, both in months."""

    domain: Domain
    dl: StrictInt = Field(
        gt=0, le=200, description="Didactische leeftijd in months (from groep 3)."
    )
    dle: StrictInt = Field(ge=0, le=200, description="Didactische leeftijdseenheden reached.")
    test_date: InputDate
    instrument: str | None = Field(default=None, max_length=100)


class SepResult(StrictModel):
    """Results of personality tests on sociaal-emotioneel functioneren."""

    prestatiemotivatie: StrictBool
    faalangst: StrictBool
    emotionele_instabiliteit: StrictBool
    hinders_learning: StrictBool = Field(
        description="The problems substantially hinder the onderwijsleerproces."
    )
    test_date: InputDate
    administered_by: Profession


class Student(StrictModel):
    """The student's dossier, under a pseudonymous reference (never a BSN or a name)."""

    ref: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")
    iq: IqResult | None = None
    learning_delays: tuple[LearningDelayResult, ...] = Field(default=(), max_length=4)
    sep: SepResult | None = None

    @field_validator("ref")
    @classmethod
    def _not_a_bsn(cls, value: str) -> str:
        if looks_like_bsn(value):
            raise ValueError(msg("model.ref_bsn"))
        return value

    @field_validator("learning_delays")
    @classmethod
    def _one_result_per_domain(
        cls, value: tuple[LearningDelayResult, ...]
    ) -> tuple[LearningDelayResult, ...]:
        domains = [r.domain for r in value]
        if len(set(domains)) != len(domains):
            raise ValueError(msg("model.domain_once"))
        return value


class Evidence(StrictModel):
    """The rest of the dossier: the board's motivation, the parents' view, expert advice."""

    board_motivation: StrictBool = False
    parent_view: StrictBool = False
    expert_advice: tuple[Profession, ...] = Field(default=(), max_length=10)


class DecisionRequest(StrictModel):
    """An application for lwoo or pro for one student."""

    application: Application
    student: Student
    evidence: Evidence = Evidence()


class BatchItems(StrictModel):
    """A JSON batch (`POST .../batches`): each item is the body of `POST .../decisions`. The
    document's description of the body: the service reads it item by item, and an item that is
    not a valid request is a `rejected` row of the batch's results, never a refused batch."""

    items: list[DecisionRequest]
