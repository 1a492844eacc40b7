"""The engine's caches change nothing but speed: GIVEN a cohort, WHEN deciding it with warm,
cold, tiny or reordered caches, THEN every decision serialises to the same JSON; and every
cache has a bound.

The engine caches per input (an IQ explanation per score, a (DL, DLE) pair's text and bands,
the domains counted per pattern of bands, a verdict per pattern of met conditions, some
findings) and shares the cached objects between decisions; see chalicelib/domain/conditions.py
and eligibility.py.
"""

from __future__ import annotations

import datetime as dt
import random
from functools import _lru_cache_wrapper
from typing import Any

import pytest
from dossiers import request_for
from pydantic import TypeAdapter

from chalicelib.domain import conditions, eligibility, evidence
from chalicelib.domain.eligibility import CompiledCriteria, compile_criteria, decide, merge_sides
from chalicelib.legal.model import Phase
from chalicelib.legal.timeline import national_criteria, phase_at
from chalicelib.models.common import DOMAINS
from chalicelib.models.criteria import CriteriaDefinition, LearningDelayCondition
from chalicelib.models.decision import CriteriaRef, Evaluation
from chalicelib.models.request import DecisionRequest
from chalicelib.services.decisions import split_health_data

DATE = dt.date(2017, 3, 1)
NATIONAL = CriteriaRef("national", "national-2016")
EVALUATION = TypeAdapter(Evaluation)
PROFESSIONS = ("psycholoog", "orthopedagoog", "intern_begeleider", "maatschappelijk_werker")


def _student(rng: random.Random) -> dict[str, Any]:
    """IQ, delays and SEP around the national bounds; sometimes missing, sometimes odd."""
    compact: dict[str, Any] = {"arrangement": rng.choice(("lwoo", "pro"))}
    if rng.random() < 0.95:
        compact["iq"] = {
            "score": rng.randint(45, 130),
            "administered_by": rng.choice(PROFESSIONS[:2] * 9 + PROFESSIONS[2:]),
        }
    delays: dict[str, list[int] | None] = {}
    for domain in DOMAINS:
        dl = rng.randint(1, 70)
        behind = rng.choice((dl // 4, dl // 2, rng.randint(0, dl), rng.randint(0, dl)))
        delays[domain] = None if rng.random() < 0.05 else [dl, dl - behind]
    compact["delays"] = delays
    if rng.random() < 0.6:
        flags = ("prestatiemotivatie", "faalangst", "emotionele_instabiliteit", "hinders_learning")
        compact["sep"] = {flag: rng.random() < 0.5 for flag in flags}
    return compact


def _evidence(rng: random.Random, compact: dict[str, Any]) -> None:
    if rng.random() < 0.1:
        compact["evidence"] = {"parent_view": False}
    elif rng.random() < 0.1:
        compact["evidence"] = {"expert_advice": [rng.choice(PROFESSIONS)]}


def cohort(n: int, seed: int) -> list[DecisionRequest]:
    rng = random.Random(seed)
    requests = []
    for _ in range(n):
        compact = _student(rng)
        _evidence(rng, compact)
        requests.append(request_for(compact, DATE))
    return requests


def national() -> tuple[CriteriaDefinition, Phase]:
    return national_criteria("national-2016").definition, phase_at("enacted", DATE)


def serialised(evaluations: list[Evaluation]) -> list[bytes]:
    return [EVALUATION.dump_json(e) for e in evaluations]


def decide_all(requests: list[DecisionRequest], compiled: CompiledCriteria) -> list[bytes]:
    phase = national()[1]
    return serialised([decide(r, compiled, phase) for r in requests])


@pytest.fixture(scope="module")
def requests() -> list[DecisionRequest]:
    return cohort(600, seed=20170301)


def test_warm_caches_give_the_same_decisions_as_cold_ones(
    requests: list[DecisionRequest],
) -> None:
    # GIVEN the national criteria compiled once, its caches filled by deciding the cohort
    definition, _ = national()
    warm = compile_criteria(definition, NATIONAL)
    first = decide_all(requests, warm)
    # WHEN the cohort is decided again on the warm caches, and in reverse order on fresh ones
    again = decide_all(requests, warm)
    cold = compile_criteria(definition, NATIONAL)
    reversed_ = decide_all(requests[::-1], cold)[::-1]
    # THEN every decision is the same, byte for byte
    assert again == first
    assert reversed_ == first


def test_evicting_caches_give_the_same_decisions(
    requests: list[DecisionRequest], monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN caches of two entries each, so nearly every decision evicts entries
    definition, _ = national()
    expected = decide_all(requests, compile_criteria(definition, NATIONAL))
    for name in ("DELAY_CACHE_SIZE", "IQ_CACHE_SIZE", "SEP_CACHE_SIZE", "PATTERN_CACHE_SIZE"):
        monkeypatch.setattr(conditions, name, 2)
    monkeypatch.setattr(eligibility, "VERDICT_CACHE_SIZE", 2)
    tiny = compile_criteria(definition, NATIONAL)
    # WHEN the cohort is decided on them, THEN the decisions are the same
    assert decide_all(requests, tiny) == expected
    assert tiny.conditions.cell.cache_info().currsize <= 2
    assert tiny.conditions.count.cache_info().currsize <= 2


def test_every_cache_is_bounded(requests: list[DecisionRequest]) -> None:
    # GIVEN the compiled national criteria after a cohort
    definition, _ = national()
    compiled = compile_criteria(definition, NATIONAL)
    decide_all(requests, compiled)
    c = compiled.conditions
    caches: list[Any] = [
        c.cell,
        c.iq,
        c.sep,
        compiled.verdict,
        eligibility._above_band,
        evidence.years_before,
        evidence._has_two_experts,
        c.count,
    ]
    # THEN each is an lru_cache with a maximum size, and holds no more than that
    for cache in caches:
        assert isinstance(cache, _lru_cache_wrapper)
        info = cache.cache_info()
        assert info.maxsize is not None
        assert info.currsize <= info.maxsize
    assert c.cell.cache_info().maxsize == conditions.DELAY_CACHE_SIZE


def test_a_cell_holds_the_exact_band_under_each_delay_condition() -> None:
    # GIVEN a lwoo-like band of 25% up to 50% and a pro-like bound of at least 50%
    lwoo = LearningDelayCondition.model_validate(
        {"kind": "learning_delay", "min_ratio": "0.25", "max_ratio_exclusive": "0.5"}
    )
    pro = LearningDelayCondition.model_validate({"kind": "learning_delay", "min_ratio": "0.5"})
    compiled = conditions.compile_conditions([lwoo, pro])
    # WHEN cells are made for delays just below, on and above the bounds (DL 56)
    # THEN each holds the text and, per condition, whether the delay lies below, in or above
    assert compiled.cell(56, 43) == ("13/56", ("below", "below"))
    assert compiled.cell(56, 42) == ("14/56", ("in", "below"))
    assert compiled.cell(56, 29) == ("27/56", ("in", "below"))
    assert compiled.cell(56, 28) == ("28/56", ("above", "in"))
    # AND the same pair gets the same cached object
    assert compiled.cell(56, 28) is compiled.cell(56, 28)


def test_shared_explanations_survive_serialising_and_merging(
    requests: list[DecisionRequest],
) -> None:
    # GIVEN two decisions that share cached explanation objects (the same IQ score)
    definition, phase = national()
    compiled = compile_criteria(definition, NATIONAL)
    a, other = requests[0], requests[1]
    b = other.model_copy(update={"student": other.student.model_copy(update={"iq": a.student.iq})})
    first = decide(a, compiled, phase)
    before = EVALUATION.dump_json(first)
    # WHEN another decision is made, serialised, split for health data and merged
    second = decide(b, compiled, phase)
    split_health_data(EVALUATION.dump_python(second, mode="json"))
    merge_sides("lwoo", {"lwoo": second, "pro": first})
    # THEN the first decision is unchanged, and it shares the IQ explanation with the second
    assert EVALUATION.dump_json(first) == before
    assert first.explanation[0].conditions[0] is second.explanation[0].conditions[0]
