"""Domain errors. They carry no HTTP status: `chalicelib/web/http.py` maps them to responses."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the models load pydantic: `import app` must not (chalicelib/wiring.py)
    from chalicelib.models.common import Finding


class ToewijzingError(Exception):
    """Base of every error this service raises on purpose."""

    code = "error"

    def __init__(self, message: str, *, findings: Sequence[Finding] = (), **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.findings = tuple(findings)
        self.extra = extra


class NoLegalPhaseError(ToewijzingError):
    """The date lies before the first phase of the framework (before 2016 the RVC's decided)."""

    code = "no_legal_phase"


class UnknownFrameworkError(ToewijzingError):
    code = "unknown_framework"


class NoCriteriaInForceError(ToewijzingError):
    """No criteria definition is in force for the arrangement on the date."""

    code = "no_criteria_in_force"


class RequestValidationError(ToewijzingError):
    """The request is malformed: bad JSON, wrong types, unknown fields, bad dates."""

    code = "validation_error"

    def __init__(self, message: str, details: Sequence[dict[str, str]] = ()) -> None:
        super().__init__(message)
        self.details = tuple(details)


class UnauthenticatedError(ToewijzingError):
    code = "unauthenticated"


class ForbiddenError(ToewijzingError):
    code = "forbidden"


class NotFoundError(ToewijzingError):
    code = "not_found"


class ConflictError(ToewijzingError):
    code = "conflict"


class PayloadTooLargeError(ToewijzingError):
    code = "payload_too_large"


class UnsupportedMediaTypeError(ToewijzingError):
    code = "unsupported_media_type"


class ServiceUnavailableError(ToewijzingError):
    """The database stays unavailable after retries; the client should retry later."""

    code = "service_unavailable"
