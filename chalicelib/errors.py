"""Every error class of the service, each with its HTTP status and contract code as data.

The HTTP layer (`chalicelib/web/http.py`) answers an error with `status` and the contract's
error body `{"error": {"code", "message", ...}}`; the command line prints the same body. A
message is a token of `chalicelib/messages` (`msg(code, ...)`), rendered in the reader's
language at the boundary. An
error whose class sets no status of its own inherits the base's 500: a bug, which is logged and
answered as `internal_error` with the request id only, never as a client error.

Light on purpose: `import app` loads this module (chalicelib/wiring.py says why).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from chalicelib.messages import msg

if TYPE_CHECKING:  # the models load pydantic: `import app` must not (chalicelib/wiring.py)
    from chalicelib.models.common import Finding


class ToewijzingError(Exception):
    """Base of every error this service raises; on its own (no status of its class), a 500."""

    status = 500
    code = "internal_error"

    def __init__(self, message: str, *, findings: Sequence[Finding] = (), **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.findings = tuple(findings)
        self.extra = extra


# 400: the request itself is wrong


class RequestValidationError(ToewijzingError):
    """The request is malformed: bad JSON, wrong types, unknown fields, bad dates."""

    status = 400
    code = "validation_error"

    def __init__(self, message: str, details: Sequence[dict[str, str]] = ()) -> None:
        super().__init__(message)
        self.details = tuple(details)


class MalformedJsonError(ValueError):
    """A body is not a JSON document we accept (syntax, duplicate keys, nesting); callers turn
    it into a `RequestValidationError` with their own wording (`chalicelib/documents.py`)."""

    status = 400
    code = "validation_error"


class UnknownFrameworkError(ToewijzingError):
    status = 400
    code = "unknown_framework"


# 401, 403, 404, 409, 413, 415, 429: who may do what, and to what, and how often


class UnauthenticatedError(ToewijzingError):
    status = 401
    code = "unauthenticated"


class ForbiddenError(ToewijzingError):
    status = 403
    code = "forbidden"


class NotFoundError(ToewijzingError):
    status = 404
    code = "not_found"


class ConflictError(ToewijzingError):
    status = 409
    code = "conflict"


class PayloadTooLargeError(ToewijzingError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaTypeError(ToewijzingError):
    status = 415
    code = "unsupported_media_type"


class TooManyRequestsError(ToewijzingError):
    """A region over its quota (`chalicelib/services/quotas.py`); `extra["retry_after"]` is the
    seconds until its window ends (the `Retry-After` header)."""

    status = 429
    code = "too_many_requests"


# 422: well-formed, but the law or the region's data does not allow it


class NoLegalPhaseError(ToewijzingError):
    """The date lies before the first phase of the framework (before 2016 the RVC's decided)."""

    status = 422
    code = "no_legal_phase"


class NoCriteriaInForceError(ToewijzingError):
    """No criteria definition is in force for the arrangement on the date."""

    status = 422
    code = "no_criteria_in_force"


class LwooAllocatedToSchoolsError(ToewijzingError):
    """The region allocates lwoo to its schools: it makes no individual lwoo decisions."""

    status = 422
    code = "lwoo_allocated_to_schools"


class OptOutNotPermittedError(ToewijzingError):
    status = 422
    code = "opt_out_not_permitted"


class CriteriaNotPermittedError(ToewijzingError):
    status = 422
    code = "criteria_not_permitted"


class PlanNotPublishableError(ToewijzingError):
    status = 422
    code = "plan_not_publishable"


class UnknownSchoolError(ToewijzingError):
    status = 422
    code = "unknown_school"


class UnknownRegionError(ToewijzingError):
    status = 422
    code = "unknown_region"


class UploadsUnavailableError(ToewijzingError):
    """This deployment keeps batch bodies where no presigned upload reaches (`make run`)."""

    status = 422
    code = "uploads_unavailable"


# 503: try again later (with Retry-After)


class ServiceUnavailableError(ToewijzingError):
    """The database stays unavailable after retries; the client should retry later."""

    status = 503
    code = "service_unavailable"


class StorageUnavailableError(ServiceUnavailableError):
    """The database, S3 or SQS did not answer in time, after retries (raised by the adapters,
    `chalicelib/storage/aws_errors.py`). `str()` is the reason, for logs and tests; the client
    sees only `message`."""

    def __init__(self, reason: str) -> None:
        super().__init__(msg("error.storage_unavailable"))
        self.args = (reason,)


class TransactionConflictError(StorageUnavailableError):
    """DynamoDB refused a write because a transaction was writing the same item at that moment:
    nothing was written, and trying again shortly is safe (`storage/retrying.py`)."""


class ChunkBusyError(ServiceUnavailableError):
    """Another worker holds this chunk's lease: the message comes back later."""


# Storage outcomes the services handle themselves; one that escapes is a bug (a 500)


class AlreadyExistsError(ToewijzingError):
    """A conditional write found the item already there: nothing was overwritten."""


class IdempotencyKeyHeldError(ToewijzingError):
    """`Storage.store_decision` wrote nothing: the Idempotency-Key is held, unexpired, for
    another decision id; the claim held is for `decision_id`, made with `body_hash`."""

    def __init__(self, body_hash: str, decision_id: str) -> None:
        super().__init__(decision_id)
        self.body_hash = body_hash
        self.decision_id = decision_id


class InvalidCursorError(ToewijzingError, ValueError):
    """A pagination cursor that this storage did not hand out."""
