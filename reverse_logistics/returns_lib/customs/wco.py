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

from . import wco_rules as rules
from .declaration import EXPORT, Declaration, DeclarationLine, Document, Party, Statement

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
        _sub(address, "CityName", party.city)
    if party.country_code:
        _sub(address, "CountryCode", party.country_code)
    if party.street:
        _sub(address, "Line", party.street)
    if party.zip_code:
        _sub(address, "PostcodeID", party.zip_code)


def _party(parent, tag, party: Party | None, with_name=True):
    """A party by EORI, with name and address as the schema allows them (mandatory without EORI)."""
    if party is None:
        return None
    element = _sub(parent, tag)
    if with_name and (party.name and not party.eori or tag in ("Exporter", "Consignor")):
        _sub(element, "Name", party.name)
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


def _additional_document(parent, document: Document):
    element = _sub(parent, "AdditionalDocument")
    _sub(element, "CategoryCode", document.category_code)
    _sub(element, "ID", document.identifier)
    _sub(element, "TypeCode", document.type_code)
    return element


def _additional_information(parent, statement: Statement):
    element = _sub(parent, "AdditionalInformation")
    _sub(element, "StatementCode", statement.code)
    if statement.text:
        _sub(element, "StatementDescription", statement.text)
    return element


def _duty_line(commodity, type_code, line: DeclarationLine, currency: str, preference_code=None):
    """A DutyTaxFee (DE 4/3 tax type, DE 4/17 preference, DE 4/8 method of payment)."""
    duty = _sub(commodity, "DutyTaxFee")
    if preference_code:
        _sub(duty, "DutyRegimeCode", preference_code)
    _sub(duty, "TypeCode", type_code)
    if line.payment_method or line.relief_claimed:
        payment = _sub(duty, "Payment")
        if line.payment_method:
            _sub(payment, "MethodCode", line.payment_method)
        if line.relief_claimed:
            # Relief: nothing assessed, say so explicitly rather than omit it.
            _sub(payment, "TaxAssessedAmount", "0", currencyID=currency)
    return duty


def _goods_item(parent, line: DeclarationLine, currency: str, export: bool = False):
    item = _sub(parent, "GovernmentAgencyGoodsItem")
    _sub(item, "CustomsValueAmount", _decimal(line.customs_value), currencyID=currency)
    _sub(item, "SequenceNumeric", line.sequence)
    _sub(item, "StatisticalValueAmount", _decimal(line.statistical_value), currencyID=currency)
    for document in line.additional_documents:
        _additional_document(item, document)
    for statement in line.additional_information:
        _additional_information(item, statement)
    commodity = _sub(item, "Commodity")
    _sub(commodity, "Description", line.description)
    classification = _sub(commodity, "Classification")
    _sub(classification, "ID", line.hs_code[:8])
    _sub(classification, "IdentificationTypeCode", "TSP")  # combined nomenclature code
    if len(line.hs_code) == 10:
        taric = _sub(commodity, "Classification")
        _sub(taric, "ID", line.hs_code[8:])
        _sub(taric, "IdentificationTypeCode", "TRC")  # TARIC additional digits
    if not export:  # no duty lines on exports
        _duty_line(commodity, rules.TAX_TYPE_DUTY, line, currency, line.preference_code)
        if line.payment_method:
            _duty_line(commodity, rules.TAX_TYPE_VAT, line, currency)
    measure = _sub(commodity, "GoodsMeasure")
    _sub(measure, "GrossMassMeasure", _decimal(line.gross_mass_kg, 6), unitCode="KGM")
    _sub(measure, "NetNetWeightMeasure", _decimal(line.net_mass_kg, 6), unitCode="KGM")
    if line.supplementary_units is not None:
        _sub(measure, "TariffQuantity", _decimal(line.supplementary_units, 6))
    invoice_line = _sub(commodity, "InvoiceLine")
    _sub(invoice_line, "ItemChargeAmount", _decimal(line.customs_value), currencyID=currency)
    if not export:
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
    for sequence, package in enumerate(line.all_packages, start=1):
        packaging = _sub(item, "Packaging")
        _sub(packaging, "SequenceNumeric", sequence)
        if package.marks:
            _sub(packaging, "MarksNumbersID", package.marks)
        _sub(packaging, "QuantityQuantity", package.count)
        _sub(packaging, "TypeCode", package.type_code)
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
        _additional_document(dec, document)
    for authorisation in declaration.authorisations:
        # The decision number of an authorisation is a DE 2/3 document of category C where one exists.
        document_code = rules.AUTHORISATION_DOCUMENT_CODES.get(authorisation.type_code)
        if authorisation.reference and document_code:
            _additional_document(dec, Document("C", document_code, authorisation.reference))
    if declaration.deferment_account:  # DE 2/6
        _additional_document(dec, Document(rules.DEFERMENT_CATEGORY, declaration.deferment_type,
                                           declaration.deferment_account))
    for statement in declaration.additional_information:
        _additional_information(dec, statement)
    if declaration.representative or declaration.representative_status:
        agent = _sub(dec, "Agent")
        if declaration.representative and declaration.representative.eori:
            _sub(agent, "ID", declaration.representative.eori)
        if declaration.representative_status:
            _sub(agent, "FunctionCode", declaration.representative_status)
    for authorisation in declaration.authorisations:
        holder = _sub(dec, "AuthorisationHolder")
        _sub(holder, "ID", authorisation.holder_eori)
        _sub(holder, "CategoryCode", authorisation.type_code)
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
        _goods_item(shipment, line, declaration.currency, export=declaration.kind == EXPORT)
    if declaration.kind != EXPORT:
        _party(shipment, "Importer", declaration.importer)
    for document in declaration.previous_documents:
        _previous_document(shipment, document)
    if declaration.incoterm:
        terms = _sub(shipment, "TradeTerms")
        _sub(terms, "ConditionCode", declaration.incoterm)
        if declaration.incoterm_location:
            _sub(terms, "LocationID", declaration.incoterm_location)
    guarantee = declaration.guarantee
    if guarantee is not None:  # DE 8/2, 8/3
        obligation = _sub(dec, "ObligationGuarantee")
        if guarantee.amount is not None:
            _sub(obligation, "AmountAmount", _decimal(guarantee.amount), currencyID=declaration.currency)
        if guarantee.reference:
            _sub(obligation, "ID", guarantee.reference)
        if guarantee.grn:
            _sub(obligation, "ReferenceID", guarantee.grn)
        _sub(obligation, "SecurityDetailsCode", guarantee.type_code)
        if guarantee.access_code:
            _sub(obligation, "AccessCode", guarantee.access_code)
        if guarantee.office:
            office = _sub(obligation, "GuaranteeOffice")
            _sub(office, "ID", guarantee.office)
    if declaration.supervising_office:  # DE 5/27
        supervising = _sub(dec, "SupervisingOffice")
        _sub(supervising, "ID", declaration.supervising_office)
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
