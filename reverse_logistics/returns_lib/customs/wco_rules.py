"""The addon's own rules for every value the DEC-DMS builder writes: lengths, numbers and code lists.

The declaration is checked against these before any XML is built, so that nothing unchecked reaches
the message even when no official schema set is configured. They were written by hand from the
WCO DEC-DMS 2 schema (HMRC CDS, WCO DM 3.6: the ``maxLength``, ``totalDigits`` and
``fractionDigits`` of each element) and from the code lists of the EU UCC Delegated/Implementing
Regulation Annex B and HMRC's CDS Volume 3 appendices, which the schema itself does not enumerate.
No schema file is copied here.

Where a code list is long and changes over time (package kinds, document codes), the list below
is the commonly used subset and says so: extend it when a broker needs another code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal


# ----------------------------------------------------------------------
# Lengths (WCO formats: an..N = up to N letters or digits, n..N = up to N digits)
# ----------------------------------------------------------------------
@dataclass(frozen=True)
class Text:
    """An ``an..max_length`` value; ``pattern`` when the schema or code list fixes its shape."""

    max_length: int
    pattern: str | None = None
    min_length: int = 1

    def problems(self, value: str | None) -> list[tuple[str, dict]]:
        text = value or ""
        if not text.strip():
            return [("missing", {})]
        if len(text) > self.max_length:
            return [("too_long", {"value": text, "length": len(text), "max_length": self.max_length})]
        if len(text) < self.min_length:
            return [("too_short", {"value": text, "length": len(text), "min_length": self.min_length})]
        if self.pattern and not re.fullmatch(self.pattern, text):
            return [("format", {"value": text})]
        return []


@dataclass(frozen=True)
class Number:
    """A decimal of at most ``total_digits`` digits, ``fraction_digits`` of them after the point."""

    total_digits: int
    fraction_digits: int
    minimum: Decimal | None = Decimal(0)

    def problems(self, value) -> list[tuple[str, dict]]:
        if value is None:
            return [("missing", {})]
        number = Decimal(value)
        if not number.is_finite():
            return [("not_a_number", {"value": str(value)})]
        if self.minimum is not None and number < self.minimum:
            return [("below_minimum", {"value": number, "minimum": self.minimum})]
        exponent = number.normalize().as_tuple().exponent
        fraction = max(0, -exponent) if isinstance(exponent, int) else 0
        if fraction > self.fraction_digits:
            return [("too_many_decimals", {"value": number, "fraction_digits": self.fraction_digits})]
        integer_digits = len(str(abs(int(number)))) if abs(number) >= 1 else 0
        if integer_digits > self.total_digits - self.fraction_digits:
            return [("too_large", {"value": number, "integer_digits": self.total_digits - self.fraction_digits})]
        return []


_ALNUM = r"[A-Za-z0-9]+"
_NOT_BLANK = r".*\S.*"

# Header (Declaration) and parties
LRN = Text(22)  # DE 2/5: FunctionalReferenceID is an..35, the UCC and CDS limit the LRN to 22
OFFICE = Text(8, r"[A-Z]{2}[A-Z0-9]{6}", min_length=8)  # DE 5/12, 5/27: an8 reference number (an..17)
PARTY_ID = Text(17, r"[A-Z]{2}[A-Z0-9]{1,15}")  # EORI, DE 3/2 and kin: an..17
PARTY_NAME = Text(70)
ADDRESS_LINE = Text(70)  # street and number
CITY = Text(35)
POSTCODE = Text(9)
COUNTRY = Text(2, r"[A-Z]{2}", min_length=2)  # ISO 3166-1 alpha-2
CURRENCY = Text(3, r"[A-Z]{3}", min_length=3)  # ISO 4217
INCOTERM_LOCATION = Text(17)  # TradeTerms/LocationID an..17 (a UN/LOCODE or place)

# Documents (DE 2/1 previous, DE 2/3 supporting, DE 2/6 deferment)
DOCUMENT_ID = Text(70)  # an..70 (an..35 in CDS for DE 2/3: checked below where it is)
SUPPORTING_DOCUMENT_ID = Text(35)  # DE 2/3 document identifier an..35
DOCUMENT_TYPE = Text(3, r"[A-Z0-9]{1,3}")  # an..3
DOCUMENT_LINE = Number(5, 0, Decimal(1))  # n..5
DEFERMENT_ACCOUNT = Text(35, r"[A-Za-z0-9]+")  # DE 2/6: a DAN (7 digits in the UK), an..35

# Additional information (DE 2/2)
STATEMENT_CODE = Text(5, r"[A-Z0-9]{5}", min_length=5)  # an5 in UCC and CDS (the schema allows an..17)
STATEMENT_TEXT = Text(512)  # an..512

# Authorisations (DE 3/39) and guarantee (DE 8/2, 8/3)
AUTHORISATION_REFERENCE = Text(35)
GUARANTEE_REFERENCE = Text(70)  # ObligationGuarantee/ID: other guarantee reference, an..70
GUARANTEE_GRN = Text(24, r"[A-Z0-9]{1,24}")  # ObligationGuarantee/ReferenceID: GRN an..24 (schema an..35)
GUARANTEE_ACCESS_CODE = Text(4, _ALNUM)  # an..4

# Goods items
DESCRIPTION = Text(512)  # DE 6/8 an..512
HS_CODE = Text(10, r"\d{8}|\d{10}", min_length=8)  # DE 6/14 n8 + DE 6/15 n2
PROCEDURE = Text(4, r"\d{4}", min_length=4)  # DE 1/10 n4 (CurrentCode n2 + PreviousCode n2)
ADDITIONAL_PROCEDURE = Text(3, r"[A-Z0-9]{3}", min_length=3)  # DE 1/11 an3
SHIPPING_MARKS = Text(512)  # DE 6/11 an..512
SEQUENCE = Number(5, 0, Decimal(1))  # n..5
PACKAGE_COUNT = Number(8, 0)  # DE 6/10 n..8
TOTAL_PACKAGES = Number(8, 0)  # DE 6/18 n..8
GOODS_ITEM_QUANTITY = Number(5, 0, Decimal(1))
AMOUNT = Number(16, 3)  # amounts: n..16,3 (DE 4/11, 4/14, 8/6, 2/... )
MASS = Number(16, 6)  # DE 6/1, 6/5: n..16,6
QUANTITY = Number(16, 6)  # DE 6/2 supplementary units n..16,6


# ----------------------------------------------------------------------
# Code lists
# ----------------------------------------------------------------------
# DE 1/1: declaration type (the two letters before DE 1/2 in Declaration/TypeCode).
DECLARATION_CATEGORIES = {
    "IM": "Import from outside the customs territory",
    "EX": "Export to outside the customs territory",
    "CO": "Goods moving to or from a special fiscal territory (customs union, no fiscal union)",
}

# DE 1/2: additional declaration type (the third letter of Declaration/TypeCode).
ADDITIONAL_DECLARATION_TYPES = {
    "A": "Standard declaration (frontier)",
    "B": "Simplified declaration, occasional use (frontier)",
    "C": "Simplified declaration, regular use with authorisation (frontier)",
    "D": "Standard declaration, pre-lodged",
    "E": "Simplified declaration, occasional use, pre-lodged",
    "F": "Simplified declaration, regular use, pre-lodged",
    "J": "Entry in the declarant's records, arrived export (CDS)",
    "K": "Entry in the declarant's records, pre-lodged export (CDS)",
    "X": "Supplementary declaration after a simplified declaration of type B or E",
    "Y": "Supplementary declaration after a simplified declaration of type C or F",
    "Z": "Supplementary declaration after entry in the declarant's records",
}
# Types allowed per category: J and K only exist for exports in CDS.
ADDITIONAL_DECLARATION_TYPES_BY_CATEGORY = {
    "IM": set(ADDITIONAL_DECLARATION_TYPES) - {"J", "K"},
    "EX": set(ADDITIONAL_DECLARATION_TYPES),
    "CO": set(ADDITIONAL_DECLARATION_TYPES) - {"J", "K"},
}

# DE 2/1: previous document categories.
PREVIOUS_DOCUMENT_CATEGORIES = {
    "X": "Summary declaration",
    "Y": "Initial declaration",
    "Z": "Previous document",
}
# Previous document types that carry the MRN of a customs declaration (checked as MRNs).
MRN_DOCUMENT_TYPES = {"MRN", "830"}

# DE 2/3: document categories (the first character of the four-character document code): the
# TARIC certificate types used on declarations, and the UK national categories 1 (deferment),
# 2 and 9. Commonly used subset.
ADDITIONAL_DOCUMENT_CATEGORIES = {
    "1": "Deferment (UK national)",
    "2": "UK national additional references",
    "9": "UK national document codes",
    "A": "Anti-dumping and countervailing documents",
    "B": "Certificates for beef and meat",
    "C": "Certificates and authorisations (Union codes)",
    "D": "Anti-dumping documents and undertakings",
    "E": "Export licences and certificates",
    "I": "Import documents (controls)",
    "L": "Licences (imports)",
    "M": "Documents for agricultural products",
    "N": "UN/EDIFACT document codes (invoices, transport documents, certificates)",
    "U": "Proofs of preferential origin",
    "X": "Export licences (dual use, restrictions)",
    "Y": "Exemption statements and conditions not met",
    "Z": "Other references",
}
# DE 2/6: deferred payment, written as an AdditionalDocument of category 1.
DEFERMENT_CATEGORY = "1"
DEFERMENT_TYPES = {
    "DAN": "Deferment approval number",
    "CAN": "Cash account number",
}

# DE 3/21: representative status.
REPRESENTATIVE_STATUSES = {
    "1": "Declarant on its own behalf",
    "2": "Direct representation",
    "3": "Indirect representation",
}

# DE 3/39: authorisation type codes (HMRC CDS Volume 3, Appendix on authorisation types).
AUTHORISATION_TYPES = {
    "ACE": "Authorised consignee for Union transit",
    "ACP": "Authorised issuer to establish the proof of customs status",
    "ACR": "Authorised consignor for Union transit",
    "ACT": "Authorised consignee for TIR",
    "AEOC": "AEO customs simplifications",
    "AEOF": "AEO customs simplifications and security",
    "AEOS": "AEO security and safety",
    "AWB": "Authorised weighers of bananas",
    "BOI": "Binding origin information",
    "BTI": "Binding tariff information",
    "CCL": "Centralised clearance",
    "CGU": "Comprehensive guarantee, including reduction or waiver",
    "CSE": "Entry in the declarant's records with waiver of presentation",
    "CVA": "Simplification of the customs value",
    "CW1": "Customs warehouse type I",
    "CW2": "Customs warehouse type II",
    "CWP": "Private customs warehouse",
    "DPO": "Deferment of payment",
    "EIR": "Entry in the declarant's records",
    "ETD": "Electronic transport document as customs declaration",
    "EUS": "End use",
    "EXW": "Exporter approved for export procedures",
    "EXWH": "Excise warehouse",
    "FAS": "Flexible accounting system",
    "FP": "Freeport",
    "FZ": "Free zone",
    "GGA": "General guarantee account",
    "IPO": "Inward processing",
    "MOU": "Memorandum of understanding",
    "OPO": "Outward processing",
    "REM": "Repayment or remission",
    "REP": "Registered exporter",
    "RSS": "Regular shipping service",
    "SAS": "Self-assessment",
    "SDE": "Simplified declaration",
    "SIVA": "Simplified import VAT accounting",
    "SSE": "Suspension of excise",
    "TEA": "Temporary admission",
    "TRD": "Use of transit declaration with reduced data set",
    "TST": "Temporary storage facilities",
    "UKCS": "UK continental shelf",
}
# Authorisation types whose decision number is declared as a DE 2/3 document of category C.
AUTHORISATION_DOCUMENT_CODES = {"CGU": "505", "DPO": "506", "IPO": "601", "OPO": "019"}

# DE 4/3: tax types the builder writes.
TAX_TYPES = {
    "A00": "Customs duty",
    "A20": "Additional duty",
    "A30": "Definitive anti-dumping duty",
    "A35": "Provisional anti-dumping duty",
    "A40": "Definitive countervailing duty",
    "A45": "Provisional countervailing duty",
    "B00": "Import VAT",
}
TAX_TYPE_DUTY = "A00"
TAX_TYPE_VAT = "B00"

# DE 4/8: method of payment.
PAYMENT_METHODS = {
    "A": "Payment in cash",
    "B": "Payment by credit card",
    "C": "Payment by cheque",
    "D": "Other (e.g. direct debit to cash account)",
    "E": "Deferred or postponed payment",
    "F": "Deferment, agent's account (CDS)",
    "G": "Postponed VAT accounting (CDS)",
    "H": "Electronic credit transfer",
    "J": "Payment through post office administration",
    "K": "Excise tax credits or refunds",
    "M": "Security, including cash deposit",
    "N": "Individual guarantee account (CDS)",
    "P": "From the agent's cash account",
    "R": "Guarantee of the amount payable",
    "S": "Individual guarantee account",
    "T": "From the agent's guarantee account",
    "U": "From the agent's guarantee account, standing authority",
    "V": "From the importer's guarantee account",
    "Z": "No payment required (CDS)",
}
DEFERMENT_PAYMENT_METHODS = {"E", "F"}
GUARANTEE_PAYMENT_METHODS = {"M", "R", "S", "T", "U", "V"}

# DE 8/2: guarantee type (ObligationGuarantee/SecurityDetailsCode).
GUARANTEE_TYPES = {
    "0": "Guarantee waiver",
    "1": "Comprehensive guarantee",
    "2": "Individual guarantee in the form of an undertaking by a guarantor",
    "3": "Individual guarantee in cash or other means of payment",
    "4": "Individual guarantee in the form of vouchers",
    "5": "Guarantee waiver where the amount to be secured does not exceed the statistical threshold",
    "7": "Guarantee not required for certain public bodies",
    "8": "Guarantee not required (Article 89(8) UCC)",
    "9": "Individual guarantee in another form",
    "A": "Guarantee not required (Article 89(7) UCC)",
    "B": "Guarantee not required for goods carried by rail, air or sea",
    "C": "Guarantee not required for goods placed under temporary admission",
    "R": "Guarantee not required for goods carried on the Rhine",
}
# Procedures (first two digits of DE 1/10) that suspend duty and need a guarantee (DE 8/3).
GUARANTEE_PROCEDURES = {"51", "53", "71"}

# DE 4/16: valuation method.
VALUATION_METHODS = {
    "1": "Transaction value of the imported goods",
    "2": "Transaction value of identical goods",
    "3": "Transaction value of similar goods",
    "4": "Deductive method",
    "5": "Computed value",
    "6": "Fall-back method",
}

# DE 4/17: preference. First digit: 1 no preference (erga omnes), 2 GSP, 3 other tariff preferences,
# 4 customs union agreements; the last two digits say how it applies (00 plain, 15 end use,
# 18 certificate of the nature of the goods, 19 temporary suspension with an airworthiness
# certificate, 20 tariff quota, 23 quota with end use, 25 quota and end use, 28 quota and
# certificate, 40 end use with a specific destination, 50 certificate of the nature of the goods).
_PREFERENCE_SUFFIXES = ("00", "15", "18", "19", "20", "23", "25", "28", "40", "50")
PREFERENCE_CODES = {first + suffix for first in "1234" for suffix in _PREFERENCE_SUFFIXES}

# DE 7/4: mode of transport at the border.
TRANSPORT_MODES = {
    "1": "Sea transport",
    "2": "Rail transport",
    "3": "Road transport",
    "4": "Air transport",
    "5": "Postal consignment",
    "7": "Fixed transport installations",
    "8": "Inland waterway transport",
    "9": "Own propulsion or unknown",
}

# DE 4/1: Incoterms 2020 and 2010, and XXX for other terms.
INCOTERMS = {"EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF", "DAT", "XXX"}

# DE 8/5: nature of transaction (the first digit is what the builder writes).
TRANSACTION_NATURES = {"1", "2", "3", "4", "5", "6", "7", "8", "9"}

# DE 6/9: type of packages, UN/ECE Recommendation 21 (two characters). The full list has some
# 380 codes; this is the commonly used subset for parcels, pallets and returns.
PACKAGE_KINDS = {
    "AE": "Aerosol", "AM": "Ampoule", "BA": "Barrel", "BB": "Bobbin", "BC": "Bottlecrate",
    "BD": "Board", "BE": "Bundle", "BG": "Bag", "BH": "Bunch", "BI": "Bin", "BJ": "Bucket",
    "BK": "Basket", "BL": "Bale, compressed", "BN": "Bale, non-compressed", "BO": "Bottle",
    "BR": "Bar", "BT": "Bolt", "BX": "Box", "BZ": "Bars, in bundle", "CA": "Can, rectangular",
    "CB": "Beer crate", "CH": "Chest", "CI": "Canister", "CK": "Cask", "CN": "Container",
    "CO": "Carboy", "CR": "Crate", "CS": "Case", "CT": "Carton", "CX": "Can, cylindrical",
    "CY": "Cylinder", "DR": "Drum", "EN": "Envelope", "FC": "Fruit crate", "FR": "Frame",
    "GB": "Gas bottle", "HG": "Hogshead", "JC": "Jerrican, rectangular", "JR": "Jar", "JY": "Jerrican, cylindrical",
    "KG": "Keg", "LG": "Log", "LZ": "Logs, in bundle", "NE": "Unpacked or unpackaged",
    "NF": "Unpacked or unpackaged, single unit", "NG": "Unpacked or unpackaged, multiple units",
    "NT": "Net", "PA": "Packet", "PC": "Parcel", "PE": "Pallet, modular, collars", "PK": "Package",
    "PL": "Pail", "PU": "Tray", "PX": "Pallet", "PY": "Plates, in bundle", "RL": "Reel",
    "RO": "Roll", "SA": "Sack", "SC": "Shallow crate", "SD": "Spindle", "SH": "Sachet",
    "SK": "Skeleton case", "SL": "Slipsheet", "SM": "Sheetmetal", "ST": "Sheet", "SU": "Suitcase",
    "SW": "Shrinkwrapped", "SZ": "Sheets, in bundle", "TB": "Tub", "TK": "Tank, rectangular",
    "TN": "Tin", "TU": "Tube", "TY": "Tank, cylindrical", "VA": "Vat", "VG": "Bulk, gas",
    "VL": "Bulk, liquid", "VR": "Bulk, solid, granular particles", "VY": "Bulk, solid, fine particles",
    "WA": "Intermediate bulk container", "YA": "Composite packaging",
    "ZZ": "Mutually defined",
}
# Kinds of "unpacked" goods, where the number of packages counts pieces or may be zero.
UNPACKED_KINDS = {"NE", "NF", "NG", "VG", "VL", "VR", "VY"}
