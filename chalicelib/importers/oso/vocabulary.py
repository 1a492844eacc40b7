"""The OSO 2019.1 vocabulary the importer reads, and what it means for a decision request.

Pure data and small pure functions, shared by `chalicelib.importers.oso.dossier` and its tests:
the namespace, the `leergebied` values that name one of the four domains, the professions of
`afgenomendoor/functie`, and the convention by which a missing `dl` is derived. Everything here
is documented in `chalicelib/importers/oso/dossier.py`, which applies it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import get_args

from chalicelib.legal.timeline import DEFAULT_FRAMEWORK, framework
from chalicelib.messages import msg
from chalicelib.models.common import Domain, Profession

OSO_NAMESPACE = "http://www.edustandaard.nl/oso_gegevensset/2019/dossier"
"""Target namespace of `OSO_gegevensset.xsd` for standard 2019.1 (`standaardversie`)."""
OSO_NAMESPACE_ROOT = "http://www.edustandaard.nl/oso_gegevensset/"
"""Every OSO version's namespace starts with this; another year is another version."""
SWV_DOSSIER = "swv-dossier"
"""The `overdrachtsoort` (codelijst 29) of a dossier sent to a samenwerkingsverband."""

CODE_DLE = "DLE"
"""`codereferentiescore` (codelijst 11) of didactische leeftijdseenheden."""
CODE_IQ = "IQ"
"""`codereferentiescore` (codelijst 11) of an intelligence quotient."""

LEERGEBIED_DOMAINS: Mapping[str, Domain] = {
    "technisch lezen": "technisch_lezen",
    "spelling": "spellen",
    "spellen": "spellen",
    "begrijpend lezen": "begrijpend_lezen",
    "rekenen": "inzichtelijk_rekenen",
    "rekenen wiskunde": "inzichtelijk_rekenen",
    "inzichtelijk rekenen": "inzichtelijk_rekenen",
}
"""`toetsidentificatie/leergebied` (free text in the XSD, "Bijvoorbeeld rekenen"), normalised by
`normalise_code`, to our domain. The examples use "technisch lezen", "begrijpend lezen" and
"rekenen". Nothing else maps: "woordenschat", "tempo rekenen" or an empty leergebied name no
domain of UB WVO 2020 art. 2.46 lid 1 b, and guessing from a test code would be a guess."""


@cache
def preferred_iq_testers() -> frozenset[Profession]:
    """Who may administer an IQ test (UB WVO 2020 art. 2.46 lid 2: a psycholoog or orthopedagoog,
    a kinder- en jeugdpsycholoog included), as the legal data of every phase says. Only a
    preference when a dossier holds several IQ scores; the decision itself checks the tester
    against the phase of its date."""
    phases = framework(DEFAULT_FRAMEWORK).phases
    return frozenset(p for phase in phases for p in phase.evidence.tester_professions)


MONTHS_PER_SCHOOL_YEAR = 10
"""September to June: the months that count towards the DL (UB WVO 2020 art. 2.46 lid 3)."""
FIRST_GROUP = 3
"""The DL counts from the start of groep 3."""
LAST_GROUP = 8


def normalise_code(value: str) -> str:
    """Lower case, `-`, `_` and `/` as spaces, whitespace collapsed: "Rekenen-Wiskunde" ->
    "rekenen wiskunde"."""
    return " ".join(re.sub(r"[-_/]", " ", value).lower().split())


def domain_for(leergebied: str | None) -> Domain | None:
    """Our domain for an OSO `leergebied`, or None when it names none of the four."""
    if leergebied is None:
        return None
    return LEERGEBIED_DOMAINS.get(normalise_code(leergebied))


_PROFESSIONS: tuple[Profession, ...] = get_args(Profession)


def profession_for(functie: str | None) -> Profession:
    """Our profession for `afgenomendoor/functie`.

    A functie that is one of our professions once normalised ("Kinder- en jeugdpsycholoog" ->
    `kinder_en_jeugdpsycholoog`, "Leerkracht" -> `leerkracht`) is that profession; otherwise one
    containing "orthopedagoog" is an `orthopedagoog` and one containing "psycholoog" (such as
    "GZ-psycholoog") a `psycholoog`; anything else, or no functie, is `other`.
    """
    if functie is None:
        return "other"
    key = "_".join(re.sub(r"[^a-z]+", " ", functie.lower()).split())
    exact = next((p for p in _PROFESSIONS if p == key), None)
    if exact is not None:
        return exact
    if "orthopedagoog" in key:
        return "orthopedagoog"
    if "psycholoog" in key:
        return "psycholoog"
    return "other"


def months_completed(test_date: dt.date) -> int:
    """Calendar months of teaching completed in the school year of `test_date`.

    September to June count, the month of the test itself does not: a test in October counts
    September (1), one in February counts September to January (5), one in July counts the
    whole year (10). August belongs to the next school year and counts 0.
    """
    if test_date.month == 8:
        return 0
    if test_date.month == 7:
        return MONTHS_PER_SCHOOL_YEAR
    return (test_date.month - 9) % 12


@dataclass(frozen=True)
class DerivedDl:
    """A DL derived from `jaargroep` and `afnamedatum`, or why it cannot be."""

    dl: int | None
    explanation: str


def derive_dl(jaargroep: str | None, test_date: dt.date) -> DerivedDl:
    """DL = (jaargroep - 3) x 10 + `months_completed(test_date)`, for jaargroep 3 to 8.

    Repeated or skipped years are not counted (the legal DL, months enrolled from groep 3,
    counts a repeated year again): the explanation says so, for a person to check.
    """
    if jaargroep is None:
        return DerivedDl(None, msg("oso.no_dl_no_group"))
    group = jaargroep.strip()
    if not group.isdigit() or not FIRST_GROUP <= int(group) <= LAST_GROUP:
        return DerivedDl(None, msg("oso.no_dl_bad_group", group=group[:8]))
    years = int(group) - FIRST_GROUP
    months = months_completed(test_date)
    dl = years * MONTHS_PER_SCHOOL_YEAR + months
    if dl <= 0:
        return DerivedDl(None, msg("oso.no_dl_zero", date=test_date.isoformat()))
    explanation = msg(
        "oso.dl_derived",
        dl=dl,
        group=group,
        date=test_date.isoformat(),
        per_year=MONTHS_PER_SCHOOL_YEAR,
        first=FIRST_GROUP,
        years=years * MONTHS_PER_SCHOOL_YEAR,
        months=months,
    )
    return DerivedDl(dl, explanation)


def normalise_name(value: str) -> str:
    """A name part for hashing: accents removed, case folded, whitespace collapsed."""
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())
