"""Deciding under the national criteria of the phase in force (no region, no storage).

The same mechanism the API uses for a region without criteria of its own
(`chalicelib.domain.in_force`), so the command line and the case tables test that mechanism.
"""

from __future__ import annotations

from chalicelib.domain.in_force import decide_in_force, national_in_force
from chalicelib.models.decision import Evaluation
from chalicelib.models.request import DecisionRequest


def decide_national(request: DecisionRequest, framework_id: str = "enacted") -> Evaluation:
    """Decide under the national criteria of the phase in force on the application date.

    Raises:
        NoLegalPhaseError: the date lies before 2016-01-01.
        NoCriteriaInForceError: the phase has no national criteria for the arrangement
            (the `loslaten` phase of `kamerbrief-2014`: the region's own criteria apply).
    """
    return decide_in_force(request, national_in_force(framework_id, request.application.date))
