"""The message catalogs (`chalicelib/messages`): every code the source uses is in Dutch and in
English with the same placeholders, every template formats in both languages, the formatter
writes values per language, `Accept-Language` is negotiated, and a stored text from before the
catalogs is returned as it is. The source is read with `ast`, so a new `msg("...")` without its
texts fails here, not in production (where it would show its code)."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path
from typing import Any, get_args

import pytest

import chalicelib
from chalicelib.messages import (
    LANGUAGES,
    MARK,
    code_of,
    msg,
    negotiate,
    render,
    render_text,
    render_tree,
)
from chalicelib.messages.format import JOINERS, LABEL_TABLES, catalog, formatter
from chalicelib.models.common import DOMAINS, OUTCOMES, Profession
from chalicelib.web.http import CHALICE_CODES

ROOT = Path(chalicelib.__file__).resolve().parent
SOURCES = sorted(ROOT.rglob("*.py"))
NL, EN = catalog("nl"), catalog("en")

# The codes made from a variable part (`msg(f"md.status_{status}")`): each family with every
# value the variable can take. A family used in the source but missing here fails the test.
FAMILIES: dict[str, list[str]] = {
    "outcome.{}": list(OUTCOMES),
    "profession.{}": list(get_args(Profession)),
    "domain.{}": list(DOMAINS),
    "test.{}": ["iq", "sep", *DOMAINS],
    "error.{}": sorted({*CHALICE_CODES.values(), "error"}),
    "md.duration_years_{}": ["lwoo", "pro"],
    "md.duration_career_{}": ["lwoo", "pro"],
    "md.status_{}": ["draft", "published", "superseded"],
    "report.kind_{}": ["aoc", "pro", "vmbo_lwoo", "vmbo", "other"],
    "report.definition_{}": ["1", "2", "3", "4", "5"],
    "value.{}": ["true", "false", "none"],
    "oso.ref_from_{}": ["leerlingid", "naam"],
    "batch.{}_columns": ["unknown", "missing"],
    "batch.{}_columns_more": ["unknown", "missing"],
    "plan.{}": ["oogo_after_adoption", "po_overleg_after_adoption", "mbo_invited_after_adoption"],
}


def _code_argument(node: ast.Call) -> ast.expr | None:
    """The code argument of `msg(code, ...)` or `say(lang, code, ...)`; None for other calls."""
    func = node.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    position = {"msg": 0, "say": 1}.get(name)
    if position is None or len(node.args) <= position:
        return None
    return node.args[position]


def _family(node: ast.JoinedStr) -> str:
    """`f"md.status_{view['status']}"` -> "md.status_{}"."""
    return "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)


def _choices(node: ast.expr) -> list[str]:
    """The literal codes a conditional code (`"a" if x else "b" if y else "c"`) can be."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _choices(node.body) + _choices(node.orelse)
    return []


def used_codes() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Every literal code and every family of codes the source passes to `msg` or `say`, with
    where (module:line)."""
    codes: dict[str, list[str]] = {}
    families: dict[str, list[str]] = {}
    for path in SOURCES:
        where = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            argument = _code_argument(node)
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                codes.setdefault(argument.value, []).append(f"{where}:{node.lineno}")
            elif isinstance(argument, ast.JoinedStr):
                families.setdefault(_family(argument), []).append(f"{where}:{node.lineno}")
            elif argument is not None:
                for code in _choices(argument):
                    codes.setdefault(code, []).append(f"{where}:{node.lineno}")
    return codes, families


def test_the_source_uses_codes_and_the_scan_finds_them() -> None:
    codes, families = used_codes()
    assert len(codes) > 300 and "evidence.iq_missing" in codes and "error.no_region" in codes
    assert "md.status_{}" in families


def test_every_code_the_source_uses_has_both_languages() -> None:
    codes, families = used_codes()
    unknown_family = sorted(set(families) - set(FAMILIES))
    assert unknown_family == [], f"add these to FAMILIES: {unknown_family} ({families})"
    for family in families:
        codes.update({family.format(v): families[family] for v in FAMILIES[family]})
    for lang, texts in (("nl", NL), ("en", EN)):
        missing = {code: where for code, where in codes.items() if code not in texts}
        assert missing == {}, f"codes without {lang} text"


def test_both_catalogs_have_the_same_codes() -> None:
    assert set(NL) ^ set(EN) == set()


def placeholders(template: str) -> set[tuple[str, str]]:
    """Each placeholder's name and the kind of its format spec (`date`, `plural`, `domain`)."""
    return {
        (name, (spec or "").split(",")[0])
        for _, name, spec, _ in string.Formatter().parse(template)
        if name is not None
    }


def test_placeholders_are_the_same_in_both_languages() -> None:
    differ = {
        code: (placeholders(NL[code]), placeholders(EN[code]))
        for code in NL
        if placeholders(NL[code]) != placeholders(EN.get(code, ""))
    }
    assert differ == {}


SAMPLES: dict[str, Any] = {
    "": "x",
    "date": "2017-03-01",
    "daymonth": "2017-08-01",
    "number": "0.25",
    "percent": "0.25",
    "plural": 2,
    "domain": "spellen",
    "profession": "orthopedagoog",
    "outcome": "granted",
    "indicator": "faalangst",
    "test": "iq",
    "count": 2,
}


def _sample(spec: str) -> Any:
    kind, *rest = spec.split(",")
    if kind in JOINERS:
        return ["a", "b"]
    if kind in LABEL_TABLES and rest:
        return [SAMPLES[kind], SAMPLES[kind]]
    return SAMPLES[kind]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_template_formats_with_values_of_its_kinds(lang: str) -> None:
    texts = catalog(lang)
    for code, template in texts.items():
        values = {
            name: _sample(spec or "")
            for _, name, spec, _ in string.Formatter().parse(template)
            if name
        }
        text = formatter(lang).format(template, **values)  # a bad spec or field raises
        assert text.strip() and MARK not in text, code


def test_a_label_table_has_every_code_in_both_languages() -> None:
    tables = {
        "domain": DOMAINS,
        "profession": get_args(Profession),
        "outcome": OUTCOMES,
        "indicator": ("prestatiemotivatie", "faalangst", "emotionele_instabiliteit"),
        "test": ("iq", "sep", *DOMAINS),
        "count": ("1", "2", "3", "4"),
    }
    assert set(tables) == set(LABEL_TABLES)
    for lang in LANGUAGES:
        missing = [f"{t}.{c}" for t, codes in tables.items() for c in codes
                   if f"{t}.{c}" not in catalog(lang)]  # fmt: skip
        assert missing == [], lang


def test_values_are_written_per_language() -> None:
    template = "{on:date} {d:daymonth} {r:percent} {x:number} {n:plural,a,b} {ds:domain,or}"
    values = {"on": "2017-03-01", "d": "2017-08-01", "r": "0.333", "x": "0.5", "n": 1,
              "ds": ["spellen", "begrijpend_lezen", "technisch_lezen"]}  # fmt: skip
    assert formatter("nl").format(template, **values) == (
        "1 maart 2017 1 augustus 33,3% 0,5 1 a spellen, begrijpend lezen of technisch lezen"
    )
    assert formatter("en").format(template, **values) == (
        "1 March 2017 1 August 33.3% 0.5 1 a spellen, begrijpend lezen or technisch lezen"
    )
    assert formatter("nl").format("{n:plural,jaar,jaren} {x:together}", n=3, x=["a, b", "c"]) == (
        "3 jaren a, b, en c"
    )


def test_a_token_holds_its_code_and_renders_nested_tokens_in_each_language() -> None:
    inner = msg("evidence.iq_missing")
    outer = msg("eligibility.sep_disregarded", finding=inner)
    assert outer.startswith(MARK) and code_of(outer) == "eligibility.sep_disregarded"
    assert render(outer, "nl") == (
        "Het dossier heeft geen IQ-score. Dit telt niet mee: de uitslag van het SEP-onderzoek "
        "kan dit besluit niet veranderen."
    )
    assert render(outer, "en") == (
        "The dossier has no IQ score. It is disregarded: SEP results cannot change this decision."
    )


def test_a_text_without_a_token_is_returned_as_it_is() -> None:
    """Stored before the catalogs: a finding's plain English message stays what it was."""
    old = {"findings": [{"code": "iq_missing", "message": "The dossier has no IQ score."}]}
    for lang in LANGUAGES:
        assert render_tree(old, lang) == old
        assert render("The dossier has no IQ score.", lang) == "The dossier has no IQ score."
    assert code_of("The dossier has no IQ score.") is None


def test_tokens_inside_a_longer_text_are_rendered_and_a_broken_one_is_left() -> None:
    page = f"# {msg('md.national_title')}\n\n{msg('md.valid_from', start='2016-08-01')}."
    assert (
        render_text(page, "nl")
        == "# Landelijke criteria lwoo en pro\n\ngeldig vanaf 1 augustus 2016."
    )
    assert (
        render_text(page, "en")
        == "# National criteria for lwoo and pro\n\nvalid from 1 August 2016."
    )
    assert render_text(f"a {MARK}[not json", "en") == f"a {MARK}[not json"


def test_an_unknown_code_shows_its_code_never_the_token() -> None:
    assert render(msg("nowhere.to_be_found", x=1), "nl") == "nowhere.to_be_found"


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        (None, "nl"),
        ("", "nl"),
        ("en", "en"),
        ("EN-gb", "en"),
        ("nl-NL", "nl"),
        ("fr", "nl"),
        ("fr, en;q=0.5", "en"),
        ("en;q=0.4, nl;q=0.9", "nl"),
        ("nl;q=0.4, en;q=0.9", "en"),
        ("en, nl", "en"),
        ("nl, en", "nl"),
        ("en;q=0", "nl"),
        ("en;q=bogus", "nl"),
        ("*", "nl"),
        ("de;q=1, en;q=0.001", "en"),
    ],
)
def test_accept_language_is_negotiated(header: str | None, lang: str) -> None:
    assert negotiate(header) == lang


# --- what is not in the catalogs yet -------------------------------------------------------

# Modules with literal human-readable texts still outside the catalogs, and why. The scan below
# fails when another module gets one, and when one of these no longer has any (then drop it).
REMAINING = {
    "legal/instruments.py": "refusals of broken legal data files, for developers",
    "importers/oso/dossier.py": "a programming error (a too short region secret)",
    "storage/faults.py": "injected test faults, never shown to a client",
    "storage/transport.py": "a refused blob key, for developers",
    "messages/format.py": "an unknown format spec in a template, for developers",
    "web/openapi.py": "a route without its @operation: the document is not built, for developers",
}


def _literal(node: ast.expr) -> bool:
    """A string a person would read: words with a space, or an f-string with such a part."""
    if isinstance(node, ast.JoinedStr):
        return any(_literal(v) for v in node.values if isinstance(v, ast.Constant))
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and " " in node.value.strip()
        and bool(re.search("[A-Za-z]{3}", node.value))
    )


def literal_texts(source: str) -> list[int]:
    """Lines where a literal text is an error's message, a `message`, or a printed line."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name.endswith("Error") and node.args and _literal(node.args[0]):
                lines.append(node.lineno)
            if name in ("print", "write") and node.args and _literal(node.args[0]):
                lines.append(node.lineno)
            if any(k.arg == "message" and _literal(k.value) for k in node.keywords):
                lines.append(node.lineno)
        elif isinstance(node, ast.Dict):
            pairs = zip(node.keys, node.values, strict=True)
            if any(isinstance(k, ast.Constant) and k.value == "message" and _literal(v)
                   for k, v in pairs):  # fmt: skip
                lines.append(node.lineno)
        elif isinstance(node, ast.Assign) and _literal(node.value):
            targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
            if any(t in ("message", "reason", "text", "what", "why") for t in targets):
                lines.append(node.lineno)
    return sorted(set(lines))


def test_no_literal_text_outside_the_catalogs_but_in_the_listed_modules() -> None:
    found = {
        path.relative_to(ROOT).as_posix(): lines
        for path in SOURCES
        if (lines := literal_texts(path.read_text(encoding="utf-8")))
    }
    assert {m: ls for m, ls in found.items() if m not in REMAINING} == {}
    assert sorted(m for m in REMAINING if m not in found) == []


def test_the_literal_text_scan_can_fail() -> None:
    assert literal_texts('raise NotFoundError(f"There is no region {r}.")') == [1]
    assert literal_texts('x = {"path": "/a", "message": "Use role region."}') == [1]
    assert literal_texts('raise NotFoundError(msg("error.no_region", region=r))') == []
