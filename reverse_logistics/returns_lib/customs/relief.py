"""Returned Goods Relief, decided per goods item (UCC Art. 203-205; HMRC CDS Volume 3 alike).

Sources (HMRC CDS Volume 3; the EU Annex B codes are the same):

* Appendix 2A, F-series additional procedure codes (DE 1/11):
  F01 relief from import duties for returned goods (Art. 203 UCC);
  F02 the same in the special circumstances of Art. 159 DA 2015/2446 (agricultural goods);
  F03 the same in the special circumstances of Art. 158(2) DA 2015/2446 (repair or restoration);
  F04 processed products re-exported after inward processing that come back (Art. 205(1) UCC);
  F05 relief from import duties AND VAT (Art. 203 UCC and Art. 143(1)(e) Directive 2006/112/EC);
  F07 as F04, where the import duty is determined under Art. 86(3) UCC upon the declarant's
  application (Art. 205(2) UCC).
* CDSSG10050: 000 only where every other permitted code was ruled out, never beside another code.
* Appendix 1, requested procedure 61: 6110, 6121, 6122, 6123, 6131 (61 + the previous procedure).
* Appendix 3, DE 2/1 previous document codes for imports: ``MRN`` "Declaration/notification (MRN)",
  ``355`` entry summary declaration; category ``Z``.

Where a detail could not be confirmed the decision is conservative: no relief (or no VAT relief)
is claimed, and a reason says why. See the comments marked "unconfirmed".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import mrn as mrn_lib
from . import procedure_matrix
from .declaration import Document

RELIEF_PERIOD_YEARS = 3  # Art. 203(1) UCC

PLAIN_IMPORT_PROCEDURE = "4000"  # release for free circulation and home use, no previous procedure
PLAIN_ADDITIONAL_PROCEDURE = "000"  # CDSSG10050: only when no other permitted code applies
EXPORT_PROCEDURE = "1040"  # permanent export of goods in free circulation
RELIEF_REQUESTED_PROCEDURE = "61"  # re-importation with simultaneous release for free circulation

# DE 1/11, Appendix 2A.
RGR_ADDITIONAL_PROCEDURE = "F01"  # duty only, Art. 203 UCC
RGR_AGRICULTURAL = "F02"  # Art. 159 DA
RGR_REPAIRED = "F03"  # Art. 158(2) DA
RGR_INWARD_PROCESSING = "F04"  # Art. 205(1) UCC
RGR_DUTY_AND_VAT = "F05"  # Art. 203 UCC and Art. 143(1)(e) Directive 2006/112/EC
RGR_INWARD_PROCESSING_86_3 = "F07"  # Art. 205(2) UCC, duty determined under Art. 86(3) UCC

# Previous procedures (two digits of the export declaration's DE 1/10) after which goods come back
# under 61xx (Appendix 1, requested procedure 61).
PERMANENT_EXPORT = "10"
OUTWARD_PROCESSING = "21"
TEMPORARY_EXPORT_PROCESSING = "22"  # outward processing not covered by 21
TEMPORARY_EXPORT = "23"  # temporary export for return in the unaltered state
RE_EXPORT = "31"  # re-export, here: of processed products after inward processing
RELIEF_PREVIOUS_PROCEDURES = frozenset({PERMANENT_EXPORT, OUTWARD_PROCESSING, TEMPORARY_EXPORT_PROCESSING,
                                        TEMPORARY_EXPORT, RE_EXPORT})
# Where repair abroad keeps the goods "in the state exported" (Art. 158 DA, F03). After 21/22 the goods
# left *for* processing or repair: repaired goods come back under outward processing (4021/4022 with
# B-codes), not under returned goods relief; after 31 the goods are processed products (F04/F07 only).
REPAIR_RELIEF_PREVIOUS_PROCEDURES = frozenset({PERMANENT_EXPORT, TEMPORARY_EXPORT})

# DE 2/1 previous documents (category Z).
PREVIOUS_DOCUMENT_CATEGORY = "Z"
# CDS Volume 3, Appendix 3 (DE 2/1 codes, imports) lists "MRN: Declaration/notification (MRN)"; it has
# no 830. The EU code list (and UN/EDIFACT 1001) names the export declaration "830 Goods declaration for
# exportation", which the package has accepted so far: both count as the export declaration.
EXPORT_DECLARATION_DOCUMENT_TYPE = "MRN"
EXPORT_DECLARATION_DOCUMENT_TYPES = frozenset({"MRN", "830"})
ENTRY_SUMMARY_DOCUMENT_TYPE = "355"  # Appendix 3: entry summary declaration (ENS)

# Reason codes, translated for users by the caller. Refusals rule relief out; notes do not.
NO_EXPORT_RECORD = "no_export_record"
EXPORTED_FROM_OTHER_TERRITORY = "exported_from_other_territory"
PERIOD_EXCEEDED = "period_exceeded"
GOODS_ALTERED = "goods_altered"
NO_EXPORT_MRN = "no_export_mrn"
PREVIOUS_PROCEDURE_NOT_ELIGIBLE = "previous_procedure_not_eligible"
MRN_INVALID = "mrn_invalid"  # params: mrn, problems (codes of mrn.check_mrn)
REIMPORT_BEFORE_EXPORT = "reimport_before_export"
REPAIR_NOT_COVERED = "repair_not_covered"  # repaired after 21/22/31: outward processing, not this relief
NOT_REEXPORTED_AFTER_INWARD_PROCESSING = "not_reexported_after_inward_processing"
ADDITIONAL_CODE_NOT_PERMITTED = "additional_code_not_permitted"  # the matrix refuses the combination
RELIEF_APPLIES = "relief_applies"
# Notes, beside RELIEF_APPLIES:
PERIOD_EXCEEDED_SPECIAL_CIRCUMSTANCES = "period_exceeded_special_circumstances"
VAT_RELIEF_NOT_DUE = "vat_relief_not_due"  # params: why, importer, exporter
INWARD_PROCESSING_DUTY_DUE = "inward_processing_duty_due"

REFUSALS = frozenset({
    NO_EXPORT_RECORD, EXPORTED_FROM_OTHER_TERRITORY, PERIOD_EXCEEDED, GOODS_ALTERED, NO_EXPORT_MRN,
    PREVIOUS_PROCEDURE_NOT_ELIGIBLE, MRN_INVALID, REIMPORT_BEFORE_EXPORT, REPAIR_NOT_COVERED,
    NOT_REEXPORTED_AFTER_INWARD_PROCESSING, ADDITIONAL_CODE_NOT_PERMITTED,
})

RULE_PLAIN = "Art. 201 UCC (release for free circulation); CDSSG10050 (000)"
RULE_F01 = "Art. 203 UCC"
RULE_F05 = "Art. 203 UCC; Art. 143(1)(e) Directive 2006/112/EC"
RULE_F02 = "Art. 203 and 204 UCC; Art. 159 Delegated Regulation (EU) 2015/2446"
RULE_F03_REPAIR = "Art. 203(5) UCC; Art. 158(2) Delegated Regulation (EU) 2015/2446"
RULE_F03_PERIOD = "Art. 203(2) UCC (three-year period exceeded in special circumstances)"
RULE_F04 = "Art. 205(1) UCC"
RULE_F07 = "Art. 205(2) UCC; Art. 86(3) UCC"


@dataclass(frozen=True)
class ExportRecord:
    """How the goods left: the export declaration the relief refers to."""

    territory_code: str  # customs territory the goods LEFT from (the delivering warehouse's)
    export_date: dt.date
    mrn: str | None  # MRN of the export declaration
    procedure_code: str = "10"  # two-digit requested procedure of that export: 10, 21, 22, 23, 31
    exporter: str | None = None  # EORI of who exported (F05 needs the re-importer to be the exporter)
    item_number: int | None = None  # goods item number on the export declaration (LineNumeric)
    entry_summary_mrn: str | None = None  # where known (previous document type 355)


@dataclass(frozen=True)
class ReturnedItem:
    """One goods item coming back, with the facts the relief depends on."""

    import_territory: str
    reimport_date: dt.date
    export: ExportRecord | None
    importer: str | None = None  # EORI of who re-imports now
    unaltered: bool = True  # in the same state as exported
    repaired: bool = False  # repaired or restored while abroad
    agricultural: bool = False  # goods of agricultural activity
    special_circumstances: bool = False  # the three-year limit may be exceeded (declared by the user)
    processed_after_inward_processing: bool = False
    # Art. 205(2) UCC: the declarant applies for the duty to be determined under Art. 86(3) UCC (F07
    # instead of F04). Only meaningful for processed products after inward processing.
    duty_under_article_86_3: bool = False


@dataclass(frozen=True)
class ReliefDecision:
    applies: bool
    procedure_code: str  # 4 digits
    additional_procedure_codes: tuple[str, ...]
    reasons: tuple[tuple[str, dict], ...]  # (reason code, params): every reason, for the user
    previous_documents: tuple[Document, ...] = ()
    vat_relief: bool = False  # F05: import VAT relieved too
    rule: str = ""  # citation

    @property
    def previous_document_mrn(self) -> str | None:
        """The export declaration's MRN among the previous documents (kept for older callers)."""
        for document in self.previous_documents:
            if document.type_code in EXPORT_DECLARATION_DOCUMENT_TYPES:
                return document.identifier
        return None


def _add_years(date: dt.date, years: int) -> dt.date:
    try:
        return date.replace(year=date.year + years)
    except ValueError:  # 29 February
        return date.replace(year=date.year + years, day=28)


def _territory(code: str | None) -> str:
    return (code or "").strip().upper()


def _eori(value: str | None) -> str:
    return "".join((value or "").split()).upper()


def relief_deadline(export_date: dt.date) -> dt.date:
    """Last day of the three-year period of Art. 203(1) UCC."""
    return _add_years(export_date, RELIEF_PERIOD_YEARS)


def _plain(reasons) -> ReliefDecision:
    return ReliefDecision(
        applies=False,
        procedure_code=PLAIN_IMPORT_PROCEDURE,
        additional_procedure_codes=(PLAIN_ADDITIONAL_PROCEDURE,),
        reasons=tuple(reasons),
        rule=RULE_PLAIN,
    )


def decide_item(item: ReturnedItem) -> ReliefDecision:
    """Decide whether one goods item qualifies for relief, and how it is declared.

    Every reason is listed, so the user sees all of them at once. Without relief the item is a plain
    release for free circulation: 4000 with 000.
    """
    export = item.export
    if export is None:
        return _plain([(NO_EXPORT_RECORD, {})])
    reasons: list[tuple[str, dict]] = []
    previous = (export.procedure_code or "").strip()

    # Same customs territory (Art. 203(1) UCC: exported from and returned to the same territory). The
    # codes are compared as given: goods exported from GB are not exported from XI and vice versa
    # (HMRC: UK relief "does not apply where those goods were exported from the UK as a result of their
    # removal from Northern Ireland"). Unconfirmed: whether goods exported from the EU may come back
    # under relief into XI (Windsor Framework); "EU" and "XI" are not treated as one territory here,
    # a caller that maps Northern Ireland addresses to "EU" gets the EU answer.
    if _territory(export.territory_code) != _territory(item.import_territory):
        reasons.append((EXPORTED_FROM_OTHER_TERRITORY,
                        {"exported_from": export.territory_code, "import_into": item.import_territory}))

    if previous not in RELIEF_PREVIOUS_PROCEDURES:
        reasons.append((PREVIOUS_PROCEDURE_NOT_ELIGIBLE, {"procedure": previous}))
    elif previous == RE_EXPORT and not item.processed_after_inward_processing:
        # Art. 203 needs goods exported as Union goods; after 31 only processed products of inward
        # processing come back under relief (Art. 205 UCC, F04/F07).
        reasons.append((PREVIOUS_PROCEDURE_NOT_ELIGIBLE,
                        {"procedure": previous, "requires": "processed_after_inward_processing"}))
    if item.processed_after_inward_processing and previous != RE_EXPORT:
        # Art. 205(1) UCC: processed products "re-exported ... subsequent to an inward processing
        # procedure", i.e. under requested procedure 31 (previous procedure 51).
        reasons.append((NOT_REEXPORTED_AFTER_INWARD_PROCESSING, {"procedure": previous}))

    if not export.mrn or not export.mrn.strip():
        reasons.append((NO_EXPORT_MRN, {}))
    else:
        problems = mrn_lib.check_mrn(export.mrn)
        if problems:
            reasons.append((MRN_INVALID, {"mrn": export.mrn, "problems": tuple(code for code, _ in problems)}))

    period_exceeded = False
    deadline = relief_deadline(export.export_date)
    if item.reimport_date < export.export_date:
        reasons.append((REIMPORT_BEFORE_EXPORT,
                        {"exported_on": export.export_date, "reimported_on": item.reimport_date}))
    elif item.reimport_date > deadline:
        period_exceeded = True
        params = {"exported_on": export.export_date, "deadline": deadline, "years": RELIEF_PERIOD_YEARS}
        # Art. 203(2) UCC: the period may be exceeded in special circumstances (declared by the user,
        # subject to the customs authority's agreement); declared through F03.
        if item.special_circumstances:
            reasons.append((PERIOD_EXCEEDED_SPECIAL_CIRCUMSTANCES, params))
        else:
            reasons.append((PERIOD_EXCEEDED, params))

    # Same state (Art. 203(5) UCC; Art. 158 DA): repair or restoration abroad keeps the goods eligible
    # (F03) after a permanent or temporary export only.
    if item.repaired:
        if previous in RELIEF_PREVIOUS_PROCEDURES and previous not in REPAIR_RELIEF_PREVIOUS_PROCEDURES:
            reasons.append((REPAIR_NOT_COVERED, {"procedure": previous}))
    elif not item.unaltered:
        reasons.append((GOODS_ALTERED, {}))

    if any(code in REFUSALS for code, _ in reasons):
        return _plain(reasons)

    procedure_code = RELIEF_REQUESTED_PROCEDURE + previous
    vat_relief = False
    if previous == RE_EXPORT:
        # Art. 205 UCC: F04, or F07 where the declarant applies for the Art. 86(3) duty calculation.
        # The duty on the inward-processing content is due either way; no VAT relief is claimed
        # (unconfirmed whether F05 may accompany 6131: conservative).
        if item.duty_under_article_86_3:
            codes, rule = (RGR_INWARD_PROCESSING_86_3,), RULE_F07
        else:
            codes, rule = (RGR_INWARD_PROCESSING,), RULE_F04
        reasons.append((INWARD_PROCESSING_DUTY_DUE, {"article_86_3": item.duty_under_article_86_3}))
        reasons.append((VAT_RELIEF_NOT_DUE, {"why": "inward_processing", "importer": item.importer,
                                             "exporter": export.exporter}))
    else:
        special = []
        rules = []
        if item.agricultural:
            special.append(RGR_AGRICULTURAL)
            rules.append(RULE_F02)
        if item.repaired:
            special.append(RGR_REPAIRED)
            rules.append(RULE_F03_REPAIR)
        elif period_exceeded:
            special.append(RGR_REPAIRED)
            rules.append(RULE_F03_PERIOD)
        if special:
            # F02/F03 relieve import duty only. Unconfirmed whether F05 may stand beside them; VAT
            # relief needs goods in the same state (Art. 143(1)(e)), so none is claimed here.
            codes, rule = tuple(special), "; ".join(rules)
            reasons.append((VAT_RELIEF_NOT_DUE, {"why": "special_circumstances", "importer": item.importer,
                                                 "exporter": export.exporter}))
        elif _eori(export.exporter) and _eori(export.exporter) == _eori(item.importer):
            # Art. 143(1)(e) Directive 2006/112/EC: re-imported, in the same state, by the exporter.
            codes, rule, vat_relief = (RGR_DUTY_AND_VAT,), RULE_F05, True
        else:
            codes, rule = (RGR_ADDITIONAL_PROCEDURE,), RULE_F01
            why = "importer_is_not_exporter" if _eori(export.exporter) and _eori(item.importer) else "party_unknown"
            reasons.append((VAT_RELIEF_NOT_DUE, {"why": why, "importer": item.importer, "exporter": export.exporter}))

    problems = procedure_matrix.check_combination(procedure_code, codes)
    if problems:
        # The published matrix does not permit the combination: no claim the declaration would lose.
        reasons.append((ADDITIONAL_CODE_NOT_PERMITTED,
                        {"procedure": procedure_code, "codes": ", ".join(codes),
                         "problems": tuple(code for code, _ in problems)}))
        return _plain(reasons)

    documents = [Document(PREVIOUS_DOCUMENT_CATEGORY, EXPORT_DECLARATION_DOCUMENT_TYPE,
                          mrn_lib.compact(export.mrn), export.item_number)]
    if export.entry_summary_mrn and export.entry_summary_mrn.strip():
        # Quoted as given: entry summary references are not checked against the MRN check digit.
        documents.append(Document(PREVIOUS_DOCUMENT_CATEGORY, ENTRY_SUMMARY_DOCUMENT_TYPE,
                                  mrn_lib.compact(export.entry_summary_mrn)))
    reasons.insert(0, (RELIEF_APPLIES, {"exported_on": export.export_date, "mrn": mrn_lib.compact(export.mrn),
                                        "codes": ", ".join(codes)}))
    return ReliefDecision(
        applies=True,
        procedure_code=procedure_code,
        additional_procedure_codes=codes,
        reasons=tuple(reasons),
        previous_documents=tuple(documents),
        vat_relief=vat_relief,
        rule=rule,
    )


def decide_relief(
    import_territory: str,
    reimport_date: dt.date,
    export: ExportRecord | None,
    goods_unaltered: bool = True,
) -> ReliefDecision:
    """Thin wrapper kept for older callers: one unaltered item, importer unknown (so never F05)."""
    return decide_item(ReturnedItem(import_territory, reimport_date, export, unaltered=goods_unaltered))
