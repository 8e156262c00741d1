"""Parsing XML that comes from outside (gateways, customs, uploads) without trusting it.

The parser resolves no entity, reads no DTD, opens no network or file, and keeps libxml2's limits
on tree size and depth. A document that carries a document type declaration at all is refused:
SOAP forbids DTDs in messages, WCO messages have none, and a DTD is how entity expansion ("billion
laughs") and external entity (XXE) attacks arrive. Refusing it is clearer than parsing it inertly.
"""

from __future__ import annotations

from lxml import etree


class UnsafeXmlError(ValueError):
    """The XML declares a DTD or entities: refused, not parsed further."""


def safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False,
        remove_pis=True,
    )


def parse_xml(data: bytes | str) -> etree._Element:
    """The root element of ``data``; :class:`UnsafeXmlError` when it declares a DTD or entities.

    Malformed XML raises ``lxml.etree.XMLSyntaxError`` as usual.
    """
    if isinstance(data, str):
        data = data.encode()
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as error:
        # libxml2 stops some entity bombs itself ("entity amplification factor exceeded"): same refusal.
        if "entit" in str(error).lower():
            raise UnsafeXmlError(f"XML declaring entities is refused ({error}).") from error
        raise
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        entities = []
        for dtd in (docinfo.internalDTD, docinfo.externalDTD):
            if dtd is not None:
                entities += [entity.name for entity in dtd.iterentities()]
        detail = f" declaring the entities {', '.join(entities[:5])}" if entities else ""
        raise UnsafeXmlError(f"XML with a document type declaration{detail} is refused.")
    return root
