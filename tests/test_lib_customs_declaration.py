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
EXPORT_MRN = "24ES004641100000A2"  # procedure letter A, check digit 2 (ISO 6346)


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


# ----------------------------------------------------------------------
# Data a broker needs (#10): category, type, authorisations, statements, guarantee, deferment,
# packages with marks, supervising office, item documents, representative status
# ----------------------------------------------------------------------
from returns_lib.customs import wco_rules  # noqa: E402

NS = {"d": wco.NS_DEC}


def _validates(declaration, shared_dir):
    assert dec.check_declaration(declaration) == []
    errors = wco.validate_declaration_xml(wco.build_declaration_xml(declaration), shared_dir / "customs-schemas")
    assert errors == [], [str(error) for error in errors]


def _broker_declaration(**values):
    """A pre-lodged import by an agent in direct representation: deferment, guarantee, two items."""
    plain = _line(
        sequence=2, procedure_code="4000", additional_procedure_codes=("000",), duty_rate_percent=Decimal("2.5"),
        payment_method="E",
        packages=(dec.Package("BX", 3, "RL-42/1-3"), dec.Package("PX", 1, "RL-42 PALLET")),
        additional_documents=(dec.Document("N", "935", "INV/2026/0042"),
                              dec.Document("C", "506", "GBDPO1108654")),
        additional_information=(dec.Statement("00500", "IMPORTER Circular Returns Iberia SL"),),
    )
    relief_item = _line(
        previous_documents=(dec.Document("Z", "830", EXPORT_MRN, line=1),),
        packages=(dec.Package("CT", 2, "RMA-1001"),),
    )
    base = dict(
        additional_declaration_type="D",
        lines=[relief_item, plain],
        previous_documents=(),
        representative=dec.Party("Aduanas Ebro SL", eori="ESB12345674"),
        representative_status="2",
        authorisations=(dec.Authorisation("DPO", "ESB12345674", "GBDPO1108654"),
                        dec.Authorisation("CGU", "ESB12345674", "GBCGU1108654")),
        additional_information=(dec.Statement("GEN45", "Returned goods, export declaration quoted per item"),),
        guarantee=dec.Guarantee("1", grn="24ES000000000000A1", access_code="1234", office="ES004641",
                                amount=Decimal("450.00")),
        deferment_account="1108654",
        supervising_office="ES004601",
    )
    base.update(values)
    return _declaration(**base)


@needs_schemas
def test_a_broker_declaration_with_every_new_data_validates(shared_dir):
    declaration = _broker_declaration()
    assert declaration.type_code == "IMD"
    _validates(declaration, shared_dir)
    root = wco.build_declaration_element(declaration)
    header = root.find("d:Declaration", NS)
    documents = [(d.findtext("d:CategoryCode", namespaces=NS), d.findtext("d:TypeCode", namespaces=NS),
                  d.findtext("d:ID", namespaces=NS)) for d in header.findall("d:AdditionalDocument", NS)]
    assert ("1", "DAN", "1108654") in documents  # DE 2/6
    assert ("C", "506", "GBDPO1108654") in documents  # the DPO decision number
    assert [(h.findtext("d:ID", namespaces=NS), h.findtext("d:CategoryCode", namespaces=NS))
            for h in header.findall("d:AuthorisationHolder", NS)] == [("ESB12345674", "DPO"), ("ESB12345674", "CGU")]
    assert header.findtext("d:Agent/d:FunctionCode", namespaces=NS) == "2"
    assert header.findtext("d:AdditionalInformation/d:StatementCode", namespaces=NS) == "GEN45"
    assert header.findtext("d:ObligationGuarantee/d:ReferenceID", namespaces=NS) == "24ES000000000000A1"
    assert header.findtext("d:ObligationGuarantee/d:SecurityDetailsCode", namespaces=NS) == "1"
    assert header.findtext("d:SupervisingOffice/d:ID", namespaces=NS) == "ES004601"
    plain = header.findall("d:GoodsShipment/d:GovernmentAgencyGoodsItem", NS)[1]
    assert [(p.findtext("d:TypeCode", namespaces=NS), p.findtext("d:QuantityQuantity", namespaces=NS),
             p.findtext("d:MarksNumbersID", namespaces=NS)) for p in plain.findall("d:Packaging", NS)] == [
        ("BX", "3", "RL-42/1-3"), ("PX", "1", "RL-42 PALLET")]
    assert [d.findtext("d:TypeCode", namespaces=NS) for d in plain.findall("d:AdditionalDocument", NS)] == [
        "935", "506"]
    assert plain.findtext("d:AdditionalInformation/d:StatementCode", namespaces=NS) == "00500"
    assert [(f.findtext("d:TypeCode", namespaces=NS), f.findtext("d:Payment/d:MethodCode", namespaces=NS))
            for f in plain.findall("d:Commodity/d:DutyTaxFee", NS)] == [("A00", "E"), ("B00", "E")]
    assert header.findtext("d:TotalPackageQuantity", namespaces=NS) == "6"


@needs_schemas
@pytest.mark.parametrize("category, kind, type_code", [
    ("CO", dec.IMPORT, "D"), (None, dec.IMPORT, "Y"), (None, dec.EXPORT, "K"), ("IM", dec.IMPORT_RELIEF, "F"),
])
def test_category_and_additional_declaration_type(category, kind, type_code, shared_dir):
    build = _export_to_vendor if kind == dec.EXPORT else _import_plain if kind == dec.IMPORT else _declaration
    declaration = replace(build(), category=category, additional_declaration_type=type_code)
    expected = category or ("EX" if kind == dec.EXPORT else "IM")
    assert declaration.type_code == expected + type_code
    _validates(declaration, shared_dir)
    root = wco.build_declaration_element(declaration)
    assert root.findtext("d:Declaration/d:TypeCode", namespaces=NS) == expected + type_code


def test_category_and_type_are_checked_against_their_code_lists():
    problems = dec.check_declaration(replace(_import_plain(), category="XX", additional_declaration_type="Q"))
    assert {(p.code, p.field) for p in problems} == {("category_unknown", "category")}
    problems = dec.check_declaration(replace(_import_plain(), additional_declaration_type="Q"))
    assert [(p.code, p.field) for p in problems] == [("additional_declaration_type_unknown",
                                                      "additional_declaration_type")]
    problems = dec.check_declaration(replace(_import_plain(), additional_declaration_type="J"))
    assert [p.code for p in problems] == ["additional_declaration_type_category"]
    problems = dec.check_declaration(replace(_export_to_vendor(), category="IM"))
    assert [p.code for p in problems] == ["category_kind_mismatch"]


@needs_schemas
def test_own_account_declarant_without_representative_validates(shared_dir):
    declaration = replace(_import_plain(), representative_status="1")
    _validates(declaration, shared_dir)
    agent = wco.build_declaration_element(declaration).find("d:Declaration/d:Agent", NS)
    assert [child.tag for child in agent] == [f"{{{wco.NS_DEC}}}FunctionCode"] and agent[0].text == "1"


@needs_schemas
def test_default_package_is_one_pk_and_old_fields_still_work(shared_dir):
    line = _line()
    assert line.all_packages == (dec.Package("PK", 1, ""),)
    legacy = _line(package_count=4, package_type="BX")
    assert legacy.all_packages == (dec.Package("BX", 4, ""),)
    declaration = _declaration(lines=[legacy])
    assert declaration.total_packages == 4
    _validates(declaration, shared_dir)


def _codes(declaration, **kwargs):
    return {(p.code, p.field, p.item) for p in dec.check_declaration(declaration, **kwargs)}


def test_relief_is_per_item_one_relief_item_beside_a_plain_one_is_fine():
    plain = _line(sequence=2, procedure_code="4000", additional_procedure_codes=("000",))
    assert dec.check_declaration(_declaration(lines=[_line(), plain])) == []


def test_a_relief_item_without_the_export_mrn_is_refused_even_in_a_plain_import():
    plain = _line(procedure_code="4000", additional_procedure_codes=("000",))
    declaration = _declaration(kind=dec.IMPORT, lines=[plain, _line(sequence=2)], previous_documents=())
    problems = dec.check_declaration(declaration)
    assert [(p.code, p.field, p.item, p.path) for p in problems] == [
        ("relief_export_mrn_missing", "previous_documents", 2, "lines[2].previous_documents")]
    assert problems[0].message.startswith("Item 2: returned goods relief")
    # The MRN quoted on the item itself is enough.
    item_mrn = _line(sequence=2, previous_documents=(dec.Document("Z", "MRN", EXPORT_MRN),))
    assert dec.check_declaration(replace(declaration, lines=(plain, item_mrn))) == []


def test_a_relief_declaration_needs_an_item_claiming_relief():
    declaration = _declaration(lines=[_line(procedure_code="4000", additional_procedure_codes=("000",))])
    assert _codes(declaration) == {("relief_item_missing", "lines", None)}


def test_every_quoted_mrn_passes_the_check_digit():
    wrong = "24ES004641100000A3"
    declaration = _declaration(previous_documents=(dec.Document("Z", "MRN", wrong),),
                               lines=[_line(previous_documents=(dec.Document("Z", "830", "24ES0046"),))])
    assert _codes(declaration) == {
        ("mrn_check_digit", "previous_documents", None), ("mrn_length", "previous_documents", 1),
    }


def test_000_beside_f01_is_refused():
    declaration = _declaration(lines=[_line(additional_procedure_codes=("F01", "000"))])
    assert _codes(declaration) == {
        ("additional_plain_with_other", "additional_procedure_codes", 1),
        ("additional_not_permitted", "additional_procedure_codes", 1),
    }


@pytest.mark.parametrize("codes, expected", [
    (("F01", "F01"), {"additional_duplicate"}),
    ((), {"additional_missing"}),
    (("C07",), {"additional_not_permitted"}),
])
def test_procedure_matrix_per_item(codes, expected):
    problems = dec.check_declaration(_declaration(lines=[_line(additional_procedure_codes=codes)]))
    assert {p.code for p in problems} == expected
    assert all(p.item == 1 and p.field == "additional_procedure_codes" for p in problems)


def test_unknown_procedure_is_refused():
    line = _line(procedure_code="4071", additional_procedure_codes=("000",))
    problems = dec.check_declaration(replace(_import_plain(), lines=(line,)))
    assert [(p.code, p.field) for p in problems] == [("procedure_not_in_matrix", "procedure_code")]


def test_empty_office_is_missing_not_badly_formed():
    problems = dec.check_declaration(replace(_import_plain(), customs_office=""))
    assert [(p.code, p.field) for p in problems] == [("customs_office_missing", "customs_office")]
    assert "8 characters" not in problems[0].message and problems[0].message == "The customs office is missing."
    problems = dec.check_declaration(replace(_import_plain(), customs_office="ES46"))
    assert [(p.code, p.field) for p in problems] == [("customs_office_format", "customs_office")]
    problems = dec.check_declaration(replace(_import_plain(), supervising_office="ES 46"))
    assert [(p.code, p.field) for p in problems] == [("supervising_office_format", "supervising_office")]


def test_messages_are_sentences_naming_item_and_field():
    declaration = _import_plain()
    line = replace(declaration.lines[0], sequence=2, net_mass_kg=Decimal(0), gross_mass_kg=Decimal(1))
    problems = dec.check_declaration(replace(declaration, lines=(_import_plain().lines[0], line)))
    assert [(p.code, p.item, p.field, p.message) for p in problems] == [
        ("mass_not_positive", 2, "net_mass_kg", "Item 2: the net mass must be positive.")]


def test_gross_mass_below_net_mass_is_refused():
    line = replace(_import_plain().lines[0], gross_mass_kg=Decimal("3.1"))
    assert _codes(replace(_import_plain(), lines=(line,))) == {("gross_below_net", "gross_mass_kg", 1)}


def test_new_data_is_checked_against_the_addon_rules():
    bad_line = replace(
        _import_plain().lines[0],
        description="x" * 513,
        packages=(dec.Package("QQ", 1, ""), dec.Package("BX", 123456789, "m" * 513)),
        additional_documents=(dec.Document("?", "9351", ""),),
        additional_information=(dec.Statement("GEN", "t"),),
        payment_method="W",
        preference_code="999",
        valuation_method="9",
        customs_value=Decimal("1800.1234"),
    )
    declaration = replace(
        _import_plain(),
        lines=(bad_line,),
        border_transport_mode="6",
        representative_status="4",
        incoterm="DAX",
        authorisations=(dec.Authorisation("XYZ", "GB123"),),
        guarantee=dec.Guarantee("Q"),
        deferment_account="11 08",
        additional_information=(dec.Statement("GEN45", "y" * 600),),
    )
    problems = dec.check_declaration(declaration)
    found = {(p.code, p.field, p.item) for p in problems}
    assert found == {
        ("description_too_long", "description", 1),
        ("package_kind_unknown", "packages", 1),
        ("package_count_too_large", "packages", 1),
        ("total_packages_too_large", "lines", None),
        ("package_marks_too_long", "packages", 1),
        ("document_category_unknown", "additional_documents", 1),
        ("document_type_too_long", "additional_documents", 1),
        ("document_id_missing", "additional_documents", 1),
        ("statement_code_too_short", "additional_information", 1),
        ("payment_method_unknown", "payment_method", 1),
        ("preference_code_unknown", "preference_code", 1),
        ("valuation_method_unknown", "valuation_method", 1),
        ("customs_value_too_many_decimals", "customs_value", 1),
        ("border_transport_mode_unknown", "border_transport_mode", None),
        ("representative_status_unknown", "representative_status", None),
        ("incoterm_unknown", "incoterm", None),
        ("authorisation_type_unknown", "authorisations", None),
        ("authorisation_holder_eori_format", "authorisations", None),
        ("guarantee_type_unknown", "guarantee", None),
        ("guarantee_reference_missing", "guarantee", None),
        ("deferment_account_format", "deferment", None),
        ("deferment_unused", "deferment", None),
        ("statement_text_too_long", "additional_information", None),
    }
    assert all(p.message.endswith(".") and p.message[0].isupper() for p in problems)
    assert all(p.message.startswith("Item 1: ") for p in problems if p.item == 1)


def test_deferment_and_guarantee_where_the_payment_needs_them():
    line = replace(_import_plain().lines[0], payment_method="E")
    assert _codes(replace(_import_plain(), lines=(line,))) == {("deferment_missing", "deferment", None)}
    line = replace(_import_plain().lines[0], payment_method="S")
    assert _codes(replace(_import_plain(), lines=(line,))) == {("guarantee_missing", "guarantee", None)}
    cgu = (dec.Authorisation("CGU", "ESB12345674"),)
    assert _codes(replace(_import_plain(), authorisations=cgu)) == {("guarantee_missing", "guarantee", None)}


def test_a_representative_needs_status_2_or_3():
    declaration = replace(_import_plain(), representative=COMPANY, representative_status="1")
    assert _codes(declaration) == {("representative_status", "representative_status", None)}


def test_party_lengths_are_checked_without_a_schema_set():
    sender = replace(CUSTOMER_US, name="N" * 71, city="C" * 36, zip_code="1234567890")
    assert _codes(replace(_import_plain(), exporter=sender)) == {
        ("name_too_long", "exporter.name", None), ("city_too_long", "exporter.city", None),
        ("zip_code_too_long", "exporter.zip_code", None),
    }


def test_rules_cover_the_code_lists_the_builder_uses():
    assert {"IM", "EX", "CO"} == set(wco_rules.DECLARATION_CATEGORIES)
    assert {"A", "B", "C", "D", "E", "F", "X", "Y", "Z", "J", "K"} == set(wco_rules.ADDITIONAL_DECLARATION_TYPES)
    assert {"PK", "BX", "CT", "PX", "NE"} <= set(wco_rules.PACKAGE_KINDS)
    assert {wco_rules.TAX_TYPE_DUTY, wco_rules.TAX_TYPE_VAT} <= set(wco_rules.TAX_TYPES)
    assert {"CGU", "DPO", "OPO", "IPO"} <= set(wco_rules.AUTHORISATION_TYPES)
    assert all(len(code) <= 4 for code in wco_rules.AUTHORISATION_TYPES)  # AuthorisationHolder/CategoryCode an..4
    assert all(len(code) == 2 for code in wco_rules.PACKAGE_KINDS)  # Packaging/TypeCode an..2
    assert "100" in wco_rules.PREFERENCE_CODES and "1" in wco_rules.TRANSPORT_MODES
