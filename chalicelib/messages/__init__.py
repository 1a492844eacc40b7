"""Every human-readable text of the service, in Dutch and in English, kept as codes until the
boundary.

A text is made with `msg(code, **params)`: a *message token*, a plain string that holds only the
code and its parameters (`MARK` and then JSON). The domain, the services and storage pass and
store tokens like any other text, so a stored decision keeps codes and parameters, never
wording; the boundary (`chalicelib/web/http.py`, the renderers, the command line) turns each
token into the reader's language with `render` or `render_tree`. A stored text without the mark
(written before the catalogs existed) is returned as it is. The wording lives in `nl.json` and
`en.json`, keyed by code; values inside a text are formatted per language by `format.py`.

Light on purpose (json and string only): `import app` loads it.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from chalicelib.messages.format import catalog, formatter

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
# ASCII record separator: never part of a text we write, and it survives JSON and DynamoDB.
MARK = "\x1e"


def msg(code: str, /, **params: Any) -> str:
    """The token for catalog text `code` with its values (JSON data, or tokens themselves)."""
    return MARK + json.dumps([code, params], ensure_ascii=False, separators=(",", ":"))


def code_of(text: str) -> str | None:
    """The catalog code of a token; None for a plain text."""
    parsed = _parse(text)
    return None if parsed is None else parsed[0]


def _parse(text: str) -> tuple[str, dict[str, Any]] | None:
    if not text.startswith(MARK):
        return None
    try:
        code, params = json.loads(text[1:])
    except ValueError:
        return None
    return (code, params) if isinstance(code, str) and isinstance(params, dict) else None


def clip(text: str, limit: int) -> str:
    """A text cut to `limit` characters; a token whole (cut, it would not render)."""
    return text if text.startswith(MARK) else text[:limit]


def say(lang: str, code: str, /, **params: Any) -> str:
    """Catalog text `code` in `lang` at once: for a page rendered for one reader (the report)."""
    return render(msg(code, **params), lang)


def render(text: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """A token in `lang`; any other text as it is (a stored text from before the catalogs)."""
    parsed = _parse(text)
    if parsed is None:
        return text
    code, params = parsed
    template = catalog(lang).get(code)
    if template is None:  # a code no catalog has (yet): its code, never the raw token
        return code
    values = {name: render_tree(value, lang) for name, value in params.items()}
    return formatter(lang).format(template, **values)


def render_tree(value: Any, lang: str = DEFAULT_LANGUAGE) -> Any:
    """Every token inside a JSON-like value rendered in `lang`; the rest unchanged."""
    if isinstance(value, str):
        return render_text(value, lang) if MARK in value else value
    if isinstance(value, dict):
        return {key: render_tree(item, lang) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [render_tree(item, lang) for item in value]
    return value


_DECODER = json.JSONDecoder()


def render_text(text: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """Every token inside a longer text (a Markdown page) rendered in `lang`."""
    parts: list[str] = []
    start = 0
    while (at := text.find(MARK, start)) >= 0:
        parts.append(text[start:at])
        try:
            _, end = _DECODER.raw_decode(text, at + 1)
        except ValueError:
            parts.append(MARK)
            start = at + 1
            continue
        parts.append(render(text[at:end], lang))
        start = end
    parts.append(text[start:])
    return "".join(parts)


def negotiate(header: str | None) -> str:
    """The language of an `Accept-Language` header: the supported one (`nl`, `en`, a region
    such as `en-GB` counts as its language) with the highest q-value, the earlier on a tie;
    `nl` when none is acceptable or there is no header."""
    best, best_q = DEFAULT_LANGUAGE, Decimal(0)
    for part in (header or "").split(","):
        tag, _, rest = part.strip().partition(";")
        lang = tag.strip().lower().split("-")[0]
        q = Decimal(1)
        for param in rest.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    q = Decimal(value.strip()[:8])
                except InvalidOperation:
                    q = Decimal(0)
        if lang in LANGUAGES and q > best_q:
            best, best_q = lang, q
    return best
