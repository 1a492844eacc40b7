"""Benchmark: our decision engine against zen-engine (GoRules JDM) on one synthetic cohort.

Run as `.venv/bin/python bench/bench_engine.py [--n 100000] [--seed 20170301]`.

1. A seeded cohort of N dossiers (DecisionRequest models, built before any timing) applying on
   2017-03-01: the national criteria `national-2016`, phase `integratie-2016` of `enacted`.
2. Our engine: `decide(request, compiled, phase)` per dossier, full explanation included
   (that is what `decide` returns). Best of 3 runs, gc enabled as normal, the process pinned
   to one CPU (zen's worker threads too), time.perf_counter.
3. The same criteria (Inrichtingsbesluit WVO art. 15d lid 4-6) written independently as a JDM
   graph for zen-engine, `bench/national_2016.jdm.json` (rewritten by every run from
   `build_jdm()` below). zen gets the raw numbers (IQ, DL and DLE per domain, SEP flags) and
   computes the delays, domain counts and bands itself, in integer arithmetic.
4. zen timed on the same cohort in the same process, two ways: `decision.evaluate(dict)` on
   the decision of `create_decision` (slow: on a fixed random subset, `--zen-sample`), and
   `engine.evaluate(key, dict)` with a loader that returns the precompiled graph (zen's fastest
   call per dossier, on the whole cohort); plus zen's own per-evaluation 'performance' figure.
5. Agreement on eligibility for every dossier (see `our_eligibility`), and the worked cases of
   legal-rules.md 4.3 through both. Exit status 1 unless both are 100%.
6. Import cost of the core (`import chalicelib.services.decisions`) beside pydantic's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import random
import re
import shlex
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import zen  # noqa: E402

from chalicelib.domain.eligibility import CompiledCriteria, decide  # noqa: E402
from chalicelib.domain.in_force import compiled_side, national_in_force  # noqa: E402
from chalicelib.legal.model import Phase  # noqa: E402
from chalicelib.models.common import DOMAINS  # noqa: E402
from chalicelib.models.decision import Evaluation  # noqa: E402
from chalicelib.models.request import DecisionRequest  # noqa: E402

JDM_PATH = Path(__file__).resolve().parent / "national_2016.jdm.json"
APPLICATION_DATE = dt.date(2017, 3, 1)
FRAMEWORK = "enacted"
TARGET_RATIO = 20.0
REPEATS = 3
SHORT = {  # domain -> key in zen's input
    "technisch_lezen": "tl",
    "spellen": "sp",
    "begrijpend_lezen": "bl",
    "inzichtelijk_rekenen": "ir",
}
CORE = ("bl", "ir")  # begrijpend lezen, inzichtelijk rekenen: one of the counted domains
BANDS = ("lwoo-a", "lwoo-b", "pro", "mixed", "none")
ZEN_KEY = "national_2016.jdm.json"


# --------------------------------------------------------------------------------------------
# The zen graph (JDM), written from IB WVO art. 15d, independently of national-2016.json
# --------------------------------------------------------------------------------------------


def _node(
    node_id: str, kind: str, name: str, x: int, content: dict[str, Any] | None = None
) -> dict[str, Any]:
    node: dict[str, Any] = {"id": node_id, "type": kind, "name": name, "position": {"x": x, "y": 0}}
    if content is not None:
        node["content"] = content
    return node


def _expressions(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    items = [{"id": f"x-{key}", "key": key, "value": value} for key, value in pairs]
    return {"expressions": items, "passThrough": True}


def _band_expressions() -> list[tuple[str, str]]:
    """Per domain: is the delay 1 - DLE/DL in the lwoo band [1/4, 1/2) or the pro band [1/2, 1]?

    Cross-multiplied, so exact: delay >= 1/4  <=>  (DL - DLE) * 4 >= DL.
    """
    pairs = []
    for d in SHORT.values():
        behind = f"({d}.dl - {d}.dle)"
        pairs.append((f"lw.{d}", f"{behind} * 4 >= {d}.dl and {behind} * 2 < {d}.dl"))
        pairs.append((f"pr.{d}", f"{behind} * 2 >= {d}.dl"))
    return pairs


def _count_expressions() -> list[tuple[str, str]]:
    """At least two domains in the band, one of them begrijpend lezen or inzichtelijk rekenen;
    SEP: at least one indicator and the problems hinder learning."""
    pairs = []
    for band in ("lw", "pr"):
        count = " + ".join(f"({band}.{d} ? 1 : 0)" for d in SHORT.values())
        pairs.append((f"n.{band}", count))
        core = " or ".join(f"{band}.{d}" for d in CORE)
        pairs.append((f"delay.{band}", f"$.n.{band} >= 2 and ({core})"))
    sep = (
        "sep != null and (sep.prestatiemotivatie or sep.faalangst or "
        "sep.emotionele_instabiliteit) and sep.hinders_learning"
    )
    pairs.append(("sep_ok", sep))
    return pairs


# Rules of the eligibility table, first hit wins. The mixed-profile rows (lid 6: pro on IQ or on
# delay, lwoo on the rest, gives either arrangement) come first, so the first hit is the union of
# what every met route grants: a dossier meeting plain pro and plain lwoo-a has IQ 75..80 and a
# pro delay, so it meets "lwoo-a + pro delay". "lwoo-b + pro IQ" (IQ 55..80, lwoo delay, SEP) is
# left out: "lwoo-a + pro IQ" already covers it. IQ ranges include both ends.
#   (route, IQ range, lwoo delay, pro delay, SEP, lwoo, pro)
RULES: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    ("lwoo-a + pro IQ (lid 6)", "[55..80]", "true", "", "", "true", "true"),
    ("lwoo-a + pro delay (lid 6)", "[75..90]", "", "true", "", "true", "true"),
    ("lwoo-b + pro delay (lid 6)", "[91..120]", "", "true", "true", "true", "true"),
    ("pro (lid 4)", "[55..80]", "", "true", "", "false", "true"),
    ("lwoo-a (lid 5 a)", "[75..90]", "true", "", "", "true", "false"),
    ("lwoo-b (lid 5 b)", "[91..120]", "true", "", "true", "true", "false"),
    ("none", "", "", "", "", "false", "false"),
)


def _table() -> dict[str, Any]:
    inputs = [
        {"id": "in-iq", "name": "IQ", "field": "iq"},
        {"id": "in-lw", "name": "lwoo delay", "field": "delay.lw"},
        {"id": "in-pr", "name": "pro delay", "field": "delay.pr"},
        {"id": "in-sep", "name": "SEP", "field": "sep_ok"},
    ]
    outputs = [
        {"id": "out-route", "name": "Route", "field": "route"},
        {"id": "out-lwoo", "name": "Eligible lwoo", "field": "eligible.lwoo"},
        {"id": "out-pro", "name": "Eligible pro", "field": "eligible.pro"},
    ]
    rules = []
    for i, (route, iq, lw, pr, sep, lwoo, pro) in enumerate(RULES):
        rules.append(
            {
                "_id": f"rule-{i}",
                "_description": route,
                "in-iq": iq,
                "in-lw": lw,
                "in-pr": pr,
                "in-sep": sep,
                "out-route": json.dumps(route),
                "out-lwoo": lwoo,
                "out-pro": pro,
            }
        )
    return {"hitPolicy": "first", "inputs": inputs, "outputs": outputs, "rules": rules}


def build_jdm() -> dict[str, Any]:
    """Request -> delay bands per domain -> counts and SEP -> eligibility table -> response."""
    nodes = [
        _node("request", "inputNode", "Request", 0),
        _node(
            "bands",
            "expressionNode",
            "Delay band per domain",
            250,
            _expressions(_band_expressions()),
        ),
        _node(
            "counts",
            "expressionNode",
            "Domains counted, SEP",
            500,
            _expressions(_count_expressions()),
        ),
        _node("table", "decisionTableNode", "IB WVO art. 15d lid 4-6", 750, _table()),
        _node("response", "outputNode", "Response", 1000),
    ]
    chain = ("request", "bands", "counts", "table", "response")
    edges = [
        {"id": f"e-{a}-{b}", "sourceId": a, "targetId": b, "type": "edge"}
        for a, b in itertools.pairwise(chain)
    ]
    return {"contentType": "application/vnd.gorules.decision", "nodes": nodes, "edges": edges}


def zen_context(request: DecisionRequest) -> dict[str, Any]:
    """The raw numbers zen decides on: IQ, DL and DLE per domain, SEP flags (or null)."""
    student = request.student
    ctx: dict[str, Any] = {"iq": student.iq.score if student.iq else None}
    for r in student.learning_delays:
        ctx[SHORT[r.domain]] = {"dl": r.dl, "dle": r.dle}
    sep = student.sep
    ctx["sep"] = (
        None
        if sep is None
        else {
            "prestatiemotivatie": sep.prestatiemotivatie,
            "faalangst": sep.faalangst,
            "emotionele_instabiliteit": sep.emotionele_instabiliteit,
            "hinders_learning": sep.hinders_learning,
        }
    )
    return ctx


def zen_eligibility(response: dict[str, Any]) -> frozenset[str]:
    eligible = response["result"]["eligible"]
    return frozenset(a for a in ("lwoo", "pro") if eligible[a] is True)


# --------------------------------------------------------------------------------------------
# The cohort
# --------------------------------------------------------------------------------------------

# profile -> (weight, IQ range, delay level)
PROFILES: dict[str, tuple[float, tuple[int, int], str]] = {
    "pro-like": (0.19, (52, 76), "pro"),
    "lwoo-a-like": (0.19, (79, 92), "lwoo"),
    "lwoo-b-like": (0.27, (89, 123), "lwoo"),
    "mixed-iq-like": (0.07, (55, 80), "lwoo"),
    "mixed-delay-like": (0.07, (75, 95), "pro"),
    "spread": (0.21, (45, 130), "any"),
}
DELAY_LEVELS = {"low": (0.0, 0.3), "lwoo": (0.2, 0.5), "pro": (0.45, 0.85)}
INCOMPLETE_SHARE = 0.06


def _delays(rng: random.Random, level: str) -> list[dict[str, Any]]:
    results = []
    for domain in DOMAINS:
        dl = rng.randint(40, 70)
        band = rng.choice(list(DELAY_LEVELS)) if level == "any" else level
        lo, hi = DELAY_LEVELS[band]
        ratio = rng.uniform(lo, hi)
        if rng.random() < 0.12:  # exact band edges: 1/4 and 1/2 where DL allows it
            ratio = rng.choice((0.25, 0.5))
        dle = dl - min(dl, max(0, round(ratio * dl)))
        if rng.random() < 0.02:
            dle = rng.randint(0, dl)  # anywhere, DLE 0..DL
        test_date = APPLICATION_DATE - dt.timedelta(days=rng.randint(10, 200))
        results.append({"domain": domain, "dl": dl, "dle": dle, "test_date": test_date})
    rng.shuffle(results)
    return results


def _sep(rng: random.Random, profile: str) -> dict[str, Any] | None:
    if rng.random() >= (0.8 if profile == "lwoo-b-like" else 0.45):
        return None
    p, hinders = (0.5, 0.75) if profile == "lwoo-b-like" else (0.3, 0.5)
    return {
        "prestatiemotivatie": rng.random() < p,
        "faalangst": rng.random() < p,
        "emotionele_instabiliteit": rng.random() < p,
        "hinders_learning": rng.random() < hinders,
        "test_date": APPLICATION_DATE - dt.timedelta(days=rng.randint(10, 300)),
        "administered_by": rng.choice(("psycholoog", "orthopedagoog")),
    }


def _break_evidence(rng: random.Random, doc: dict[str, Any]) -> None:
    """Make the dossier incomplete in one of a few realistic ways."""
    way = rng.choice(("parent_view", "old_iq", "expert", "tester"))
    if way == "parent_view":
        doc["application"]["arrangement"] = "pro"
        doc["evidence"]["parent_view"] = False
    elif way == "old_iq":
        doc["student"]["iq"]["test_date"] = APPLICATION_DATE - dt.timedelta(days=800)
    elif way == "expert":
        doc["evidence"]["expert_advice"] = ("deskundige_vo",)
    else:
        doc["student"]["iq"]["administered_by"] = "intern_begeleider"


def make_dossier(rng: random.Random, i: int) -> dict[str, Any]:
    names = list(PROFILES)
    profile = rng.choices(names, weights=[PROFILES[p][0] for p in names])[0]
    _, (iq_lo, iq_hi), level = PROFILES[profile]
    arrangement = "pro" if level == "pro" and rng.random() < 0.7 else rng.choice(("lwoo", "pro"))
    doc: dict[str, Any] = {
        "application": {"arrangement": arrangement, "date": APPLICATION_DATE},
        "student": {
            "ref": f"bench-{i:06d}",
            "iq": {
                "score": rng.randint(iq_lo, iq_hi),
                "test_date": APPLICATION_DATE - dt.timedelta(days=rng.randint(10, 700)),
                "administered_by": rng.choice(("psycholoog", "orthopedagoog")),
            },
            "learning_delays": _delays(rng, level),
            "sep": _sep(rng, profile),
        },
        "evidence": {
            "board_motivation": True,
            "parent_view": True,
            "expert_advice": (
                "orthopedagoog",
                rng.choice(("deskundige_vo", "maatschappelijk_werker")),
            ),
        },
    }
    if rng.random() < INCOMPLETE_SHARE:
        _break_evidence(rng, doc)
    return doc


# legal-rules.md 4.3, worked cases: IQ, {domain: (DL - DLE, DL)} (others 0 behind), SEP, expected
WORKED_CASES: tuple[tuple[int, dict[str, tuple[int, int]], bool | None, frozenset[str]], ...] = (
    (
        85,
        {"bl": (16, 56), "sp": (18, 60), "tl": (6, 60), "ir": (12, 60)},
        None,
        frozenset({"lwoo"}),
    ),
    (85, {"tl": (18, 60), "sp": (21, 60), "bl": (12, 60), "ir": (6, 60)}, None, frozenset()),
    (70, {"ir": (30, 60), "bl": (33, 60)}, None, frozenset({"pro"})),
    (78, {"ir": (33, 60), "bl": (26, 50)}, None, frozenset({"lwoo", "pro"})),
    (78, {"ir": (18, 60), "bl": (24, 60)}, None, frozenset({"lwoo", "pro"})),
    (86, {"ir": (33, 60), "bl": (36, 60)}, None, frozenset({"lwoo", "pro"})),
    (68, {"ir": (18, 60), "bl": (21, 60)}, None, frozenset({"lwoo", "pro"})),
    (100, {"ir": (18, 60), "tl": (14, 50)}, True, frozenset({"lwoo"})),
    (100, {"ir": (18, 60), "tl": (14, 50)}, False, frozenset()),
    (121, {"ir": (24, 60), "bl": (24, 60)}, True, frozenset()),
    (54, {"ir": (36, 60), "bl": (36, 60)}, None, frozenset()),
    (80, {"ir": (15, 60), "bl": (49, 100)}, None, frozenset({"lwoo", "pro"})),
)


def worked_case(i: int, iq: int, behind: dict[str, tuple[int, int]], sep: bool | None):
    delays = []
    for domain, short in SHORT.items():
        b, dl = behind.get(short, (0, 60))
        delays.append({"domain": domain, "dl": dl, "dle": dl - b, "test_date": APPLICATION_DATE})
    doc = {
        "application": {"arrangement": "lwoo", "date": APPLICATION_DATE},
        "student": {
            "ref": f"case-{i}",
            "iq": {"score": iq, "test_date": APPLICATION_DATE, "administered_by": "psycholoog"},
            "learning_delays": delays,
            "sep": None
            if sep is None
            else {
                "prestatiemotivatie": sep,
                "faalangst": False,
                "emotionele_instabiliteit": False,
                "hinders_learning": True,
                "test_date": APPLICATION_DATE,
                "administered_by": "psycholoog",
            },
        },
    }
    return DecisionRequest.model_validate(doc)


def make_cohort(n: int, seed: int) -> list[DecisionRequest]:
    rng = random.Random(seed)
    return [DecisionRequest.model_validate(make_dossier(rng, i)) for i in range(n)]


# --------------------------------------------------------------------------------------------
# Our side: eligibility and band from a decision
# --------------------------------------------------------------------------------------------


def route_eligibility(evaluation: Evaluation) -> frozenset[str]:
    """Union of what every met route grants: the criteria alone, whatever the evidence."""
    return frozenset(a for route in evaluation.explanation if route.met for a in route.grants)


def our_eligibility(evaluation: Evaluation) -> frozenset[str]:
    """`eligible_for` on a complete dossier; the met routes' grants on an incomplete one
    (where `eligible_for` is empty by design). On complete dossiers the two must agree."""
    if evaluation.outcome == "incomplete":
        return route_eligibility(evaluation)
    eligible = frozenset(evaluation.eligible_for)
    if eligible != route_eligibility(evaluation):
        raise AssertionError(f"eligible_for {eligible} differs from the routes met")
    return eligible


def band(evaluation: Evaluation, eligible: frozenset[str]) -> str:
    if len(eligible) == 2:
        return "mixed"
    if eligible == {"pro"}:
        return "pro"
    met = {route.route for route in evaluation.explanation if route.met}
    if "lwoo-a" in met:
        return "lwoo-a"
    return "lwoo-b" if "lwoo-b" in met else "none"


# --------------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    runs: tuple[float, ...]  # seconds per run
    cpu_over_wall: float  # process CPU time / wall time of the best run: ~1.00 is one core
    n: int

    @property
    def best(self) -> float:
        return min(self.runs)

    @property
    def rate(self) -> float:
        return self.n / self.best

    def note(self) -> str:
        runs = ", ".join(f"{r:.2f}" for r in self.runs)
        each = self.best / self.n * 1e6
        return f"{each:6.2f} us each; runs {runs} s; cpu/wall {self.cpu_over_wall:.2f}"


def time_loop(run: Callable[[], None], n: int, repeats: int = REPEATS) -> Timing:
    runs, cpu = [], []
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        run()
        t1, c1 = time.perf_counter(), time.process_time()
        runs.append(t1 - t0)
        cpu.append((c1 - c0) / (t1 - t0))
    best = min(range(repeats), key=runs.__getitem__)
    return Timing(tuple(runs), cpu[best], n)


def time_ours(requests: list[DecisionRequest], compiled: CompiledCriteria, phase: Phase) -> Timing:
    def run() -> None:
        for request in requests:
            decide(request, compiled, phase)

    return time_loop(run, len(requests))


def time_calls(evaluate: Callable[..., Any], args: list[tuple[Any, ...]]) -> Timing:
    def run() -> None:
        for a in args:
            evaluate(*a)

    return time_loop(run, len(args))


PERF = re.compile(r"^([\d.]+)\s*(ns|µs|us|ms|s)$")
UNIT = {"ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def perf_seconds(text: str) -> float:
    """zen's self-reported evaluation time, e.g. '33.5µs'."""
    m = PERF.match(text.strip())
    if m is None:
        raise ValueError(f"unexpected zen performance figure {text!r}")
    return float(m.group(1)) * UNIT[m.group(2)]


# --------------------------------------------------------------------------------------------
# Import cost
# --------------------------------------------------------------------------------------------

IMPORT_LINE = re.compile(r"^import time:\s+(\d+)\s+\|\s+(\d+)\s+\|\s*(\S+)\s*$")
PYDANTIC_STACK = ("pydantic", "pydantic_core", "annotated_types", "typing_inspection")


def _wall(code: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    return time.perf_counter() - t0


def _self_times(code: str) -> dict[str, int]:
    """Self time (us) per module group, from one `python -X importtime` run."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    groups: Counter[str] = Counter()
    for line in done.stderr.splitlines():
        m = IMPORT_LINE.match(line)
        if m is None:
            continue
        top = m.group(3).split(".")[0]
        group = "own" if top == "chalicelib" else "pydantic" if top in PYDANTIC_STACK else "other"
        groups[group] += int(m.group(1))
    return dict(groups)


def import_costs(repeats: int = 7) -> dict[str, float]:
    """Medians, in ms, of `repeats` fresh interpreters each: wall times, and the self times
    `-X importtime` gives each module group in `import chalicelib.services.decisions`, beyond a
    bare run."""
    codes = {
        "bare": "pass",
        "pydantic": "import pydantic",
        "pydantic_model": "from pydantic import BaseModel",
        "core": "import chalicelib.services.decisions",
    }
    walls: dict[str, list[float]] = {k: [] for k in codes}
    core: list[dict[str, int]] = []
    bare: list[dict[str, int]] = []
    for _ in range(repeats):  # interleaved, so a change in machine load hits all alike
        for key, code in codes.items():
            walls[key].append(_wall(code))
        core.append(_self_times(codes["core"]))
        bare.append(_self_times("pass"))
    ms = {k: statistics.median(v) * 1e3 for k, v in walls.items()}
    for group in ("own", "pydantic", "other"):
        base = statistics.median(r.get(group, 0) for r in bare)
        ms[f"self_{group}"] = (statistics.median(r.get(group, 0) for r in core) - base) / 1e3
    return ms


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def describe(request: DecisionRequest) -> str:
    s = request.student
    iq = s.iq.score if s.iq else None
    delays = " ".join(f"{SHORT[r.domain]}={r.dl - r.dle}/{r.dl}" for r in s.learning_delays)
    sep = "-"
    if s.sep is not None:
        names = ("prestatiemotivatie", "faalangst", "emotionele_instabiliteit")
        flags = ",".join(f for f in names if getattr(s.sep, f)) or "no-indicator"
        sep = f"{flags};hinders={s.sep.hinders_learning}"
    return f"{s.ref} {request.application.arrangement} iq={iq} {delays} sep={sep}"


def row(label: str, value: str, note: str = "") -> None:
    print(f"  {label:<36} {value:>16}  {note}".rstrip())


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="cohort size (default 100000)")
    parser.add_argument("--seed", type=int, default=20170301, help="cohort seed")
    parser.add_argument(
        "--zen-sample",
        type=int,
        default=20_000,
        help="time zen's decision.evaluate on a fixed random subset of this size "
        "(default 20000; it is the slow path); 0 = whole cohort",
    )
    parser.add_argument("--no-pin", action="store_true", help="do not pin the process to one CPU")
    return parser.parse_args()


def pin_one_core() -> tuple[str, set[int] | None]:
    """Pin this process (and zen's worker threads) to one CPU, so 'one core' holds for both.
    Returns a note and the CPUs allowed before, to restore them."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity)", None
    before = os.sched_getaffinity(0)
    cpu = min(before)
    os.sched_setaffinity(0, {cpu})
    return f"pinned to CPU {cpu}", before


@dataclass
class Agreement:
    bad: list[int]
    bands: Counter[str]
    incomplete: int
    zen_internal: list[float]  # zen's self-reported seconds per evaluation
    zen_rows: Counter[str]  # which row of zen's table was the first hit


def check_agreement(
    requests: list[DecisionRequest],
    compiled: CompiledCriteria,
    phase: Phase,
    zen_evaluate: Callable[[dict[str, Any]], dict[str, Any]],
    contexts: list[dict[str, Any]],
) -> Agreement:
    """Every dossier, untimed: our eligibility against zen's."""
    result = Agreement([], Counter(), 0, [], Counter())
    for i, (request, ctx) in enumerate(zip(requests, contexts, strict=True)):
        evaluation = decide(request, compiled, phase)
        ours = our_eligibility(evaluation)
        result.bands[band(evaluation, ours)] += 1
        result.incomplete += evaluation.outcome == "incomplete"
        response = zen_evaluate(ctx)
        result.zen_internal.append(perf_seconds(response["performance"]))
        result.zen_rows[response["result"]["route"]] += 1
        if ours != zen_eligibility(response):
            result.bad.append(i)
    return result


@dataclass
class Figures:
    ours: Timing
    zen_decision: Timing
    zen_engine: Timing
    agreement: Agreement
    worked: int  # worked cases both engines decide as legal-rules.md 4.3 says


@dataclass
class Engines:
    """Both sides, ready: our compiled criteria and phase; zen's decision and engine."""

    phase: Phase
    compiled: CompiledCriteria
    decision: Any  # zen.ZenDecision, from create_decision: the API the brief names
    engine: Any  # zen.ZenEngine whose loader returns the precompiled graph: zen's fastest path

    def zen(self, ctx: dict[str, Any]) -> dict[str, Any]:
        return self.engine.evaluate(ZEN_KEY, ctx)  # type: ignore[no-any-return]


def load_engines() -> tuple[Engines, float, float]:
    """Both sides, and the seconds each took to load and compile (first use, in-process)."""
    t0 = time.perf_counter()
    in_force = national_in_force(FRAMEWORK, APPLICATION_DATE)
    phase, compiled = in_force.phase, compiled_side("lwoo", in_force)
    t1 = time.perf_counter()
    content = zen.ZenDecisionContent(JDM_PATH.read_text(encoding="utf-8"))
    decision = zen.ZenEngine().create_decision(content)
    engine = zen.ZenEngine({"loader": lambda _key: content})
    t2 = time.perf_counter()
    return Engines(phase, compiled, decision, engine), t1 - t0, t2 - t1


def check_worked_cases(e: Engines) -> int:
    """The worked cases of legal-rules.md 4.3 through both engines; the number both get right."""
    right = 0
    for i, (iq, behind, sep, expected) in enumerate(WORKED_CASES):
        request = worked_case(i, iq, behind, sep)
        ours = our_eligibility(decide(request, e.compiled, e.phase))
        theirs = zen_eligibility(e.zen(zen_context(request)))
        if ours == theirs == expected:
            right += 1
        else:
            print(
                f"  WORKED CASE {describe(request)}: expected {sorted(expected)}, "
                f"ours {sorted(ours)}, zen {sorted(theirs)}"
            )
    return right


def run_bench(
    args: argparse.Namespace,
    e: Engines,
    requests: list[DecisionRequest],
    contexts: list[dict[str, Any]],
) -> Figures:
    for request, ctx in zip(requests[:300], contexts[:300], strict=True):  # warm up
        decide(request, e.compiled, e.phase)
        e.decision.evaluate(ctx)
        e.zen(ctx)
    # The two zen paths run the same graph: they must agree.
    for ctx in contexts[:1000]:
        assert zen_eligibility(e.decision.evaluate(ctx)) == zen_eligibility(e.zen(ctx))

    ours = time_ours(requests, e.compiled, e.phase)
    n = len(requests)
    sample = contexts
    if 0 < args.zen_sample < n:
        picked = random.Random(args.seed + 1).sample(range(n), args.zen_sample)
        sample = [contexts[i] for i in sorted(picked)]
    zen_decision = time_calls(e.decision.evaluate, [(c,) for c in sample])
    zen_engine = time_calls(e.engine.evaluate, [(ZEN_KEY, c) for c in contexts])
    agreement = check_agreement(requests, e.compiled, e.phase, e.zen, contexts)
    return Figures(ours, zen_decision, zen_engine, agreement, check_worked_cases(e))


def report_throughput(f: Figures, n: int, pinned: str) -> None:
    print(f"Throughput: one core ({pinned}), time.perf_counter, best of 3, gc on")
    row("ours: decide(), with explanation", f"{f.ours.rate:,.0f} /s", f.ours.note())
    scope = "whole cohort" if f.zen_decision.n == n else f"fixed random {f.zen_decision.n:,}"
    row("zen: decision.evaluate(dict)", f"{f.zen_decision.rate:,.0f} /s", f.zen_decision.note())
    print(f"  {'':<36} {'':>16}  ({scope}; the decision object of create_decision)")
    row("zen: engine.evaluate(key, dict)", f"{f.zen_engine.rate:,.0f} /s", f.zen_engine.note())
    print(f"  {'':<36} {'':>16}  (whole cohort; loader returns a precompiled ZenDecisionContent)")
    internal = statistics.median(f.agreement.zen_internal)
    mean = statistics.fmean(f.agreement.zen_internal)
    row(
        "zen: engine-internal time only",
        f"{1 / internal:,.0f} /s",
        f"{internal * 1e6:6.2f} us median ({mean * 1e6:.2f} mean) of zen's own 'performance'",
    )
    print(f"  {'':<36} {'':>16}  (figure: graph evaluation, no Python<->Rust conversion)")
    print()
    # Issue 2's target: at least TARGET_RATIO times zen's decision.evaluate rate, with the full
    # explanation built. The other two ratios are for information: no target is set on them.
    ratio = f.ours.rate / f.zen_decision.rate
    verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
    print(f"  Target (issue 2): ours >= {TARGET_RATIO:.0f}x zen decision.evaluate")
    row("ratio ours / zen decision.evaluate", f"{ratio:.2f}x", f"target: {verdict}")
    for label, other in (
        ("ratio ours / zen engine.evaluate", f.zen_engine.rate),
        ("ratio ours / zen engine-internal", 1 / internal),
    ):
        row(label, f"{f.ours.rate / other:.2f}x", "(no target; zen's faster calls)")


def report_imports(imports: dict[str, float]) -> None:
    print("Import cost (median of 7 fresh interpreters each, interleaved)")
    bare = imports["bare"]
    print(f"  {'':<36} {'wall':>16}  over bare")
    for label, key in (
        ("python -c pass", "bare"),
        ("import pydantic", "pydantic"),
        ("from pydantic import BaseModel", "pydantic_model"),
        ("import chalicelib.services.decisions", "core"),
    ):
        value = imports[key]
        row(label, f"{value:.0f} ms", f"{value - bare:+.0f} ms" if key != "bare" else "")
    own = imports["core"] - imports["pydantic_model"]
    row(
        "ours beside pydantic",
        f"{own:.0f} ms",
        "chalicelib.services.decisions minus pydantic BaseModel",
    )
    shares = {g: imports[f"self_{g}"] for g in ("own", "pydantic", "other")}
    total = sum(shares.values()) or 1.0
    print(
        "  -X importtime self time in `import chalicelib.services.decisions` beyond a bare run "
        "(tracing inflates it; read it as shares):"
    )
    for label, group in (
        ("chalicelib.* (incl. model building)", "own"),
        ("pydantic stack", "pydantic"),
        ("stdlib and other", "other"),
    ):
        row(f"  {label}", f"{shares[group]:.0f} ms", f"{shares[group] / total:.0%}")


def report_cohort(args: argparse.Namespace, e: Engines, a: Agreement, built: float) -> None:
    n = args.n
    print(
        f"Cohort: {n:,} dossiers, seed {args.seed}, application {APPLICATION_DATE}, "
        f"{FRAMEWORK}/{e.phase.id}, criteria {e.compiled.ref.version_id}"
    )
    print(f"  built in {built:.1f} s before timing (DecisionRequest models + zen input dicts)")
    print(f"  incomplete dossiers: {a.incomplete:,} ({a.incomplete / n:.1%})")
    print("  bands: " + ", ".join(f"{b} {a.bands[b]:,} ({a.bands[b] / n:.1%})" for b in BANDS))
    print(f"  zen graph: {JDM_PATH.relative_to(ROOT)}; first-hit table rows:")
    for route, *_ in RULES:
        print(f"    {route:<28} {a.zen_rows[route]:>7,}")


def report_agreement(
    e: Engines, f: Figures, requests: list[DecisionRequest], contexts: list[dict[str, Any]]
) -> None:
    a, worked = f.agreement, f.worked
    n = len(requests)
    agree = n - len(a.bad)
    print("Agreement on eligibility (lwoo / pro), every dossier of the cohort")
    row("agreeing", f"{agree:,}/{n:,}", f"{agree / n:.3%}")
    row("worked cases, legal-rules.md 4.3", f"{worked}/{len(WORKED_CASES)}", "both as expected")
    print("  ours: eligible_for on complete dossiers (checked equal to the met routes' grants),")
    print("        the met routes' grants on incomplete ones (their eligible_for is empty);")
    print("  zen:  eligible.lwoo / eligible.pro (criteria only; zen is not given the evidence)")
    for i in a.bad[:5]:
        ours = sorted(our_eligibility(decide(requests[i], e.compiled, e.phase)))
        theirs = sorted(zen_eligibility(e.zen(contexts[i])))
        print(f"  DISAGREE {describe(requests[i])}: ours {ours}, zen {theirs}")


def main() -> int:
    args = parse_args()
    print("$ " + shlex.join(sys.orig_argv))
    pinned, cpus = ("not pinned (--no-pin)", None) if args.no_pin else pin_one_core()
    JDM_PATH.write_text(json.dumps(build_jdm(), indent=2) + "\n", encoding="utf-8")
    engines, cold_ours, cold_zen = load_engines()

    t0 = time.perf_counter()
    requests = make_cohort(args.n, args.seed)
    contexts = [zen_context(r) for r in requests]
    built = time.perf_counter() - t0

    figures = run_bench(args, engines, requests, contexts)
    if cpus is not None:
        os.sched_setaffinity(0, cpus)  # the import timings' interpreters may use any CPU
    imports = import_costs()

    report_cohort(args, engines, figures.agreement, built)
    print()
    report_throughput(figures, args.n, pinned)
    print()
    report_agreement(engines, figures, requests, contexts)
    print()
    report_imports(imports)
    row(
        "first use, ours: load + compile",
        f"{cold_ours * 1e3:.1f} ms",
        "national_in_force + compiled_side",
    )
    row("first use, zen: load + compile", f"{cold_zen * 1e3:.1f} ms", "ZenDecisionContent + create")
    ok = not figures.agreement.bad and figures.worked == len(WORKED_CASES)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
