"""Customs declarations built by the pure package, validated against the official WCO DEC-DMS schema set."""

import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import SHARED  # RL_SHARED_DIR, default: next to the repository
from lxml import etree

ADDON = Path(__file__).resolve().parents[1] / "reverse_logistics"
if str(ADDON) not in sys.path:
    sys.path.insert(0, str(ADDON))

from returns_lib.customs import declaration as dec  # noqa: E402
from returns_lib.customs import wco  # noqa: E402
from returns_lib.customs.territory import Address, TerritoryRule, crosses_customs_border  # noqa: E402

SCHEMAS = SHARED / "customs-schemas"
SAMPLES = SHARED / "customs-samples"
needs_schemas = pytest.mark.skipif(not SCHEMAS.is_dir(), reason="../shared/customs-schemas is not beside the project")

COMPANY = dec.Party("Circular Returns Iberia SL", eori="ESB12345674", street="Calle Mayor 1", city="Zaragoza",
                    zip_code="50001", country_code="ES", vat="ESB12345674")
CUSTOMER_US = dec.Party("Acme Retail Inc", street="1 Main Street", city="Austin", zip_code="78701", country_code="US")
VENDOR_CN = dec.Party("Shenzhen Parts Co", street="8 Keyuan Road", city="Shenzhen", zip_code="518057",
                      country_code="CN")
EXPORT_MRN = "24ES00464110000019"  # check digit 9 (ISO 6346)


def _line(sequence=1, **values):
    base = dict(
        sequence=sequence, hs_code="8471300000", description="Portable computer, returned by the customer",
        origin_country_code="CN", quantity=Decimal(2), net_mass_kg=Decimal("3.2"), gross_mass_kg=Decimal("4.1"),
        statistical_value=Decimal("1800"), customs_value=Decimal("1800"), procedure_code="6110",
        additional_procedure_codes=("F01",), supplementary_units=Decimal(2),
        duty_rate_percent=Decimal(0), vat_rate_percent=Decimal(21),
    )
    base.update(values)
    return dec.DeclarationLine(**base)


def _declaration(kind=dec.IMPORT_RELIEF, lines=None, **values):
    base = dict(
        lrn="RL-2026-000042", kind=kind, declarant=COMPANY, importer=COMPANY, exporter=CUSTOMER_US,
        customs_office="ES004641", currency="EUR", invoice_amount=Decimal("1800"),
        lines=tuple(lines or [_line()]), incoterm="DAP", incoterm_location="Zaragoza",
        export_country_code="US", destination_country_code="ES",
        previous_documents=(dec.Document("Z", "MRN", EXPORT_MRN),),
        supporting_documents=(dec.Document("N", "380", "INV/2026/0042"),),
    )
    base.update(values)
    return dec.Declaration(**base)


def _import_plain():
    return _declaration(
        kind=dec.IMPORT,
        lines=[_line(procedure_code="4000", additional_procedure_codes=("000",), duty_rate_percent=Decimal("2.5"))],
        previous_documents=(),
    )


def _export_to_vendor():
    return _declaration(
        kind=dec.EXPORT, importer=None, exporter=COMPANY, export_country_code="ES", destination_country_code="CN",
        lines=[_line(procedure_code="1040", additional_procedure_codes=("000",), hs_code="85171300")],
        previous_documents=(), incoterm="FCA",
    )


# ----------------------------------------------------------------------
# Schema validation of the three kinds
# ----------------------------------------------------------------------
@needs_schemas
@pytest.mark.parametrize("build", [_declaration, _import_plain, _export_to_vendor], ids=["rgr", "import", "export"])
def test_generated_declarations_validate_against_the_official_schema_set(build):
    declaration = build()
    assert dec.check_declaration(declaration) == []
    xml = wco.build_declaration_xml(declaration)
    assert wco.validate_declaration_xml(xml, SCHEMAS) == []


@needs_schemas
def test_the_schema_driver_accepts_hmrc_own_import_sample():
    xml = (SAMPLES / "import_TT_IM001b.xml").read_bytes()
    assert wco.validate_declaration_xml(xml, SCHEMAS) == []


def test_relief_declaration_carries_61xx_f01_and_the_export_mrn():
    root = wco.build_declaration_element(_declaration())
    ns = {"d": wco.NS_DEC}
    procedures = root.findall(".//d:GovernmentAgencyGoodsItem/d:GovernmentProcedure", ns)
    assert [(p.findtext("d:CurrentCode", namespaces=ns), p.findtext("d:PreviousCode", namespaces=ns))
            for p in procedures] == [("61", "10"), ("F01", None)]
    previous = root.find(".//d:GoodsShipment/d:PreviousDocument", ns)
    assert previous.findtext("d:ID", namespaces=ns) == EXPORT_MRN
    assert root.findtext(".//d:Declaration/d:FunctionalReferenceID", namespaces=ns) == "RL-2026-000042"
    assert root.findtext(".//d:Declaration/d:TypeCode", namespaces=ns) == "IMA"


def test_ten_digit_hs_code_is_split_into_cn_and_taric():
    root = wco.build_declaration_element(_declaration())
    ns = {"d": wco.NS_DEC}
    ids = [(c.findtext("d:ID", namespaces=ns), c.findtext("d:IdentificationTypeCode", namespaces=ns))
           for c in root.iterfind(".//d:Classification", ns)]
    assert ids == [("84713000", "TSP"), ("00", "TRC")]


@needs_schemas
def test_schema_errors_name_the_element_at_fault():
    root = wco.build_declaration_element(_declaration())
    ns = {"d": wco.NS_DEC}
    root.find(".//d:Origin/d:CountryCode", ns).text = "TOOLONG"
    root.find(".//d:TradeTerms/d:ConditionCode", ns).text = "D4P"
    errors = wco.validate_declaration_xml(etree.tostring(root), SCHEMAS)
    paths = {error.path for error in errors}
    assert any(path.endswith("/Origin/CountryCode") for path in paths), paths
    assert any(path.endswith("/TradeTerms/ConditionCode") for path in paths), paths


@needs_schemas
def test_a_999_item_declaration_validates():
    lines = [_line(sequence=index) for index in range(1, dec.MAX_ITEMS + 1)]
    declaration = _declaration(lines=lines)
    assert dec.check_declaration(declaration) == []
    assert wco.validate_declaration_xml(wco.build_declaration_xml(declaration), SCHEMAS) == []


def test_missing_schema_set_is_reported_clearly(tmp_path):
    with pytest.raises(wco.SchemaSetNotFound, match="WCO_DEC_2_DMS.xsd"):
        wco.validate_declaration_xml(b"<a/>", tmp_path)


@needs_schemas
def test_external_entities_in_a_message_are_not_resolved():
    hostile = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>'
    errors = wco.validate_declaration_xml(hostile, SCHEMAS)
    assert errors, "not a declaration"
    assert not any("root:" in error.message for error in errors), "the file was read"


# ----------------------------------------------------------------------
# Checks before anything leaves: every problem at once
# ----------------------------------------------------------------------
def test_checks_list_every_problem_at_once():
    bad = _declaration(
        lrn="X" * 30,
        customs_office="ES46",
        declarant=replace(COMPANY, eori="ESB12345670"),  # wrong NIF check letter/digit
        importer=replace(COMPANY, eori="GB12345"),  # GB EORI has 12 digits
        lines=[
            _line(hs_code="8471", description=" "),
            _line(sequence=2, quantity=Decimal(0), net_mass_kg=Decimal(5), gross_mass_kg=Decimal(4),
                  procedure_code="4000", additional_procedure_codes=("000",)),
        ],
        previous_documents=(),
    )
    codes = {(problem.code, problem.path) for problem in dec.check_declaration(bad, countries={"ES", "US", "CN"})}
    assert codes >= {
        ("lrn_length", "lrn"),
        ("customs_office_format", "customs_office"),
        ("eori_check_digits", "declarant.eori"),
        ("eori_format", "importer.eori"),
        ("hs_format", "lines[1].hs_code"),
        ("description_missing", "lines[1].description"),
        ("quantity_not_positive", "lines[2].quantity"),
        ("gross_below_net", "lines[2].gross_mass_kg"),
        # Relief is checked per item: item 1 claims it without an MRN, item 2 is a plain import.
        ("relief_export_mrn_missing", "lines[1].previous_documents"),
    }
    assert not any(code.startswith("relief") and path.startswith("lines[2]") for code, path in codes)


@pytest.mark.parametrize(
    "eori, problems",
    [
        ("ESB12345674", []),
        ("ES B-1234567-4", []),
        ("ESB12345670", ["eori_check_digits"]),
        ("GB553202734852", []),  # HMRC's sample importer: 12 digits, format only
        ("GB5532027348", ["eori_format"]),
        ("PT501964843", []),
        ("PT501964842", ["eori_check_digits"]),
        ("FR732829320", []),  # SIREN 732829320
        ("FR732829321", ["eori_check_digits"]),
        ("DE1234567890123", []),  # no check digits in German EORI numbers: format only
        ("D1234", ["eori_format"]),
        ("", ["eori_missing"]),
    ],
)
def test_eori_numbers(eori, problems):
    assert [code for code, _params in dec.check_eori(eori)] == problems


def test_hs_code_must_exist_in_a_loaded_tariff():
    declaration = _declaration(lines=[_line(hs_code="8471300000"), _line(sequence=2, hs_code="99999999")])
    problems = dec.check_declaration(declaration, tariff_codes={"84713000"})
    assert [(p.code, p.params["item"]) for p in problems] == [("hs_unknown", 2)]


def test_duty_and_vat_estimates_are_zero_under_relief():
    relief_line = _line(customs_value=Decimal(1000), duty_rate_percent=Decimal(4), vat_rate_percent=Decimal(21))
    plain = replace(relief_line, procedure_code="4000", additional_procedure_codes=("000",))
    assert (relief_line.duty_estimate, relief_line.vat_estimate) == (0, 0)
    assert (plain.duty_estimate, plain.vat_estimate) == (Decimal("40.00"), Decimal("218.40"))


# ----------------------------------------------------------------------
# Customs territories: data, not code
# ----------------------------------------------------------------------
RULES = [
    *(TerritoryRule(code, "EU") for code in ("ES", "FR", "DE", "IT", "PT", "MC")),
    TerritoryRule("ES", "XC", state_code="TF", note="Canary Islands: Santa Cruz de Tenerife"),
    TerritoryRule("ES", "XC", zip_pattern=r"35", note="Canary Islands: Las Palmas"),
    TerritoryRule("ES", "XL", zip_pattern=r"5[12]", note="Ceuta and Melilla"),
    TerritoryRule("GB", "GB"),
    TerritoryRule("GB", "EU", zip_pattern=r"BT", note="Northern Ireland (XI) applies EU customs rules for goods"),
    TerritoryRule("AD", "AD", note="Andorra: customs union with the EU for industrial goods only"),
]


@pytest.mark.parametrize(
    "origin, destination, needed",
    [
        (Address("DE"), Address("ES", zip_code="50001"), False),
        (Address("MC"), Address("FR"), False),
        (Address("ES", zip_code="35001"), Address("ES", zip_code="50001"), True),  # Las Palmas -> Zaragoza
        (Address("ES", state_code="TF", zip_code="38001"), Address("ES"), True),
        (Address("ES", zip_code="51001"), Address("ES", zip_code="28001"), True),  # Ceuta
        (Address("GB", zip_code="BT1 1AA"), Address("IE"), True),  # IE has no rule here: its own territory
        (Address("GB", zip_code="BT1 1AA"), Address("FR"), False),  # Northern Ireland -> France
        (Address("GB", zip_code="SW1A 1AA"), Address("FR"), True),
        (Address("US"), Address("ES"), True),
        (Address("AD"), Address("ES"), True),
    ],
)
def test_declaration_needed_only_across_customs_territories(origin, destination, needed):
    assert crosses_customs_border(origin, destination, RULES).declaration_needed is needed
