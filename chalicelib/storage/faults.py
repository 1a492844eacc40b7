"""Fault injection for the storage port: throttling, timeouts, races and crashes, on cue.

    plan = FaultPlan({"put_decision": {2: THROTTLE}, "next_volgnummer": {1: TIMEOUT, 2: TIMEOUT}})
    storage = FaultyStorage(MemoryStorage(), plan)

A plan maps an operation of the storage port to the calls (1-based, counted per operation) that
fail and how; `FaultPlan.always(ops, fault)` fails every call; `before` runs a function just
before a chosen call (another request, to interleave two at an exact point). The wrapper
counts every call it forwards (`calls`) and records what it injected (`injected`), so a test
can show that its faults really happened. Faults:

- `THROTTLE`: DynamoDB throttled after botocore's retries (`StorageUnavailableError`, as the
  adapter raises it for ProvisionedThroughputExceededException / ThrottlingException).
- `TIMEOUT`: no answer in time (`StorageUnavailableError("ReadTimeoutError")`, as the adapter
  raises it for botocore's ReadTimeoutError / ConnectTimeoutError).
- `RACE`: a conditional check lost to a concurrent writer (`AlreadyExistsError`), raised before
  the call reaches the store.
- `AFTER`: the call reaches the store and then the connection drops (`StorageUnavailableError`
  after the write happened): the caller cannot tell whether it was applied.

`FaultyStorage` forwards everything else unchanged; it is for tests and drills, never wired
into the service by configuration.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from chalicelib.errors import AlreadyExistsError, StorageUnavailableError

Fault = Literal["throttle", "timeout", "race", "after"]
THROTTLE: Fault = "throttle"
TIMEOUT: Fault = "timeout"
RACE: Fault = "race"
AFTER: Fault = "after"
ALWAYS = 0  # a plan key meaning "every call"


def _error(fault: Fault, operation: str) -> Exception:
    if fault == THROTTLE:
        return StorageUnavailableError("ProvisionedThroughputExceededException")
    if fault == RACE:
        return AlreadyExistsError(f"ConditionalCheckFailedException ({operation}, injected)")
    return StorageUnavailableError("ReadTimeoutError")


@dataclass
class FaultPlan:
    """Which calls of which operations fail, and how (see the module docstring)."""

    faults: dict[str, dict[int, Fault]] = field(default_factory=dict)
    # Work to run just before a call reaches the store (e.g. a concurrent request, to
    # interleave two requests at an exact point); run outside the wrapper's lock.
    before: dict[str, dict[int, Callable[[], object]]] = field(default_factory=dict)

    @classmethod
    def always(cls, operations: Iterable[str], fault: Fault = THROTTLE) -> FaultPlan:
        return cls({op: {ALWAYS: fault} for op in operations})

    def fault_for(self, operation: str, call: int) -> Fault | None:
        planned = self.faults.get(operation)
        if not planned:
            return None
        return planned.get(call) or planned.get(ALWAYS)


@dataclass(frozen=True)
class Injected:
    operation: str
    call: int
    fault: Fault


class FaultyStorage:
    """The storage port around `inner`, failing as `plan` says; thread-safe counting."""

    def __init__(self, inner: Any, plan: FaultPlan | None = None) -> None:
        self.inner = inner
        self.plan = plan or FaultPlan()
        self.calls: dict[str, int] = {}
        self.injected: list[Injected] = []
        self._lock = threading.Lock()

    def heal(self) -> None:
        """No more faults from now on (the database is back)."""
        self.plan = FaultPlan()

    def __getattr__(self, name: str) -> Any:
        operation = getattr(self.inner, name)
        if not callable(operation) or name.startswith("_"):
            return operation
        return self._wrap(name, operation)

    def _wrap(self, name: str, operation: Callable[..., Any]) -> Callable[..., Any]:
        def faulty(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                call = self.calls[name] = self.calls.get(name, 0) + 1
                fault = self.plan.fault_for(name, call)
                if fault is not None:
                    self.injected.append(Injected(name, call, fault))
                hook = self.plan.before.get(name, {}).get(call)
            if hook is not None:
                hook()
            if fault is None:
                return operation(*args, **kwargs)
            if fault == AFTER:
                operation(*args, **kwargs)
            raise _error(fault, name)

        return faulty
