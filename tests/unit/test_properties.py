"""Properties of national decisions that hold under the law, checked with hypothesis.

Each invariant is argued from UB WVO 2020 art. 2.46 lid 4-6 (IB WVO art. 15d lid 4-6) and the
README's reading of it, not from the code. Note what does NOT hold: raising a delay can remove
lwoo eligibility (a domain leaves the lwoo band) and can even remove pro eligibility when pro was
open only by the mixed-profile rule on the IQ (IQ 55-80 with delays in the lwoo band); see
`test_a_worse_delay_can_close_both_arrangements`.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from dossiers import build_request
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from chalicelib.documents import pointer, validation_details
from chalicelib.legal.timeline import national_criteria
from chalicelib.models.common import DOMAINS
from chalicelib.models.criteria import CriteriaDefinition
from chalicelib.models.decision import Evaluation
from chalicelib.models.request import DecisionRequest
from chalicelib.services.decisions import decide_national

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CORE = ("begrijpend_lezen", "inzichtelijk_rekenen")
DATE = dt.date(2017, 3, 1)


# --- strategies -----------------------------------------------------------------------------


@st.composite
def delay(draw: st.DrawFn) -> list[int]:
    """[DL, DLE] with DL 20..100, biased towards the band edges 0,25 and 0,5."""
    dl = draw(st.integers(20, 100))
    edges = [
        dl - dl // 4,
        dl - (dl + 3) // 4,
        dl // 2,
        (dl + 1) // 2,
        dl // 2 + 1,
        dl - dl // 4 + 1,
    ]
    dle = draw(st.one_of(st.integers(0, dl), st.sampled_from([min(e, dl) for e in edges])))
    return [dl, dle]


delays = st.fixed_dictionaries({d: delay() for d in DOMAINS})
iqs = st.integers(40, 140)
seps = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {
            "prestatiemotivatie": st.booleans(),
            "faalangst": st.booleans(),
            "emotionele_instabiliteit": st.booleans(),
            "hinders_learning": st.booleans(),
        }
    ),
)
arrangements = st.sampled_from(["lwoo", "pro"])


def compact(arrangement: str, iq: int, ds: dict[str, list[int]], sep: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"arrangement": arrangement, "iq": iq, "delays": ds}
    if sep is not None:
        out["sep"] = sep
    return out


def decide(c: dict[str, Any], date: dt.date = DATE) -> Evaluation:
    return decide_national(DecisionRequest.model_validate(build_request(c, date)))


def ratio(d: list[int]) -> float:
    return (d[0] - d[1]) / d[0]


def met_routes(evaluation: Evaluation) -> set[str]:
    return {r.route for r in evaluation.explanation if r.met}


# --- outcome and eligible_for ---------------------------------------------------------------

evidence_variants = st.fixed_dictionaries(
    {
        "board_motivation": st.booleans(),
        "parent_view": st.booleans(),
        "expert_advice": st.lists(
            st.sampled_from(["orthopedagoog", "psycholoog", "arts", "leerkracht"]), max_size=3
        ),
    }
)


@SETTINGS
@given(arrangements, st.one_of(st.none(), iqs), delays, seps, evidence_variants)
def test_outcome_agrees_with_eligible_for(
    arrangement: str, iq: int | None, ds: dict[str, list[int]], sep: Any, evidence: dict[str, Any]
) -> None:
    c = compact(arrangement, iq, ds, sep)  # type: ignore[arg-type]
    c["evidence"] = evidence
    evaluation = decide(c)
    errors = [f for f in evaluation.findings if f.severity == "error"]
    if evaluation.outcome == "incomplete":
        assert errors
        assert evaluation.eligible_for == ()
    else:
        assert not errors
        assert (evaluation.outcome == "granted") == (arrangement in evaluation.eligible_for)
    assert set(evaluation.eligible_for) <= {"lwoo", "pro"}
    assert evaluation.valid_until is None  # national: the whole school career


@SETTINGS
@given(iqs, delays, seps)
def test_eligible_for_does_not_depend_on_the_arrangement_applied_for(
    iq: int, ds: dict[str, list[int]], sep: Any
) -> None:
    # With evidence complete for both (parents' view given), the criteria alone decide.
    lwoo = decide(compact("lwoo", iq, ds, sep))
    pro = decide(compact("pro", iq, ds, sep))
    assert lwoo.eligible_for == pro.eligible_for


@SETTINGS
@given(arrangements, iqs, delays, seps, st.randoms(use_true_random=False))
def test_order_of_learning_delays_does_not_matter(
    arrangement: str, iq: int, ds: dict[str, list[int]], sep: Any, rnd: Any
) -> None:
    document = build_request(compact(arrangement, iq, ds, sep), DATE)
    shuffled = copy.deepcopy(document)
    rnd.shuffle(shuffled["student"]["learning_delays"])
    a = decide_national(DecisionRequest.model_validate(document))
    b = decide_national(DecisionRequest.model_validate(shuffled))
    assert (a.outcome, a.eligible_for) == (b.outcome, b.eligible_for)
    assert sorted(f.code for f in a.findings) == sorted(f.code for f in b.findings)
    assert met_routes(a) == met_routes(b)


@SETTINGS
@given(arrangements, iqs, delays, seps)
def test_the_2022_renumbering_changes_no_eligibility(
    arrangement: str, iq: int, ds: dict[str, list[int]], sep: Any
) -> None:
    # README: the criteria moved unchanged into UB WVO 2020 art. 2.46 on 2022-08-01
    old = decide(compact(arrangement, iq, ds, sep), dt.date(2022, 7, 31))
    new = decide(compact(arrangement, iq, ds, sep), dt.date(2022, 8, 1))
    assert (old.outcome, old.eligible_for) == (new.outcome, new.eligible_for)
    assert old.criteria.version_id == "national-2016"
    assert new.criteria.version_id == "national-2022"


# --- the bands ------------------------------------------------------------------------------


@SETTINGS
@given(arrangements, st.one_of(st.integers(0, 54), st.integers(121, 200)), delays, seps)
def test_no_national_route_below_55_or_above_120(
    arrangement: str, iq: int, ds: dict[str, list[int]], sep: Any
) -> None:
    # pro needs IQ 55-80, lwoo 75-90 or 91-120; lid 6 needs one of those IQs too
    assert decide(compact(arrangement, iq, ds, sep)).eligible_for == ()


@SETTINGS
@given(arrangements, iqs, delays, seps)
def test_two_domains_at_a_quarter_one_of_them_core_are_necessary(
    arrangement: str, iq: int, ds: dict[str, list[int]], sep: Any
) -> None:
    # every national route needs a delay >= 0,25 on two domains, one of them BL or IR
    counted = [d for d in DOMAINS if ratio(ds[d]) >= 0.25 - 1e-12]
    evaluation = decide(compact(arrangement, iq, ds, sep))
    if len(counted) < 2 or not set(counted) & set(CORE):
        assert evaluation.eligible_for == ()


@SETTINGS
@given(arrangements, iqs, delays, st.integers(2, 2))
def test_only_the_ratio_matters_not_the_dl(
    arrangement: str, iq: int, ds: dict[str, list[int]], k: int
) -> None:
    # UB 2.46 lid 3: the delay is 1 - DLE/DL; scaling DL and DLE alike changes nothing
    scaled = {d: [v[0] * k, v[1] * k] for d, v in ds.items()}
    a = decide(compact(arrangement, iq, ds, None))
    b = decide(compact(arrangement, iq, scaled, None))
    assert (a.outcome, a.eligible_for) == (b.outcome, b.eligible_for)


@SETTINGS
@given(arrangements, st.integers(0, 90), delays, seps)
def test_sep_matters_only_from_iq_91(
    arrangement: str, iq: int, ds: dict[str, list[int]], sep: Any
) -> None:
    # SEP is a condition of lwoo B only (IQ 91-120); with IQ <= 90 it never changes eligibility
    without = decide(compact(arrangement, iq, ds, None))
    with_sep = decide(
        compact(arrangement, iq, ds, sep or {"faalangst": True, "hinders_learning": True})
    )
    assert without.eligible_for == with_sep.eligible_for


@SETTINGS
@given(arrangements, st.integers(55, 80), st.integers(55, 80), delays, seps)
def test_iq_within_55_to_80_never_changes_pro_eligibility(
    arrangement: str, iq_a: int, iq_b: int, ds: dict[str, list[int]], sep: Any
) -> None:
    # Within 55-80 the IQ always meets pro (lid 4 a); pro then turns on the delay alone, or on
    # lid 6 with lwoo's delay band, neither of which depends on where in 55-80 the IQ lies.
    a = decide(compact(arrangement, iq_a, ds, sep))
    b = decide(compact(arrangement, iq_b, ds, sep))
    assert ("pro" in a.eligible_for) == ("pro" in b.eligible_for)


# --- raising a delay ------------------------------------------------------------------------


@SETTINGS
@given(arrangements, iqs, delays, seps, st.sampled_from(DOMAINS), st.integers(1, 60))
def test_raising_a_delay_keeps_pro_when_pro_rests_on_the_delay(
    arrangement: str, iq: int, ds: dict[str, list[int]], sep: Any, domain: str, drop: int
) -> None:
    before = decide(compact(arrangement, iq, ds, sep))
    worse = {**ds, domain: [ds[domain][0], max(0, ds[domain][1] - drop)]}
    after = decide(compact(arrangement, iq, worse, sep))
    # pro by lid 4 (the pro route) or by lid 6 with pro's own delay: both need "ten minste 0,5"
    # on two domains, which a larger delay can only keep
    on_delay = {"pro", "lwoo-a+pro-learning-delay", "lwoo-b+pro-learning-delay"}
    if met_routes(before) & on_delay:
        assert "pro" in after.eligible_for
        assert met_routes(before) & on_delay <= met_routes(after)
    if iq > 80 and "pro" in before.eligible_for:
        assert "pro" in after.eligible_for


@SETTINGS
@given(arrangements, iqs, delays, seps, st.sampled_from(DOMAINS), st.integers(1, 60))
def test_a_worse_delay_never_silently_closes_an_arrangement(
    arrangement: str, iq: int, ds: dict[str, list[int]], sep: Any, domain: str, drop: int
) -> None:
    # Raising a delay closes an arrangement only when a domain leaves the lwoo band at 0,5 (the
    # literal band reading). README: such a borderline case carries a warning.
    before = decide(compact(arrangement, iq, ds, sep))
    worse = {**ds, domain: [ds[domain][0], max(0, ds[domain][1] - drop)]}
    after = decide(compact(arrangement, iq, worse, sep))
    if set(before.eligible_for) - set(after.eligible_for):
        assert ratio(worse[domain]) >= 0.5
    # The warning is for a person deciding the application: it says so whenever the requested
    # arrangement was granted and no longer is (a granted decision needs no second look).
    if before.outcome == "granted" and after.outcome == "refused":
        assert "delay_above_band_not_counted" in [f.code for f in after.findings]


def test_a_worse_delay_can_close_both_arrangements() -> None:
    # GIVEN IQ 70 with IR 0,30 and BL 0,30: pro IQ and lwoo delay, so either (lid 6)
    before = decide(
        compact("pro", 70, {"inzichtelijk_rekenen": [60, 42], "begrijpend_lezen": [60, 42]}, None)
    )
    assert before.eligible_for == ("lwoo", "pro")
    # WHEN BL worsens to 0,60 THEN only IR is left in the lwoo band and only BL reaches 0,5:
    # two domains in neither band, so nothing (README: a domain counts only in its own band)
    after = decide(
        compact("pro", 70, {"inzichtelijk_rekenen": [60, 42], "begrijpend_lezen": [60, 24]}, None)
    )
    assert after.eligible_for == ()
    assert "delay_above_band_not_counted" in [f.code for f in after.findings]


# --- JSON pointers for invalid documents ----------------------------------------------------


def resolve(document: Any, ptr: str) -> tuple[bool, Any]:
    """RFC 6901: (True, value) when the pointer resolves in the document."""
    if ptr == "":
        return True, document
    if not ptr.startswith("/"):
        return False, None
    node = document
    for raw in ptr[1:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False, None
    return True, node


json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 300),
    st.text(max_size=6),
    st.sampled_from(["0.5", "abc", "2016-02-30"]),
)
json_values = st.recursive(
    json_leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
field_names = st.one_of(
    st.sampled_from(["kind", "min", "score", "iq", "sep", "extra", "a/b", "t~1", "domain", "dl"]),
    st.text(min_size=1, max_size=6),
)


def containers(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path] if isinstance(node, dict | list) else []
    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else []
    )
    for key, value in items:
        found += containers(value, (*path, key))
    return found


def at(document: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        document = document[key]
    return document


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(containers(document)))
        node = at(document, path)
        action = draw(st.sampled_from(["delete", "add", "replace"]))
        if isinstance(node, dict):
            if action == "add" or not node:
                node[draw(field_names)] = draw(json_values)
            elif action == "delete":
                del node[draw(st.sampled_from(sorted(node)))]
            else:
                node[draw(st.sampled_from(sorted(node)))] = draw(json_values)
        elif action == "add" or not node:
            node.append(draw(json_values))
        elif action == "delete":
            node.pop(draw(st.integers(0, len(node) - 1)))
        else:
            node[draw(st.integers(0, len(node) - 1))] = draw(json_values)
    return document


VALID_REQUEST = build_request(
    compact("lwoo", 85, {"begrijpend_lezen": [60, 42]}, {"faalangst": True}), DATE
)
VALID_DEFINITION = national_criteria("national-2016").definition.model_dump(mode="json")
VALID_DEFINITION["arrangements"]["lwoo"]["duration"] = {"kind": "school_years", "years": 2}


def check_pointers(model: Any, document: Any) -> None:
    try:
        model.model_validate(document)
    except ValidationError as exc:
        for detail in validation_details(exc, document):
            ok, _ = resolve(document, detail["path"])
            if not ok:
                # a missing field (or a union's missing tag, `kind`) is named where it belongs:
                # its parent object must resolve
                assert detail["code"] in {"missing", "union_tag_not_found"}, detail
                if detail["code"] == "union_tag_not_found":
                    assert detail["path"].endswith("/kind"), detail
                parent, _, _ = detail["path"].rpartition("/")
                found, node = resolve(document, parent)
                assert found, detail
                assert isinstance(node, dict), detail


@SETTINGS
@given(mutated(VALID_REQUEST))
def test_pointer_resolves_for_invalid_decision_requests(document: dict[str, Any]) -> None:
    check_pointers(DecisionRequest, document)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(VALID_DEFINITION))
def test_pointer_resolves_for_invalid_criteria_definitions(document: dict[str, Any]) -> None:
    check_pointers(CriteriaDefinition, document)


def test_pointer_skips_union_tags_and_names_missing_fields() -> None:
    document = {"arrangements": {"lwoo": {"duration": {"kind": "school_years"}}}}
    loc = ("arrangements", "lwoo", "duration", "school_years", "years")
    assert pointer(loc, document) == "/arrangements/lwoo/duration/years"
    assert pointer(("a/b~",), {"a/b~": 1}) == "/a~1b~0"


def test_pointer_when_a_field_is_named_like_the_union_tag() -> None:
    document = {
        "effective_from": "2017-01-01",
        "arrangements": {
            "lwoo": {"routes": [{"id": "r", "conditions": [{"kind": "iq", "iq": 1, "min": "x"}]}]}
        },
    }
    with pytest.raises(ValidationError) as raised:
        CriteriaDefinition.model_validate(document)
    paths = {d["code"]: d["path"] for d in validation_details(raised.value, document)}
    assert paths["int_type"] == "/arrangements/lwoo/routes/0/conditions/0/min"  # strict
