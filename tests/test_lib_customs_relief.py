"""Returned Goods Relief decided per goods item (returns_lib.customs.relief.decide_item).

Each test names the rule it applies: UCC Art. 203-205, Delegated Regulation (EU) 2015/2446 (DA)
Art. 158-159, Art. 143(1)(e) Directive 2006/112/EC, HMRC CDS Volume 3 Appendix 1 (procedure 61),
Appendix 2A (F-series), Appendix 3 (DE 2/1) and CDSSG10050 (000).
"""

import datetime as dt
import itertools

import pytest
from returns_lib.customs import procedure_matrix, relief
from returns_lib.customs.declaration import Document

EXPORT_MRN = "24ES004641100000A2"  # procedure letter A, check digit (ISO 6346 over the first 17 characters)
GB_MRN = "24GB000000000001A0"
EXPORTER = "ESB12345674"
EXPORTED_ON = dt.date(2024, 3, 1)


def _export(procedure="10", territory="EU", mrn=EXPORT_MRN, **values):
    return relief.ExportRecord(territory, EXPORTED_ON, mrn, procedure, exporter=EXPORTER, item_number=3, **values)


def _item(export=None, when=dt.date(2025, 6, 1), territory="EU", importer=EXPORTER, **values):
    return relief.ReturnedItem(territory, when, export if export is not None else _export(), importer=importer,
                               **values)


def _codes(decision):
    return [code for code, _params in decision.reasons]


def _assert_plain(decision):
    assert not decision.applies
    assert (decision.procedure_code, decision.additional_procedure_codes) == ("4000", ("000",))
    assert decision.previous_documents == () and not decision.vat_relief


# ----------------------------------------------------------------------
# Art. 203 UCC, F05 / F01 after a permanent export (6110)
# ----------------------------------------------------------------------
def test_f05_art_203_ucc_and_art_143_1_e_vat_directive_exporter_reimports_unaltered_after_permanent_export():
    decision = relief.decide_item(_item())
    assert decision.applies and decision.vat_relief
    assert (decision.procedure_code, decision.additional_procedure_codes) == ("6110", ("F05",))
    assert decision.rule == "Art. 203 UCC; Art. 143(1)(e) Directive 2006/112/EC"
    assert _codes(decision) == [relief.RELIEF_APPLIES]


def test_f01_art_203_ucc_duty_only_when_the_importer_is_not_the_exporter():
    decision = relief.decide_item(_item(importer="ESA28015865"))
    assert decision.applies and not decision.vat_relief
    assert decision.additional_procedure_codes == ("F01",)
    assert decision.rule == "Art. 203 UCC"
    assert dict(decision.reasons)[relief.VAT_RELIEF_NOT_DUE] == {
        "why": "importer_is_not_exporter", "importer": "ESA28015865", "exporter": EXPORTER}


def test_f01_art_203_ucc_when_the_exporter_is_unknown_no_vat_relief_is_claimed():
    export = relief.ExportRecord("EU", EXPORTED_ON, EXPORT_MRN, "10")
    decision = relief.decide_item(_item(export))
    assert decision.additional_procedure_codes == ("F01",) and not decision.vat_relief
    assert dict(decision.reasons)[relief.VAT_RELIEF_NOT_DUE]["why"] == "party_unknown"


def test_f05_art_143_1_e_compares_eori_numbers_ignoring_case_and_spaces():
    decision = relief.decide_item(_item(importer=" esb 12345674 "))
    assert decision.additional_procedure_codes == ("F05",)


# ----------------------------------------------------------------------
# Appendix 1, requested procedure 61: the previous procedure of the export
# ----------------------------------------------------------------------
@pytest.mark.parametrize("previous, procedure", [("21", "6121"), ("22", "6122"), ("23", "6123")])
def test_procedure_61_plus_previous_outward_processing_or_temporary_export(previous, procedure):
    decision = relief.decide_item(_item(_export(previous)))
    assert decision.applies
    assert (decision.procedure_code, decision.additional_procedure_codes) == (procedure, ("F05",))


def test_temporary_export_23_returned_by_someone_else_is_6123_with_f01():
    decision = relief.decide_item(_item(_export("23"), importer="GB553202734852"))
    assert (decision.procedure_code, decision.additional_procedure_codes) == ("6123", ("F01",))


@pytest.mark.parametrize("previous", ["40", "51", "71", "", "1"])
def test_previous_procedure_other_than_10_21_22_23_31_gives_no_relief_art_203_ucc(previous):
    decision = relief.decide_item(_item(_export(previous)))
    _assert_plain(decision)
    assert dict(decision.reasons)[relief.PREVIOUS_PROCEDURE_NOT_ELIGIBLE] == {"procedure": previous}


# ----------------------------------------------------------------------
# Art. 205 UCC: processed products re-exported (31) after inward processing, F04 / F07
# ----------------------------------------------------------------------
def test_f04_art_205_1_ucc_processed_products_re_exported_after_inward_processing_6131():
    decision = relief.decide_item(_item(_export("31"), processed_after_inward_processing=True))
    assert decision.applies and not decision.vat_relief
    assert (decision.procedure_code, decision.additional_procedure_codes) == ("6131", ("F04",))
    assert decision.rule == "Art. 205(1) UCC"
    assert dict(decision.reasons)[relief.INWARD_PROCESSING_DUTY_DUE] == {"article_86_3": False}


def test_f07_art_205_2_ucc_duty_determined_under_art_86_3_upon_application():
    item = _item(_export("31"), processed_after_inward_processing=True, duty_under_article_86_3=True)
    decision = relief.decide_item(item)
    assert (decision.procedure_code, decision.additional_procedure_codes) == ("6131", ("F07",))
    assert decision.rule == "Art. 205(2) UCC; Art. 86(3) UCC"


def test_re_export_31_of_goods_not_processed_under_inward_processing_gets_no_relief_art_203_union_goods():
    decision = relief.decide_item(_item(_export("31")))
    _assert_plain(decision)
    assert dict(decision.reasons)[relief.PREVIOUS_PROCEDURE_NOT_ELIGIBLE]["requires"] == (
        "processed_after_inward_processing")


def test_processed_products_not_re_exported_under_31_get_no_art_205_relief():
    decision = relief.decide_item(_item(_export("10"), processed_after_inward_processing=True))
    _assert_plain(decision)
    assert relief.NOT_REEXPORTED_AFTER_INWARD_PROCESSING in _codes(decision)


# ----------------------------------------------------------------------
# Three years (Art. 203(1)) and special circumstances (Art. 203(2), F03)
# ----------------------------------------------------------------------
def test_art_203_1_ucc_last_day_of_the_three_years_still_qualifies():
    decision = relief.decide_item(_item(when=dt.date(2027, 3, 1)))
    assert decision.applies and decision.additional_procedure_codes == ("F05",)


def test_art_203_1_ucc_beyond_three_years_without_special_circumstances_is_plain_import():
    decision = relief.decide_item(_item(when=dt.date(2027, 3, 2)))
    _assert_plain(decision)
    assert dict(decision.reasons)[relief.PERIOD_EXCEEDED] == {
        "exported_on": EXPORTED_ON, "deadline": dt.date(2027, 3, 1), "years": 3}


def test_f03_art_203_2_ucc_beyond_three_years_with_special_circumstances_duty_relief_only():
    decision = relief.decide_item(_item(when=dt.date(2028, 1, 10), special_circumstances=True))
    assert decision.applies and not decision.vat_relief
    assert (decision.procedure_code, decision.additional_procedure_codes) == ("6110", ("F03",))
    assert decision.rule.startswith("Art. 203(2) UCC")
    assert relief.PERIOD_EXCEEDED_SPECIAL_CIRCUMSTANCES in _codes(decision)
    assert dict(decision.reasons)[relief.VAT_RELIEF_NOT_DUE]["why"] == "special_circumstances"


def test_special_circumstances_within_three_years_change_nothing_f05():
    decision = relief.decide_item(_item(special_circumstances=True))
    assert decision.additional_procedure_codes == ("F05",)


def test_three_years_from_29_february_end_on_28_february():
    assert relief.relief_deadline(dt.date(2024, 2, 29)) == dt.date(2027, 2, 28)


def test_reimport_dated_before_the_export_is_refused():
    decision = relief.decide_item(_item(when=dt.date(2024, 2, 1)))
    _assert_plain(decision)
    assert relief.REIMPORT_BEFORE_EXPORT in _codes(decision)


# ----------------------------------------------------------------------
# Same state (Art. 203(5) UCC, Art. 158 DA), repair (F03), agricultural goods (F02)
# ----------------------------------------------------------------------
def test_art_203_5_ucc_goods_altered_abroad_are_plain_import():
    decision = relief.decide_item(_item(unaltered=False))
    _assert_plain(decision)
    assert _codes(decision) == [relief.GOODS_ALTERED]


def test_f03_art_158_2_da_repaired_or_restored_after_permanent_export_duty_only():
    decision = relief.decide_item(_item(unaltered=False, repaired=True))
    assert decision.applies and not decision.vat_relief
    assert (decision.procedure_code, decision.additional_procedure_codes) == ("6110", ("F03",))
    assert decision.rule == "Art. 203(5) UCC; Art. 158(2) Delegated Regulation (EU) 2015/2446"


def test_f03_art_158_2_da_repaired_after_temporary_export_23():
    decision = relief.decide_item(_item(_export("23"), repaired=True))
    assert (decision.procedure_code, decision.additional_procedure_codes) == ("6123", ("F03",))


@pytest.mark.parametrize("previous", ["21", "22"])
def test_goods_repaired_after_outward_processing_export_come_back_under_outward_processing_not_rgr(previous):
    decision = relief.decide_item(_item(_export(previous), repaired=True))
    _assert_plain(decision)
    assert dict(decision.reasons)[relief.REPAIR_NOT_COVERED] == {"procedure": previous}


def test_f02_art_159_da_agricultural_goods_duty_relief_only():
    decision = relief.decide_item(_item(agricultural=True))
    assert decision.applies and not decision.vat_relief
    assert (decision.procedure_code, decision.additional_procedure_codes) == ("6110", ("F02",))
    assert decision.rule == "Art. 203 and 204 UCC; Art. 159 Delegated Regulation (EU) 2015/2446"


def test_f02_and_f03_agricultural_goods_repaired_abroad():
    decision = relief.decide_item(_item(agricultural=True, repaired=True))
    assert decision.additional_procedure_codes == ("F02", "F03")


# ----------------------------------------------------------------------
# Same customs territory (Art. 203(1) UCC): EU, GB and XI (Northern Ireland)
# ----------------------------------------------------------------------
@pytest.mark.parametrize("exported_from, import_into", [("GB", "XI"), ("XI", "GB"), ("EU", "GB"), ("GB", "EU")])
def test_art_203_1_ucc_exported_from_another_customs_territory_gb_is_not_xi(exported_from, import_into):
    decision = relief.decide_item(_item(_export(territory=exported_from, mrn=GB_MRN), territory=import_into))
    _assert_plain(decision)
    assert dict(decision.reasons)[relief.EXPORTED_FROM_OTHER_TERRITORY] == {
        "exported_from": exported_from, "import_into": import_into}


@pytest.mark.parametrize("territory", ["GB", "XI", "EU", "xi "])
def test_art_203_1_ucc_same_territory_qualifies(territory):
    decision = relief.decide_item(_item(_export(territory=territory.strip().upper()), territory=territory))
    assert decision.applies and decision.procedure_code == "6110"


# ----------------------------------------------------------------------
# The export declaration's MRN (Art. 203(6) UCC: information establishing the conditions)
# ----------------------------------------------------------------------
@pytest.mark.parametrize("mrn", [None, "", "   "])
def test_no_export_mrn_means_plain_import(mrn):
    decision = relief.decide_item(_item(_export(mrn=mrn)))
    _assert_plain(decision)
    assert _codes(decision) == [relief.NO_EXPORT_MRN]


@pytest.mark.parametrize("mrn, problem", [
    ("24ES004641100000A3", "mrn_check_digit"), ("24ES00464110000019", "mrn_format"),
    ("123", "mrn_length"),
    ("24ES0046411000001!", "mrn_format"),
])
def test_invalid_export_mrn_means_plain_import(mrn, problem):
    decision = relief.decide_item(_item(_export(mrn=mrn)))
    _assert_plain(decision)
    assert dict(decision.reasons)[relief.MRN_INVALID] == {"mrn": mrn, "problems": (problem,)}


def test_previous_documents_de_2_1_export_mrn_with_its_item_and_the_entry_summary_appendix_3():
    export = _export(mrn="24es 0046 41100000a2", entry_summary_mrn="21GB34F7Y1O2CX8PT4")
    decision = relief.decide_item(_item(export))
    assert decision.previous_documents == (
        Document("Z", "MRN", EXPORT_MRN, 3),
        Document("Z", "355", "21GB34F7Y1O2CX8PT4"),
    )
    assert decision.previous_document_mrn == EXPORT_MRN
    assert relief.EXPORT_DECLARATION_DOCUMENT_TYPE in relief.EXPORT_DECLARATION_DOCUMENT_TYPES
    assert relief.EXPORT_DECLARATION_DOCUMENT_TYPES == frozenset({"MRN", "830"})


def test_no_export_record_means_plain_import_with_000_cdssg10050():
    decision = relief.decide_item(relief.ReturnedItem("EU", dt.date(2026, 1, 1), None))
    _assert_plain(decision)
    assert decision.reasons == ((relief.NO_EXPORT_RECORD, {}),)


def test_every_reason_is_listed_at_once():
    export = relief.ExportRecord("GB", dt.date(2020, 2, 29), None, "40")
    decision = relief.decide_item(relief.ReturnedItem("EU", dt.date(2026, 1, 1), export, unaltered=False))
    _assert_plain(decision)
    assert _codes(decision) == [
        relief.EXPORTED_FROM_OTHER_TERRITORY, relief.PREVIOUS_PROCEDURE_NOT_ELIGIBLE, relief.NO_EXPORT_MRN,
        relief.PERIOD_EXCEEDED, relief.GOODS_ALTERED,
    ]
    assert dict(decision.reasons)[relief.PERIOD_EXCEEDED]["deadline"] == dt.date(2023, 2, 28)


def test_decide_relief_wrapper_never_claims_vat_relief():
    decision = relief.decide_relief("EU", dt.date(2025, 1, 1), _export())
    assert (decision.procedure_code, decision.additional_procedure_codes) == ("6110", ("F01",))


# ----------------------------------------------------------------------
# Every output is a combination the correlation matrix permits (CDSSG04420, CDSSG10050)
# ----------------------------------------------------------------------
def _all_items():
    flags = ("unaltered", "repaired", "agricultural", "special_circumstances", "processed_after_inward_processing",
             "duty_under_article_86_3")
    for previous in ("10", "21", "22", "23", "31", "40"):
        for territory in ("EU", "GB"):
            for when in (dt.date(2025, 1, 1), dt.date(2028, 1, 1)):
                for importer in (EXPORTER, "GB553202734852", None):
                    for mrn in (EXPORT_MRN, None, "123"):
                        for values in itertools.product((False, True), repeat=len(flags)):
                            export = relief.ExportRecord("EU", EXPORTED_ON, mrn, previous, exporter=EXPORTER)
                            yield relief.ReturnedItem(territory, when, export, importer=importer,
                                                      **dict(zip(flags, values, strict=True)))
    yield relief.ReturnedItem("EU", dt.date(2025, 1, 1), None)


def test_every_decision_is_permitted_by_the_matrix_and_000_stands_alone():
    seen = set()
    for item in _all_items():
        decision = relief.decide_item(item)
        assert procedure_matrix.check_combination(decision.procedure_code, decision.additional_procedure_codes) == []
        assert decision.applies == (decision.procedure_code != "4000")
        assert decision.vat_relief == (relief.RGR_DUTY_AND_VAT in decision.additional_procedure_codes)
        assert ("000" in decision.additional_procedure_codes) == (not decision.applies)
        assert bool(decision.previous_documents) == decision.applies
        seen.add((decision.procedure_code, decision.additional_procedure_codes))
    assert {code for _procedure, codes in seen for code in codes} == {
        "000", "F01", "F02", "F03", "F04", "F05", "F07"}
    assert {procedure for procedure, _codes in seen} == {"4000", "6110", "6121", "6122", "6123", "6131"}
