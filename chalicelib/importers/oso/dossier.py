"""Import one OSO dossier as a decision request: `import_dossier`.

The dossier is an Edustandaard OSO "gegevensset", standard 2019.1 (namespace
`http://www.edustandaard.nl/oso_gegevensset/2019/dossier`, `OSO_gegevensset.xsd`), with
`overdrachtsoort` `swv-dossier`: what school administration software sends a samenwerkingsverband
with an application. The arrangement, the application date and the evidence (board motivation,
parents' view, expert advice) are not in an OSO dossier: the caller passes them.

Reading safely
    The XML is parsed by `chalicelib.importers.safe_xml` (no DTDs, entities or external references;
    bounded size, depth and element count). A document that is not an OSO `dossier`, of another
    OSO version, not an `swv-dossier`, or without a `leerling` is refused with a 400 saying
    which.

What is taken (paths below `dossier/huidigeschool/leerling/toetslijst/toets`, `toetsType`)

    ======================================  ===============================================
    OSO (XSD element)                       Decision request
    ======================================  ===============================================
    `toetsidentificatie/leergebied`         domain, by `vocabulary.LEERGEBIED_DOMAINS`:
      "technisch lezen"                       `technisch_lezen`
      "spelling", "spellen"                   `spellen`
      "begrijpend lezen"                      `begrijpend_lezen`
      "rekenen", "rekenen-wiskunde",          `inzichtelijk_rekenen`
      "inzichtelijk rekenen"
      (case, `-`, `_`, `/` and spacing are normalised; any other value maps to no domain)
    `resultaat/referentiescore` with        `learning_delays[].dle` (a whole number)
      `codereferentiescore` DLE
    `afname/dl`                             `learning_delays[].dl`
    no `afname/dl`: `afname/jaargroep`      `learning_delays[].dl` = (jaargroep - 3) x 10 +
      (3 to 8) and `afname/afnamedatum`       calendar months completed since 1 September
                                              (Sep-Jun count, the test's month does not, July
                                              = 10, August = 0), with a `dl_derived` warning
    `afname/afnamedatum`                    `learning_delays[].test_date`, `iq.test_date`
    `toetsidentificatie/toetsnaam`          `instrument` (cut to 100 characters; else the
      (else `eldtoetscode`)                   `eldtoetscode`)
    `resultaat/referentiescore` with        `iq.score` (a whole number)
      `codereferentiescore` IQ
    `afname/afgenomendoor/functie`          `iq.administered_by`: a functie equal to one of our
                                              professions is that one; else containing
                                              "orthopedagoog" or "psycholoog" is that; else
                                              (or no afgenomendoor) `other`
    `huidigeschool/brincode`                `application.school_brin`, unless the caller
                                              passes one (used only when it matches
                                              ^[0-9]{2}[A-Z0-9]{2}$)
    `leerling/bsn`, else                    `student.ref`: "oso-" + the first 32 hex digits of
      `leerling/onderwijsnummer`, else        HMAC-SHA256(region secret, "oso-student-ref/v1"
      `leerling/leerlingid` with the          and the identifier's type and value, joined by
      school's `brincode`, else               U+001F). The type is part of the message, so a
      first `voornaam` (or `roepnaam`),       BSN and an onderwijsnummer with equal digits do
      `voorvoegsel`, `achternaam`,            not collide. Names are compared without accents,
      `geboortedatum` (or `gba`, or           case or extra spaces. A ref not from a national
      `geboortemaand`) and `brincode`         number gets a `ref_school_scoped` warning.
    ======================================  ===============================================

    Only the referentiescores of a whole `toets` count, never those of a `toetsonderdeel`: the
    law asks for a total IQ (verbal and non-verbal), and a subtest's DLE is not the domain's.
    When several tests give a DLE for one domain, the most recent by afnamedatum is used (on the
    same date, the first in the dossier); the others get a `test_superseded` warning. When
    several give an IQ, one administered by a psycholoog or orthopedagoog is preferred, then
    the most recent; the others get a `test_superseded` warning. A toets that cannot be used
    (no DLE or IQ, a leergebied that names none of the four domains, no usable date, value or
    DL) gets a `test_ignored` warning. `no_iq` and `no_delay` say what the dossier lacks, and
    `tests_withheld` when the school left the toetsresultaten out (`cat_toetsresultaten`).

What is not taken
    Names, addresses, birth dates, contact details, parents, the family doctor, identifiers
    (other than through the keyed hash), diagnoses, documents, absence, the overstapadvies,
    earlier lwoo/tlv/rvc blocks, and every other referentiescore (AE, DQ, FN, RNTRM, ...).
    SEP: the 2019 standard dropped the `sefunctioneren` block, and nothing left in a dossier
    says whether personality tests on prestatiemotivatie, faalangst and emotionele instabiliteit
    found problems that hinder learning, so `student.sep` stays empty: the caller adds it if the
    region needs it. Warnings name test codes, leergebieden and test dates, never a person.

The function is pure: no clock, no environment, no AWS, no HTTP.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn
from xml.etree.ElementTree import Element

from pydantic import ValidationError

from chalicelib.documents import validation_details
from chalicelib.errors import RequestValidationError
from chalicelib.importers.oso.vocabulary import (
    CODE_DLE,
    CODE_IQ,
    MONTHS_PER_SCHOOL_YEAR,
    OSO_NAMESPACE,
    OSO_NAMESPACE_ROOT,
    PREFERRED_IQ_TESTERS,
    SWV_DOSSIER,
    derive_dl,
    domain_for,
    normalise_name,
    profession_for,
)
from chalicelib.importers.safe_xml import parse_xml
from chalicelib.models.common import DOMAINS, Finding
from chalicelib.models.request import (
    Application,
    DecisionRequest,
    Evidence,
    IqResult,
    LearningDelayResult,
    Student,
)

MIN_SECRET_BYTES = 16
REF_PREFIX = "oso-"
REF_VERSION = "oso-student-ref/v1"
INSTRUMENT_MAX = 100
BRIN_PATTERN = re.compile(r"^[0-9]{2}[A-Z0-9]{2}$")
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:Z|[+-]\d{2}:\d{2})?$")
_WHOLE = re.compile(r"^[+-]?\d{1,6}$")
_TAG = re.compile(r"^\{([^}]*)\}(.*)$")

LEERLING = "/dossier/huidigeschool/leerling"
TOETSLIJST = f"{LEERLING}/toetslijst"


@dataclass(frozen=True)
class OsoImport:
    """The decision request an OSO dossier stands for, and what the import noticed."""

    request: DecisionRequest
    warnings: list[Finding]


def import_dossier(
    xml: bytes,
    *,
    arrangement: str,
    application_date: dt.date,
    evidence: Mapping[str, Any],
    region_secret: bytes,
    school_brin: str | None = None,
) -> OsoImport:
    """The decision request for one OSO swv-dossier (see the module docstring for the mapping).

    Raises `RequestValidationError` for a hostile, broken or wrong document and for invalid
    arguments, `PayloadTooLargeError` above `MAX_XML_BYTES`, and `ValueError` for a region
    secret shorter than `MIN_SECRET_BYTES` (a programming error, not a client's).
    """
    if len(region_secret) < MIN_SECRET_BYTES:
        raise ValueError(f"the region secret must be at least {MIN_SECRET_BYTES} bytes")
    checked_evidence = _evidence(evidence)
    root = parse_xml(xml)
    leerling = _swv_dossier_student(root)
    dossier_brin = _text(root, "huidigeschool/brincode")
    application = _application(arrangement, application_date, school_brin, dossier_brin)
    warnings: list[Finding] = []
    ref = _student_ref(leerling, dossier_brin or school_brin, region_secret, warnings)
    toetsen = [_read_toets(node, i) for i, node in enumerate(_all(leerling, "toetslijst/toets"))]
    delays: list[tuple[_Toets, LearningDelayResult]] = []
    iqs: list[tuple[_Toets, IqResult]] = []
    for toets in toetsen:
        delay, iq = _results(toets, warnings)
        if delay is not None:
            delays.append((toets, delay))
        if iq is not None:
            iqs.append((toets, iq))
    if not toetsen:
        warnings += _withheld(root)
    chosen_delays = _choose_delays(delays, warnings)
    chosen_iq = _choose_iq(iqs, warnings)
    try:
        student = Student(ref=ref, iq=chosen_iq, learning_delays=chosen_delays)
        request = DecisionRequest(
            application=application, student=student, evidence=checked_evidence
        )
    except ValidationError as exc:  # pragma: no cover - the parts are validated above
        raise RequestValidationError(
            "The dossier does not make a valid decision request: see details.",
            validation_details(exc, {}),
        ) from exc
    return OsoImport(request=request, warnings=warnings)


def _refuse(message: str, code: str, path: str = "/") -> NoReturn:
    raise RequestValidationError(message, [{"path": path, "code": code, "message": message}])


def _q(path: str) -> str:
    return "/".join(f"{{{OSO_NAMESPACE}}}{part}" for part in path.split("/"))


def _all(node: Element, path: str) -> list[Element]:
    return node.findall(_q(path))


def _text(node: Element, path: str) -> str | None:
    child = node.find(_q(path))
    text = child.text.strip() if child is not None and child.text is not None else ""
    return text or None


def _texts(node: Element, path: str) -> list[str]:
    return [t for t in ((c.text or "").strip() for c in _all(node, path)) if t]


def check_dossier(xml: bytes) -> None:
    """Refuse (400) at once what is not a safe, well-formed OSO swv-dossier."""
    _swv_dossier_student(parse_xml(xml))


def _swv_dossier_student(root: Element) -> Element:
    """The `leerling` of an OSO 2019 swv-dossier; a 400 for any other document."""
    match = _TAG.match(root.tag)
    namespace, local = (match.group(1), match.group(2)) if match else ("", root.tag)
    if local != "dossier" or not namespace.startswith(OSO_NAMESPACE_ROOT):
        _refuse(
            f"The XML document is not an OSO dossier: its root element is {local[:40]!r} "
            f"{'in namespace ' + repr(namespace[:100]) if namespace else 'without a namespace'}, "
            f"not 'dossier' in {OSO_NAMESPACE!r}.",
            "oso_not_a_dossier",
        )
    if namespace != OSO_NAMESPACE:
        _refuse(
            f"The OSO dossier uses namespace {namespace[:100]!r}; only standard 2019.1 "
            f"({OSO_NAMESPACE!r}) is supported.",
            "oso_unsupported_version",
        )
    kind = _text(root, "overdrachtsoort")
    if kind != SWV_DOSSIER:
        shown = repr(kind) if kind and re.fullmatch(r"[A-Za-z0-9-]{1,40}", kind) else "missing"
        _refuse(
            f"The OSO dossier's overdrachtsoort is {shown}; only an {SWV_DOSSIER!r} (an "
            "application to a samenwerkingsverband) can be imported.",
            "oso_not_swv_dossier",
            "/dossier/overdrachtsoort",
        )
    leerling = root.find(_q("huidigeschool/leerling"))
    if leerling is None:
        _refuse(
            "The OSO dossier has no student (huidigeschool/leerling).", "oso_no_student", LEERLING
        )
    return leerling


# --- arguments ------------------------------------------------------------------------------


def _prefixed(exc: ValidationError, document: Any, prefix: str) -> list[dict[str, str]]:
    return [{**d, "path": prefix + d["path"]} for d in validation_details(exc, document)]


def _evidence(evidence: Mapping[str, Any]) -> Evidence:
    document = dict(evidence) if isinstance(evidence, Mapping) else evidence
    try:
        return Evidence.model_validate(document)
    except ValidationError as exc:
        details = _prefixed(exc, document, "/evidence")
        raise RequestValidationError("The evidence is invalid: see details.", details) from exc


def _application(
    arrangement: str, date: dt.date, school_brin: str | None, dossier_brin: str | None
) -> Application:
    brin = school_brin
    if brin is None and dossier_brin is not None and BRIN_PATTERN.fullmatch(dossier_brin):
        brin = dossier_brin
    document = {"arrangement": arrangement, "date": date, "school_brin": brin}
    try:
        return Application.model_validate(document)
    except ValidationError as exc:
        details = _prefixed(exc, document, "/application")
        raise RequestValidationError("The application is invalid: see details.", details) from exc


# --- the student reference ------------------------------------------------------------------


def _birth(leerling: Element) -> str | None:
    """The birth date as YYYY-MM-DD (or YYYY-MM from `geboortemaand`), for hashing only."""
    value = _text(leerling, "geboortedatum")
    if value is not None and (date := _date(value)) is not None:
        return date.isoformat()
    gba = _text(leerling, "gba/gbageboortedatum")
    if gba is not None and (m := re.fullmatch(r"(\d{2})-(\d{2})-(\d{4})", gba)):
        return f"{m.group(3)}-{m.group(2)}-{m.group(1)}"
    month = _text(leerling, "geboortemaand")
    return month if month is not None and re.fullmatch(r"\d{4}-\d{2}", month) else None


def _name_parts(leerling: Element, brin: str | None) -> tuple[str, ...] | None:
    first = next(
        iter(
            _texts(leerling, "voornaam")
            + _texts(leerling, "roepnaam")
            + _texts(leerling, "gba/gbavoornaam")
        ),
        "",
    )
    prefix = _text(leerling, "voorvoegsel") or _text(leerling, "gba/gbavoorvoegsel") or ""
    surname = _text(leerling, "achternaam") or _text(leerling, "gba/gbaachternaam")
    birth = _birth(leerling)
    if surname is None or birth is None or brin is None:
        return None
    names = (normalise_name(first), normalise_name(prefix), normalise_name(surname))
    return ("naam", *names, birth, brin)


def _identity(leerling: Element, brin: str | None) -> tuple[str, ...]:
    """What the student ref hashes: a type, then the identifier (see the module docstring)."""
    for kind in ("bsn", "onderwijsnummer"):
        value = _text(leerling, kind)
        if value is not None:
            return (kind, re.sub(r"[\s.-]", "", value))
    leerlingid = _text(leerling, "leerlingid")
    if leerlingid is not None and brin is not None:
        return ("leerlingid", brin, leerlingid)
    parts = _name_parts(leerling, brin)
    if parts is None:
        _refuse(
            "The OSO dossier does not identify the student: it has no bsn, onderwijsnummer or "
            "leerlingid with a school brincode, and no achternaam, birth date and school brincode.",
            "oso_student_unidentifiable",
            LEERLING,
        )
    return parts


def _student_ref(
    leerling: Element, brin: str | None, secret: bytes, warnings: list[Finding]
) -> str:
    school = brin.strip().upper() if brin else None
    identity = _identity(leerling, school)
    message = "\x1f".join((REF_VERSION, *identity)).encode("utf-8")
    digest = hmac.new(secret, message, hashlib.sha256).hexdigest()
    if identity[0] in ("leerlingid", "naam"):
        source = {
            "leerlingid": "the school's own student number (leerlingid)",
            "naam": "the student's first name, surname and birth date",
        }[identity[0]]
        warnings.append(
            _warning(
                "ref_school_scoped",
                LEERLING,
                f"The dossier has no bsn or onderwijsnummer: the student ref is a keyed hash of "
                f"{source} with the school's BRIN, so a dossier of this student from another "
                "school gets another ref.",
            )
        )
    return REF_PREFIX + digest[:32]


# --- the tests ------------------------------------------------------------------------------


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


def _date(value: str) -> dt.date | None:
    match = _DATE.match(value)
    if match is None:
        return None
    try:
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        return None


def _whole(value: str) -> int | None:
    return int(value) if _WHOLE.match(value) else None


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


def _warning(code: str, path: str, message: str) -> Finding:
    return Finding(severity="warning", code=code, path=path, message=message)


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
    return result.administered_by in PREFERRED_IQ_TESTERS


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
                f"was administered by: {best.administered_by}, and this one by no psycholoog "
                "or orthopedagoog"
            )
        elif best.test_date > result.test_date:
            why = "is more recent"
        else:
            why = "has the same date and comes first"
        warnings.append(_superseded(toets, "IQ", best_toets, why))
    if not _preferred(best):
        message = (
            f"The IQ of test {best_toets.code} has administered_by {best.administered_by!r}: "
            "the dossier names no psycholoog or orthopedagoog in afgenomendoor/functie, and an "
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
