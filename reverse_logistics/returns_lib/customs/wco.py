"""WCO Data Model DEC-DMS 2 declaration messages (the UK CDS / EU UCC dialect), built with lxml.

Elements are written in the order of the schema's sequences: the schema set rejects any
other order. :func:`validate_declaration_xml` validates a message against an official
schema set kept outside the addon (its folder is configured per company) and reports
each error with the path of the element at fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from lxml import etree

from .declaration import EXPORT, Declaration, DeclarationLine, Document, Party

NS_METADATA = "urn:wco:datamodel:WCO:DocumentMetaData-DMS:2"
NS_DEC = "urn:wco:datamodel:WCO:DEC-DMS:2"
WCO_DATA_MODEL_VERSION = "3.6"
FUNCTION_CODE_ORIGINAL = "9"

_MD = f"{{{NS_METADATA}}}"
_D = f"{{{NS_DEC}}}"


def _decimal(value, places=3) -> str:
    quantum = Decimal(1).scaleb(-places)
    text = format(Decimal(value).quantize(quantum).normalize(), "f")
    return text


def _sub(parent, tag, text=None, **attrib):
    element = etree.SubElement(parent, _D + tag, {key: str(val) for key, val in attrib.items()})
    if text is not None:
        element.text = str(text)
    return element


def _address(parent, party: Party):
    if not any((party.city, party.country_code, party.street, party.zip_code)):
        return
    address = _sub(parent, "Address")
    if party.city:
        _sub(address, "CityName", party.city[:35])
    if party.country_code:
        _sub(address, "CountryCode", party.country_code)
    if party.street:
        _sub(address, "Line", party.street[:70])
    if party.zip_code:
        _sub(address, "PostcodeID", party.zip_code[:9])


def _party(parent, tag, party: Party | None, with_name=True):
    """A party by EORI, with name and address as the schema allows them (mandatory without EORI)."""
    if party is None:
        return None
    element = _sub(parent, tag)
    if with_name and (party.name and not party.eori or tag in ("Exporter", "Consignor")):
        _sub(element, "Name", party.name[:70])
    if party.eori:
        _sub(element, "ID", party.eori)
    if with_name and (not party.eori or tag in ("Exporter", "Consignor")):
        _address(element, party)
    return element


def _previous_document(parent, document: Document):
    element = _sub(parent, "PreviousDocument")
    _sub(element, "CategoryCode", document.category_code)
    _sub(element, "ID", document.identifier)
    _sub(element, "TypeCode", document.type_code)
    if document.line is not None:
        _sub(element, "LineNumeric", document.line)


def _goods_item(parent, line: DeclarationLine, currency: str):
    item = _sub(parent, "GovernmentAgencyGoodsItem")
    _sub(item, "CustomsValueAmount", _decimal(line.customs_value), currencyID=currency)
    _sub(item, "SequenceNumeric", line.sequence)
    _sub(item, "StatisticalValueAmount", _decimal(line.statistical_value), currencyID=currency)
    commodity = _sub(item, "Commodity")
    _sub(commodity, "Description", line.description[:512])
    classification = _sub(commodity, "Classification")
    _sub(classification, "ID", line.hs_code[:8])
    _sub(classification, "IdentificationTypeCode", "TSP")  # combined nomenclature code
    if len(line.hs_code) == 10:
        taric = _sub(commodity, "Classification")
        _sub(taric, "ID", line.hs_code[8:])
        _sub(taric, "IdentificationTypeCode", "TRC")  # TARIC additional digits
    if not line.procedure_code.startswith("10"):  # no duty lines on exports
        duty = _sub(commodity, "DutyTaxFee")
        _sub(duty, "DutyRegimeCode", line.preference_code)
        _sub(duty, "TypeCode", "A00")  # customs duty
        if line.relief_claimed:
            # Relief: nothing assessed, say so explicitly rather than omit it.
            payment = _sub(duty, "Payment")
            _sub(payment, "TaxAssessedAmount", "0", currencyID=currency)
    measure = _sub(commodity, "GoodsMeasure")
    _sub(measure, "GrossMassMeasure", _decimal(line.gross_mass_kg, 6), unitCode="KGM")
    _sub(measure, "NetNetWeightMeasure", _decimal(line.net_mass_kg, 6), unitCode="KGM")
    if line.supplementary_units is not None:
        _sub(measure, "TariffQuantity", _decimal(line.supplementary_units, 6))
    invoice_line = _sub(commodity, "InvoiceLine")
    _sub(invoice_line, "ItemChargeAmount", _decimal(line.customs_value), currencyID=currency)
    if not line.procedure_code.startswith("10"):
        valuation = _sub(item, "CustomsValuation")
        _sub(valuation, "MethodCode", line.valuation_method)
    procedure = _sub(item, "GovernmentProcedure")
    _sub(procedure, "CurrentCode", line.procedure_code[:2])
    _sub(procedure, "PreviousCode", line.procedure_code[2:])
    for code in line.additional_procedure_codes:
        additional = _sub(item, "GovernmentProcedure")
        _sub(additional, "CurrentCode", code)
    origin = _sub(item, "Origin")
    _sub(origin, "CountryCode", line.origin_country_code)
    _sub(origin, "TypeCode", "1")  # non-preferential origin
    packaging = _sub(item, "Packaging")
    _sub(packaging, "SequenceNumeric", 1)
    _sub(packaging, "QuantityQuantity", line.package_count)
    _sub(packaging, "TypeCode", line.package_type)
    for document in line.previous_documents:
        _previous_document(item, document)
    return item


def build_declaration_element(declaration: Declaration) -> etree._Element:
    """The ``md:MetaData`` envelope holding the ``Declaration``."""
    root = etree.Element(_MD + "MetaData", nsmap={"md": NS_METADATA, None: NS_DEC})
    etree.SubElement(root, _MD + "WCODataModelVersionCode").text = WCO_DATA_MODEL_VERSION
    etree.SubElement(root, _MD + "WCOTypeName").text = "DEC"
    etree.SubElement(root, _MD + "ResponsibleCountryCode").text = declaration.customs_office[:2]

    dec = _sub(root, "Declaration")
    _sub(dec, "FunctionCode", FUNCTION_CODE_ORIGINAL)
    _sub(dec, "FunctionalReferenceID", declaration.lrn)
    _sub(dec, "TypeCode", declaration.type_code)
    _sub(dec, "GoodsItemQuantity", len(declaration.lines))
    _sub(dec, "DeclarationOfficeID", declaration.customs_office)
    _sub(dec, "InvoiceAmount", _decimal(declaration.invoice_amount), currencyID=declaration.currency)
    _sub(dec, "TotalGrossMassMeasure", _decimal(declaration.total_gross_mass_kg, 6), unitCode="KGM")
    _sub(dec, "TotalPackageQuantity", declaration.total_packages)
    for document in declaration.supporting_documents:
        additional = _sub(dec, "AdditionalDocument")
        _sub(additional, "CategoryCode", document.category_code)
        _sub(additional, "ID", document.identifier)
        _sub(additional, "TypeCode", document.type_code)
    if declaration.representative:
        agent = _party(dec, "Agent", declaration.representative, with_name=False)
        _sub(agent, "FunctionCode", declaration.representative_status)
    border = _sub(dec, "BorderTransportMeans")
    _sub(border, "ModeCode", declaration.border_transport_mode)
    _party(dec, "Declarant", declaration.declarant)
    # On an import the exporter is the foreign sender: name and address, EORI where known.
    _party(dec, "Exporter", declaration.exporter)

    shipment = _sub(dec, "GoodsShipment")
    _sub(shipment, "TransactionNatureCode", "2" if declaration.kind != EXPORT else "1")  # 2: return of goods
    if declaration.destination_country_code:
        destination = _sub(shipment, "Destination")
        _sub(destination, "CountryCode", declaration.destination_country_code)
    if declaration.export_country_code:
        export_country = _sub(shipment, "ExportCountry")
        _sub(export_country, "ID", declaration.export_country_code)
    for line in declaration.lines:
        _goods_item(shipment, line, declaration.currency)
    if declaration.kind != EXPORT:
        _party(shipment, "Importer", declaration.importer)
    for document in declaration.previous_documents:
        _previous_document(shipment, document)
    if declaration.incoterm:
        terms = _sub(shipment, "TradeTerms")
        _sub(terms, "ConditionCode", declaration.incoterm)
        if declaration.incoterm_location:
            _sub(terms, "LocationID", declaration.incoterm_location[:17])
    return root


def build_declaration_xml(declaration: Declaration) -> bytes:
    return etree.tostring(build_declaration_element(declaration), xml_declaration=True, encoding="UTF-8")


# ----------------------------------------------------------------------
# Validation against an official schema set
# ----------------------------------------------------------------------
@dataclass(frozen=True)
class SchemaError:
    path: str
    line: int
    message: str

    def __str__(self):
        return f"{self.path} (line {self.line}): {self.message}"


class SchemaSetNotFound(FileNotFoundError):
    pass


_DRIVER = f"""<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:reverse-logistics:schema-driver"
           elementFormDefault="qualified">
  <xs:import namespace="{NS_METADATA}" schemaLocation="DocumentMetaData_2_DMS.xsd"/>
  <xs:import namespace="{NS_DEC}" schemaLocation="WCO_DEC_2_DMS.xsd"/>
</xs:schema>
"""
_schema_cache: dict[str, etree.XMLSchema] = {}


def find_declaration_schema_folder(folder) -> Path:
    """The folder holding ``WCO_DEC_2_DMS.xsd``: the folder given, or its ``wco/declaration``."""
    folder = Path(folder)
    for candidate in (folder, folder / "wco" / "declaration", folder / "declaration"):
        if (candidate / "WCO_DEC_2_DMS.xsd").is_file() and (candidate / "DocumentMetaData_2_DMS.xsd").is_file():
            return candidate
    raise SchemaSetNotFound(f"No WCO DEC-DMS schema set (WCO_DEC_2_DMS.xsd) in {folder}")


def load_declaration_schema(folder) -> etree.XMLSchema:
    """The DEC-DMS schema set of ``folder``, through a driver importing both envelope and declaration.

    The envelope holds the declaration through a strict wildcard, so both namespaces must be
    known to one schema. Compiled schemas are cached per folder: compiling takes a second.
    """
    schema_folder = find_declaration_schema_folder(folder).resolve()
    key = str(schema_folder)
    if key not in _schema_cache:
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        driver = etree.fromstring(_DRIVER.encode(), parser, base_url=(schema_folder / "driver.xsd").as_uri())
        _schema_cache[key] = etree.XMLSchema(driver)
    return _schema_cache[key]


def validate_declaration_xml(xml: bytes, folder) -> list[SchemaError]:
    """Errors of ``xml`` against the schema set in ``folder``, each with the element path at fault."""
    schema = load_declaration_schema(folder)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    document = etree.fromstring(xml, parser).getroottree()
    if schema.validate(document):
        return []
    return [SchemaError(_readable_path(document, error.path), error.line, error.message) for error in schema.error_log]


def _readable_path(document, xpath):
    """``/MetaData/Declaration/GoodsShipment/GovernmentAgencyGoodsItem[2]/Origin/CountryCode``
    rather than lxml's ``/md:MetaData/*[4]/*[13]/*[5]/*[8]/*[1]`` for unprefixed elements."""
    try:
        found = document.xpath(xpath, namespaces={"md": NS_METADATA}) if xpath else []
    except etree.XPathError:
        found = []
    if not found or not isinstance(found[0], etree._Element):
        return xpath or "/"
    steps = []
    element = found[0]
    while element is not None:
        name = etree.QName(element).localname
        parent = element.getparent()
        if parent is not None:
            same = [sibling for sibling in parent if sibling.tag == element.tag]
            if len(same) > 1:
                name += f"[{same.index(element) + 1}]"
        steps.append(name)
        element = parent
    return "/" + "/".join(reversed(steps))
