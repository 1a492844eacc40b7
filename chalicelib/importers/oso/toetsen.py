"""The tests (toetsen) of an OSO dossier: each read into what the importer needs, turned into
an IQ or a learning-delay result where it is one, and the results a decision uses chosen; every
choice and every test left out is a warning (the mapping is in `dossier.py`'s docstring)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from pydantic import ValidationError

from chalicelib.importers.oso.reading import (
    TOETSLIJST,
    _all,
    _date,
    _q,
    _text,
    _warning,
    _whole,
)
from chalicelib.importers.oso.vocabulary import (
    CODE_DLE,
    CODE_IQ,
    MONTHS_PER_SCHOOL_YEAR,
    derive_dl,
    domain_for,
    preferred_iq_testers,
    profession_for,
)
from chalicelib.models.common import DOMAINS, Finding
from chalicelib.models.request import IqResult, LearningDelayResult

INSTRUMENT_MAX = 100


@dataclass(frozen=True)
class _Toets:
    """What the importer reads from one `toets`; nothing personal."""

    position: int
    path: str
    code: str
    leergebied: str | None
    instrument: str | None
    test_date: dt.date | None
    jaargroep: str | None
    dl: str | None
    functie: str | None
    dle: tuple[str, ...]
    iq: tuple[str, ...]


def _scores(toets: Element, code: str) -> tuple[str, ...]:
    return tuple(
        (score.findtext(_q("waarde")) or "").strip()
        for score in _all(toets, "resultaat/referentiescore")
        if (score.findtext(_q("codereferentiescore")) or "").strip().upper() == code
    )


def _read_toets(node: Element, index: int) -> _Toets:
    code = _text(node, "toetsidentificatie/eldtoetscode") or "(no eldtoetscode)"
    name = _text(node, "toetsidentificatie/toetsnaam") or _text(
        node, "toetsidentificatie/eldtoetscode"
    )
    if name is not None and len(name) > INSTRUMENT_MAX:
        name = name[: INSTRUMENT_MAX - 1].rstrip() + "…"
    date_text = _text(node, "afname/afnamedatum")
    return _Toets(
        position=index,
        path=f"{TOETSLIJST}/toets[{index + 1}]",
        code=code[:40],
        leergebied=_text(node, "toetsidentificatie/leergebied"),
        instrument=name,
        test_date=_date(date_text) if date_text is not None else None,
        jaargroep=_text(node, "afname/jaargroep"),
        dl=_text(node, "afname/dl"),
        functie=_text(node, "afname/afgenomendoor/functie"),
        dle=_scores(node, CODE_DLE),
        iq=_scores(node, CODE_IQ),
    )


def _ignored(toets: _Toets, reason: str) -> Finding:
    return _warning("test_ignored", toets.path, f"Test {toets.code} is not used: {reason}.")


def _first(
    toets: _Toets, values: tuple[str, ...], what: str, warnings: list[Finding]
) -> int | None:
    if len(set(values)) > 1:
        message = f"Test {toets.code} has {len(values)} different {what} scores; the first is used."
        warnings.append(_warning("score_ignored", toets.path, message))
    return _whole(values[0])


def _results(
    toets: _Toets, warnings: list[Finding]
) -> tuple[LearningDelayResult | None, IqResult | None]:
    if not toets.dle and not toets.iq:
        warnings.append(_ignored(toets, "it has no DLE or IQ referentiescore for the whole test"))
        return None, None
    if toets.test_date is None:
        warnings.append(_ignored(toets, "it has no valid afnamedatum (YYYY-MM-DD)"))
        return None, None
    delay = _delay(toets, toets.test_date, warnings) if toets.dle else None
    iq = _iq(toets, toets.test_date, warnings) if toets.iq else None
    return delay, iq


def _delay(
    toets: _Toets, test_date: dt.date, warnings: list[Finding]
) -> LearningDelayResult | None:
    domain = domain_for(toets.leergebied)
    if domain is None:
        shown = repr(toets.leergebied[:40]) if toets.leergebied else "missing"
        reason = (
            f"it has a DLE, but its leergebied ({shown}) is none of technisch lezen, spelling, "
            "begrijpend lezen and rekenen"
        )
        warnings.append(_ignored(toets, reason))
        return None
    dle = _first(toets, toets.dle, CODE_DLE, warnings)
    if dle is None:
        warnings.append(_ignored(toets, "its DLE is not a whole number"))
        return None
    derived: str | None = None
    if toets.dl is not None:
        dl = _whole(toets.dl)
        if dl is None:
            warnings.append(_ignored(toets, "its dl is not a whole number"))
            return None
        warnings += _unexpected_dl(toets, dl, test_date)
    else:
        result = derive_dl(toets.jaargroep, test_date)
        if result.dl is None:
            warnings.append(_ignored(toets, result.explanation))
            return None
        dl, derived = result.dl, result.explanation
    try:
        delay = LearningDelayResult(
            domain=domain, dl=dl, dle=dle, test_date=test_date, instrument=toets.instrument
        )
    except ValidationError:
        reason = f"DL {dl} or DLE {dle} is out of range (DL 1 to 200, DLE 0 to 200)"
        warnings.append(_ignored(toets, reason))
        return None
    if derived is not None:
        warnings.append(_warning("dl_derived", toets.path, f"Test {toets.code}: {derived}"))
    return delay


def _unexpected_dl(toets: _Toets, dl: int, test_date: dt.date) -> list[Finding]:
    """A warning when the dossier's dl is more than a school year off the DL its jaargroep and
    afnamedatum give: the dl is used as given, but a person should look (a typo flips a delay)."""
    expected = derive_dl(toets.jaargroep, test_date).dl
    if expected is None or abs(dl - expected) <= MONTHS_PER_SCHOOL_YEAR:
        return []
    message = (
        f"Test {toets.code} gives dl {dl}, but jaargroep {toets.jaargroep} on "
        f"{test_date.isoformat()} gives a DL of about {expected}; the dossier's dl is used, "
        "check it (a repeated year adds 10 months)."
    )
    return [_warning("dl_unexpected", toets.path, message)]


def _iq(toets: _Toets, test_date: dt.date, warnings: list[Finding]) -> IqResult | None:
    score = _first(toets, toets.iq, CODE_IQ, warnings)
    if score is None:
        warnings.append(_ignored(toets, "its IQ is not a whole number"))
        return None
    try:
        return IqResult(
            score=score,
            test_date=test_date,
            instrument=toets.instrument,
            administered_by=profession_for(toets.functie),
        )
    except ValidationError:
        warnings.append(_ignored(toets, f"IQ {score} is out of range (0 to 200)"))
        return None


def _superseded(other: _Toets, what: str, chosen: _Toets, why: str) -> Finding:
    message = (
        f"The {what} of test {other.code} ({other.test_date}) is not used: test {chosen.code} "
        f"({chosen.test_date}, {chosen.path}) {why}."
    )
    return _warning("test_superseded", other.path, message)


def _choose_delays(
    candidates: Sequence[tuple[_Toets, LearningDelayResult]], warnings: list[Finding]
) -> tuple[LearningDelayResult, ...]:
    chosen: list[LearningDelayResult] = []
    for domain in DOMAINS:
        mine = [(t, r) for t, r in candidates if r.domain == domain]
        if not mine:
            continue
        best = max(mine, key=lambda c: (c[1].test_date, -c[0].position))
        chosen.append(best[1])
        for toets, result in mine:
            if toets is not best[0]:
                why = (
                    "is more recent"
                    if best[1].test_date > result.test_date
                    else "has the same date and comes first"
                )
                warnings.append(_superseded(toets, f"{domain} DLE", best[0], why))
    missing = [d for d in DOMAINS if d not in {r.domain for r in chosen}]
    if missing:
        message = f"The dossier has no usable DLE result for: {', '.join(missing)}."
        warnings.append(_warning("no_delay", TOETSLIJST, message))
    return tuple(chosen)


def _preferred(result: IqResult) -> bool:
    return result.administered_by in preferred_iq_testers()


def _choose_iq(
    candidates: Sequence[tuple[_Toets, IqResult]], warnings: list[Finding]
) -> IqResult | None:
    if not candidates:
        message = "The dossier has no usable IQ score (a referentiescore IQ of a whole test)."
        warnings.append(_warning("no_iq", TOETSLIJST, message))
        return None
    best_toets, best = max(
        candidates, key=lambda c: (_preferred(c[1]), c[1].test_date, -c[0].position)
    )
    for toets, result in candidates:
        if toets is best_toets:
            continue
        if _preferred(best) and not _preferred(result):
            why = (
                f"was administered by: {best.administered_by}, and this one by none of "
                f"{', '.join(sorted(preferred_iq_testers()))}"
            )
        elif best.test_date > result.test_date:
            why = "is more recent"
        else:
            why = "has the same date and comes first"
        warnings.append(_superseded(toets, "IQ", best_toets, why))
    if not _preferred(best):
        message = (
            f"The IQ of test {best_toets.code} has administered_by {best.administered_by!r}: "
            "the dossier names none of "
            f"{', '.join(sorted(preferred_iq_testers()))} in afgenomendoor/functie, and an "
            "IQ test must be administered under one."
        )
        warnings.append(_warning("iq_tester_unknown", best_toets.path, message))
    return best


def _withheld(root: Element) -> list[Finding]:
    category = _text(root, "metadata/categorie_uitlevering/cat_toetsresultaten")
    if category not in ("OPT-UIT", "VERBODEN"):
        return []
    message = (
        f"The dossier has no toetslijst: its metadata marks the toetsresultaten {category}, "
        "so the school did not send test results; ask for them separately."
    )
    path = "/dossier/metadata/categorie_uitlevering/cat_toetsresultaten"
    return [_warning("tests_withheld", path, message)]
