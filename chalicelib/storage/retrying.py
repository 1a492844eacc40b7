"""The one loop for AWS batch calls that hand back what they did not do: DynamoDB's
`UnprocessedItems` and `UnprocessedKeys`, SQS's `Failed` entries of `SendMessageBatch`; and
`conflicts_retried`, for writes refused while a transaction writes the same item.

botocore retries a call that fails as a whole (standard mode: throttling and 5xx, with backoff
and jitter; `chalicelib/wiring.py` builds every client so). A batch call that succeeds but
leaves part undone is not retried by botocore: `until_done` sends that part again after a
growing pause with jitter, and after `attempts` rounds it is an outage
(`StorageUnavailableError`, a 503 with Retry-After): the caller's work comes back whole and
finds what was done.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from chalicelib.errors import StorageUnavailableError, TransactionConflictError

T = TypeVar("T")

ATTEMPTS = 8  # pauses of at most 0.1 + 0.2 + ... + 2.0 s: about 7 s in all
BASE_PAUSE = 0.05
MAX_PAUSE = 2.0


def pause(attempt: int, rand: Callable[[], float] = random.random) -> float:
    """The pause before attempt `attempt` (1, 2, ...): doubling from 0.1 s up to 2 s, of which
    the second half is random ("equal jitter"), so that workers throttled together do not
    come back together."""
    ceiling = min(BASE_PAUSE * 2**attempt, MAX_PAUSE)
    return float(ceiling / 2 + rand() * ceiling / 2)


def until_done(
    send: Callable[[list[T]], list[T]],
    pending: list[T],
    what: str,
    sleep: Callable[[float], None] = time.sleep,
    attempts: int = ATTEMPTS,
    rand: Callable[[], float] = random.random,
) -> None:
    """Call `send(pending)`, which returns what it left undone, until nothing is left; then
    return. After `attempts` calls with something left: `StorageUnavailableError(what)`."""
    for attempt in range(attempts):
        if attempt:
            sleep(pause(attempt, rand))
        pending = send(pending)
        if not pending:
            return
    raise StorageUnavailableError(what)


CONFLICT_ATTEMPTS = 5  # pauses of at most 0.1 + 0.2 + 0.4 + 0.8 s


def conflicts_retried(
    write: Callable[[], T],
    sleep: Callable[[float], None] = time.sleep,
    attempts: int = CONFLICT_ATTEMPTS,
    rand: Callable[[], float] = random.random,
) -> T:
    """`write()`, again after a pause while DynamoDB refuses it for a transaction writing the
    same item at that moment (`TransactionConflictError`: nothing was written, so trying
    again is safe). A region's decisions all count in its one `stats` item, in their
    transactions (storage/KEYS.md "Storing a decision"). After `attempts`: the last error."""
    for attempt in range(attempts - 1):
        try:
            return write()
        except TransactionConflictError:
            sleep(pause(attempt + 1, rand))
    return write()
