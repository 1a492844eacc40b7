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
from chalicelib.messages import msg
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
    return _warning(
        "test_ignored", toets.path, msg("oso.test_ignored", test=toets.code, reason=reason)
    )


def _first(
    toets: _Toets, values: tuple[str, ...], what: str, warnings: list[Finding]
) -> int | None:
    if len(set(values)) > 1:
        message = msg("oso.score_ignored", test=toets.code, n=len(values), what=what)
        warnings.append(_warning("score_ignored", toets.path, message))
    return _whole(values[0])


def _results(
    toets: _Toets, warnings: list[Finding]
) -> tuple[LearningDelayResult | None, IqResult | None]:
    if not toets.dle and not toets.iq:
        warnings.append(_ignored(toets, msg("oso.no_scores")))
        return None, None
    if toets.test_date is None:
        warnings.append(_ignored(toets, msg("oso.no_date")))
        return None, None
    delay = _delay(toets, toets.test_date, warnings) if toets.dle else None
    iq = _iq(toets, toets.test_date, warnings) if toets.iq else None
    return delay, iq


def _delay(
    toets: _Toets, test_date: dt.date, warnings: list[Finding]
) -> LearningDelayResult | None:
    domain = domain_for(toets.leergebied)
    if domain is None:
        shown = toets.leergebied[:40] if toets.leergebied else None
        reason = msg("oso.no_domain", leergebied=shown)
        warnings.append(_ignored(toets, reason))
        return None
    dle = _first(toets, toets.dle, CODE_DLE, warnings)
    if dle is None:
        warnings.append(_ignored(toets, msg("oso.dle_not_whole")))
        return None
    derived: str | None = None
    if toets.dl is not None:
        dl = _whole(toets.dl)
        if dl is None:
            warnings.append(_ignored(toets, msg("oso.dl_not_whole")))
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
        reason = msg("oso.delay_out_of_range", dl=dl, dle=dle)
        warnings.append(_ignored(toets, reason))
        return None
    if derived is not None:
        message = msg("oso.test_note", test=toets.code, note=derived)
        warnings.append(_warning("dl_derived", toets.path, message))
    return delay


def _unexpected_dl(toets: _Toets, dl: int, test_date: dt.date) -> list[Finding]:
    """A warning when the dossier's dl is more than a school year off the DL its jaargroep and
    afnamedatum give: the dl is used as given, but a person should look (a typo flips a delay)."""
    expected = derive_dl(toets.jaargroep, test_date).dl
    if expected is None or abs(dl - expected) <= MONTHS_PER_SCHOOL_YEAR:
        return []
    message = msg(
        "oso.dl_unexpected",
        test=toets.code,
        dl=dl,
        group=toets.jaargroep,
        date=test_date.isoformat(),
        expected=expected,
    )
    return [_warning("dl_unexpected", toets.path, message)]


def _iq(toets: _Toets, test_date: dt.date, warnings: list[Finding]) -> IqResult | None:
    score = _first(toets, toets.iq, CODE_IQ, warnings)
    if score is None:
        warnings.append(_ignored(toets, msg("oso.iq_not_whole")))
        return None
    try:
        return IqResult(
            score=score,
            test_date=test_date,
            instrument=toets.instrument,
            administered_by=profession_for(toets.functie),
        )
    except ValidationError:
        warnings.append(_ignored(toets, msg("oso.iq_out_of_range", score=score)))
        return None


def _superseded(other: _Toets, what: str, chosen: _Toets, why: str) -> Finding:
    message = msg(
        "oso.test_superseded",
        what=what,
        test=other.code,
        date=str(other.test_date),
        chosen=chosen.code,
        chosen_date=str(chosen.test_date),
        path=chosen.path,
        why=why,
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
                why = msg(
                    "oso.more_recent" if best[1].test_date > result.test_date else "oso.same_date"
                )
                warnings.append(_superseded(toets, msg("oso.dle_of", domain=domain), best[0], why))
    missing = [d for d in DOMAINS if d not in {r.domain for r in chosen}]
    if missing:
        message = msg("oso.no_delay", missing=missing)
        warnings.append(_warning("no_delay", TOETSLIJST, message))
    return tuple(chosen)


def _preferred(result: IqResult) -> bool:
    return result.administered_by in preferred_iq_testers()


def _choose_iq(
    candidates: Sequence[tuple[_Toets, IqResult]], warnings: list[Finding]
) -> IqResult | None:
    if not candidates:
        message = msg("oso.no_iq")
        warnings.append(_warning("no_iq", TOETSLIJST, message))
        return None
    best_toets, best = max(
        candidates, key=lambda c: (_preferred(c[1]), c[1].test_date, -c[0].position)
    )
    for toets, result in candidates:
        if toets is best_toets:
            continue
        if _preferred(best) and not _preferred(result):
            preferred = sorted(preferred_iq_testers())
            why = msg("oso.preferred_tester", by=best.administered_by, preferred=preferred)
        elif best.test_date > result.test_date:
            why = msg("oso.more_recent")
        else:
            why = msg("oso.same_date")
        warnings.append(_superseded(toets, msg("oso.iq_of"), best_toets, why))
    if not _preferred(best):
        message = msg(
            "oso.iq_tester_unknown",
            test=best_toets.code,
            by=best.administered_by,
            preferred=sorted(preferred_iq_testers()),
        )
        warnings.append(_warning("iq_tester_unknown", best_toets.path, message))
    return best


def _withheld(root: Element) -> list[Finding]:
    category = _text(root, "metadata/categorie_uitlevering/cat_toetsresultaten")
    if category not in ("OPT-UIT", "VERBODEN"):
        return []
    message = msg("oso.tests_withheld", category=category)
    path = "/dossier/metadata/categorie_uitlevering/cat_toetsresultaten"
    return [_warning("tests_withheld", path, message)]
