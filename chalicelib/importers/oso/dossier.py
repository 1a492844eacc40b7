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
    several give an IQ, one administered by a qualified tester (a psycholoog, orthopedagoog or
    kinder- en jeugdpsycholoog: the legal data) is preferred, then
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
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element

from pydantic import ValidationError

from chalicelib.documents import validation_details
from chalicelib.errors import RequestValidationError
from chalicelib.importers.oso.reading import (
    LEERLING,
    _all,
    _date,
    _q,
    _refuse,
    _text,
    _texts,
    _warning,
)
from chalicelib.importers.oso.toetsen import (
    _choose_delays,
    _choose_iq,
    _read_toets,
    _results,
    _Toets,
    _withheld,
)
from chalicelib.importers.oso.vocabulary import (
    OSO_NAMESPACE,
    OSO_NAMESPACE_ROOT,
    SWV_DOSSIER,
    normalise_name,
)
from chalicelib.importers.safe_xml import parse_xml
from chalicelib.messages import msg
from chalicelib.models.common import Finding
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
BRIN_PATTERN = re.compile(r"^[0-9]{2}[A-Z0-9]{2}$")
_TAG = re.compile(r"^\{([^}]*)\}(.*)$")


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
            msg("oso.invalid_request"),
            validation_details(exc, {}),
        ) from exc
    return OsoImport(request=request, warnings=warnings)


def check_dossier(xml: bytes) -> None:
    """Refuse (400) at once what is not a safe, well-formed OSO swv-dossier."""
    _swv_dossier_student(parse_xml(xml))


def _swv_dossier_student(root: Element) -> Element:
    """The `leerling` of an OSO 2019 swv-dossier; a 400 for any other document."""
    match = _TAG.match(root.tag)
    namespace, local = (match.group(1), match.group(2)) if match else ("", root.tag)
    if local != "dossier" or not namespace.startswith(OSO_NAMESPACE_ROOT):
        code = "oso.not_a_dossier" if namespace else "oso.not_a_dossier_no_namespace"
        where = {"root": local[:40], "namespace": namespace[:100], "expected": OSO_NAMESPACE}
        _refuse(msg(code, **where), "oso_not_a_dossier")
    if namespace != OSO_NAMESPACE:
        _refuse(
            msg("oso.unsupported_version", namespace=namespace[:100], expected=OSO_NAMESPACE),
            "oso_unsupported_version",
        )
    kind = _text(root, "overdrachtsoort")
    if kind != SWV_DOSSIER:
        shown = kind if kind and re.fullmatch(r"[A-Za-z0-9-]{1,40}", kind) else None
        _refuse(
            msg("oso.not_swv_dossier", kind=shown, expected=SWV_DOSSIER),
            "oso_not_swv_dossier",
            "/dossier/overdrachtsoort",
        )
    leerling = root.find(_q("huidigeschool/leerling"))
    if leerling is None:
        _refuse(msg("oso.no_student"), "oso_no_student", LEERLING)
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
        raise RequestValidationError(msg("oso.evidence_invalid"), details) from exc


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
        raise RequestValidationError(msg("oso.application_invalid"), details) from exc


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
        why = msg(f"oso.ref_from_{identity[0]}")
        warnings.append(_warning("ref_school_scoped", LEERLING, why))
    return REF_PREFIX + digest[:32]
