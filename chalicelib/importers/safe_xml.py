"""Parse untrusted XML safely: no DTDs, entities or external references; bounded size, depth
and element count. Used for OSO dossiers (chalicelib/importers/oso/dossier.py).

defusedxml parses with `forbid_dtd`, `forbid_entities` and `forbid_external`: any document type
declaration (and with it every entity declaration, billion-laughs and external-entity document)
is refused with a 400 before anything is expanded or fetched. Input above `MAX_XML_BYTES` is
refused (413); nesting deeper than `MAX_DEPTH` or more than `MAX_ELEMENTS` elements stops the
parser while it reads (400).
"""

from __future__ import annotations

from typing import NoReturn, cast
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser

from chalicelib.errors import PayloadTooLargeError, RequestValidationError
from chalicelib.messages import msg

MAX_XML_BYTES = 5_000_000
MAX_DEPTH = 32
"""The deepest path in an OSO 2019.1 dossier is about 12 elements."""
MAX_ELEMENTS = 100_000
"""The full example dossier has about 800 elements."""


def _refuse(message: str, code: str, path: str = "/") -> NoReturn:
    raise RequestValidationError(message, [{"path": path, "code": code, "message": message}])


class _LimitError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _GuardedBuilder:
    """A parser target that builds the tree and stops the parser at a depth or size limit."""

    def __init__(self) -> None:
        self._builder = TreeBuilder()
        self._depth = 0
        self._count = 0

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        self._depth += 1
        self._count += 1
        if self._depth > MAX_DEPTH:
            raise _LimitError("xml_too_deep", msg("oso.xml_too_deep", limit=MAX_DEPTH))
        if self._count > MAX_ELEMENTS:
            message = msg("oso.xml_too_many_elements", limit=MAX_ELEMENTS)
            raise _LimitError("xml_too_many_elements", message)
        return self._builder.start(tag, attrs)

    def end(self, tag: str) -> Element:
        self._depth -= 1
        return self._builder.end(tag)

    def data(self, data: str) -> None:
        self._builder.data(data)

    def close(self) -> Element:
        return self._builder.close()


def parse_xml(xml: bytes) -> Element:
    """The root element of `xml`, parsed without DTDs, entities or external references."""
    if len(xml) > MAX_XML_BYTES:
        raise PayloadTooLargeError(msg("oso.xml_too_large", limit=MAX_XML_BYTES))
    if not xml.strip():
        _refuse("The request needs an XML document (an OSO dossier).", "xml_empty")
    parser = DefusedXMLParser(
        target=_GuardedBuilder(), forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    try:
        parser.feed(xml)
        return cast(Element, parser.close())
    except DTDForbidden:
        _refuse(msg("oso.xml_dtd"), "xml_dtd_forbidden")
    except EntitiesForbidden:  # pragma: no cover - a DTD is refused first
        _refuse(msg("oso.xml_entities"), "xml_entities")
    except ExternalReferenceForbidden:  # pragma: no cover - a DTD is refused first
        _refuse(msg("oso.xml_external"), "xml_external_reference")
    except _LimitError as exc:
        _refuse(exc.message, exc.code)
    except ParseError as exc:
        _refuse(msg("oso.xml_not_well_formed", reason=str(exc)), "xml_not_well_formed")
    except (ValueError, LookupError) as exc:  # an unknown or broken encoding
        _refuse(msg("oso.xml_unreadable", reason=str(exc)), "xml_not_well_formed")
