import base64
import hashlib
import re

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression

from ..returns_lib.customs import declaration as declaration_lib
from ..returns_lib.customs import relief as relief_lib
from ..returns_lib.customs import wco
from .return_input_guard import flow_writes

DECLARATION_KINDS = [
    (declaration_lib.IMPORT_RELIEF, "Import with Returned Goods Relief"),
    (declaration_lib.IMPORT, "Import"),
    (declaration_lib.EXPORT, "Export (return to vendor)"),
]
DECLARATION_STATES = [
    ("draft", "Draft"),
    ("checked", "Checked"),
    ("submitted", "Submitted"),
    ("accepted", "Accepted"),
    ("control", "Under Control"),
    ("released", "Released"),
    ("cleared", "Cleared"),
    ("rejected", "Rejected"),
    ("cancelled", "Cancelled"),
]
# Where the message may still change: a checked declaration goes back to draft when it does.
EDITABLE_STATES = ("draft", "checked")
DECLARATION_CATEGORIES = [
    ("IM", "IM: import"),
    ("EX", "EX: export"),
    ("CO", "CO: goods moving with special fiscal territories"),
]
ADDITIONAL_DECLARATION_TYPES = [
    ("A", "A: standard, lodged at the frontier"),
    ("B", "B: simplified, occasional"),
    ("C", "C: simplified, regular use (authorised)"),
    ("D", "D: standard, pre-lodged"),
    ("E", "E: simplified, pre-lodged occasional"),
    ("F", "F: simplified, pre-lodged regular use"),
]
TRANSPORT_MODES = [
    ("1", "Sea"),
    ("2", "Rail"),
    ("3", "Road"),
    ("4", "Air"),
    ("5", "Post"),
    ("7", "Fixed installation"),
    ("8", "Inland waterway"),
]
PAYMENT_METHODS = [
    ("A", "A: cash"),
    ("E", "E: deferment account"),
    ("H", "H: electronic transfer"),
    ("M", "M: security deposit"),
    ("N", "N: other"),
    ("R", "R: guarantee"),
]
# Fields of the declaration that are not part of its message: writing them keeps the check valid.
MESSAGE_NEUTRAL_FIELDS = frozenset({
    "state", "check_result", "xml_attachment_id", "xml_sha256", "gateway_id", "submission_pending",
    "submission_attempts", "next_attempt_at", "submitted_at", "conversation_id", "last_notification_sequence",
    "exchange_ids", "notification_ids", "tax_assessment_ids", "superseded_by_id", "relief_decision", "cost_bill_id",
    "activity_ids", "message_follower_ids", "message_ids", "message_main_attachment_id",
})


class CustomsDeclaration(models.Model):
    _name = "customs.declaration"
    _description = "Customs Declaration"
    _inherit = ["mail.thread", "mail.activity.mixin", "return.input.guard"]
    _order = "id desc"
    _rec_name = "lrn"
    _check_company_auto = True
    # What customs and the gateway answered, and where the declaration is: the flows'
    # (return_input_guard.py). Parties, office, transport and goods stay editable while in draft.
    _flow_readonly_fields = True
    _flow_fields = ("state",)

    lrn = fields.Char(
        "LRN", required=True, readonly=True, copy=False, index=True, default=lambda self: self.env._("New"),
        help="Local reference number: the declarant's own reference, unique and the same across retries. "
        "A corrected declaration gets a new one.",
    )
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    return_order_id = fields.Many2one("return.order", "Return", index="btree_not_null", check_company=True,
                                      tracking=True)
    warehouse_id = fields.Many2one("stock.warehouse", check_company=True,
                                   help="Where the goods are declared: its customs office, EORI and representative.")
    kind = fields.Selection(
        DECLARATION_KINDS, required=True, tracking=True, compute="_compute_kind", store=True, readonly=False,
        precompute=True, help="An import claims relief when one of its goods items does.",
    )
    category = fields.Selection(
        DECLARATION_CATEGORIES, "Declaration Category", required=True, default="IM",
        help="DE 1/1: IM import, EX export, CO trade with special fiscal territories of the customs union.",
    )
    additional_declaration_type = fields.Selection(
        ADDITIONAL_DECLARATION_TYPES, "Declaration Type", required=True, default="A",
        help="DE 1/2: A standard at the frontier by default; D pre-lodged; B, C, E, F simplified declarations "
        "(C and F need an authorisation).",
    )
    state = fields.Selection(DECLARATION_STATES, default="draft", required=True, tracking=True, index=True, copy=False)
    mrn = fields.Char(
        "MRN", readonly=True, copy=False, tracking=True, help="Movement reference number given by customs."
    )
    territory_code = fields.Char(
        "Customs Territory", help="Customs territory the declaration is lodged in (EU, GB, XI...): its tariff and "
        "its relief rules apply."
    )
    customs_office_code = fields.Char("Customs Office", help="Office of lodgement (DE 5/12 or 5/13), e.g. ES004641.")
    supervising_office_code = fields.Char("Supervising Office", help="DE 5/27, where the procedure needs one.")
    declarant_id = fields.Many2one("res.partner", required=True)
    company_eori = fields.Char(
        "Company EORI", help="EORI of the company on this declaration: the warehouse's (an XI number in Northern "
        "Ireland) or the company's.",
    )
    importer_id = fields.Many2one("res.partner")
    exporter_id = fields.Many2one("res.partner")
    representative_id = fields.Many2one("res.partner")
    representative_status = fields.Selection(
        [("2", "Direct"), ("3", "Indirect")], help="DE 3/21: how the representative acts."
    )
    incoterm_id = fields.Many2one("account.incoterms")
    incoterm_location = fields.Char()
    transport_mode = fields.Selection(TRANSPORT_MODES, "Transport at the Border", default="3", required=True)
    currency_id = fields.Many2one("res.currency", required=True, default=lambda self: self.env.company.currency_id)
    invoice_amount = fields.Monetary(compute="_compute_totals", store=True)
    duty_estimate = fields.Monetary("Estimated Duty", compute="_compute_totals", store=True)
    vat_estimate = fields.Monetary("Estimated Import VAT", compute="_compute_totals", store=True)
    export_country_id = fields.Many2one("res.country", "Dispatched From")
    destination_country_id = fields.Many2one("res.country", "Destination")
    # The items' relief facts, shown (and set) for all items at once where they agree.
    export_mrn = fields.Char(
        "Export Declaration MRN", compute="_compute_relief_summary", inverse="_inverse_export_mrn",
        help="MRN of the declaration the goods left with, when all items left with the same one.",
    )
    export_date = fields.Date("Exported On", compute="_compute_relief_summary", inverse="_inverse_export_date")
    goods_unaltered = fields.Boolean(
        compute="_compute_relief_summary", inverse="_inverse_goods_unaltered",
        help="All goods come back in the state they left in.",
    )
    entry_summary_mrn = fields.Char("Entry Summary MRN", help="MRN of the entry summary declaration, where known "
                                    "(previous document 355).")
    relief_decision = fields.Text(compute="_compute_relief_decision", store=True)
    guarantee_reference = fields.Char(help="Guarantee reference (DE 8/3), where the procedure needs a guarantee.")
    deferment_account = fields.Char(
        help="Deferred payment (DE 2/6): the deferment approval number duties are charged to."
    )
    payment_method_code = fields.Selection(PAYMENT_METHODS, "Method of Payment", help="DE 4/8.")
    authorisation_ids = fields.One2many("customs.declaration.authorisation", "declaration_id", "Authorisations",
                                        copy=True)
    statement_ids = fields.One2many("customs.declaration.statement", "declaration_id", "Additional Information",
                                    domain=[("line_id", "=", False)], copy=True)
    supporting_document_ids = fields.One2many("customs.declaration.document", "declaration_id", "Documents",
                                              domain=[("line_id", "=", False)], copy=True)
    line_ids = fields.One2many("customs.declaration.line", "declaration_id", "Goods Items", copy=True)
    check_result = fields.Text("Problems", readonly=True, copy=False)
    xml_attachment_id = fields.Many2one("ir.attachment", "Declaration Message", readonly=True, copy=False)
    xml_sha256 = fields.Char("Message SHA-256", readonly=True, copy=False)
    replaces_declaration_id = fields.Many2one(
        "customs.declaration", "Corrects", readonly=True, copy=False, index="btree_not_null",
        help="The rejected declaration this one corrects, under a new LRN.",
    )
    superseded_by_id = fields.Many2one("customs.declaration", "Corrected By", readonly=True, copy=False)
    tax_assessment_ids = fields.One2many("customs.declaration.tax", "declaration_id", "Taxes Assessed", readonly=True)
    duty_assessed = fields.Monetary(compute="_compute_assessed", store=True)
    vat_assessed = fields.Monetary("Import VAT Assessed", compute="_compute_assessed", store=True)

    _sql_constraints = [("lrn_uniq", "unique(lrn)", "The LRN of a customs declaration must be unique.")]

    # ------------------------------------------------------------------
    # Computations
    # ------------------------------------------------------------------
    @api.depends("line_ids.customs_value", "line_ids.duty_estimate", "line_ids.vat_estimate")
    def _compute_totals(self):
        for declaration in self:
            declaration.invoice_amount = sum(declaration.line_ids.mapped("customs_value"))
            declaration.duty_estimate = sum(declaration.line_ids.mapped("duty_estimate"))
            declaration.vat_estimate = sum(declaration.line_ids.mapped("vat_estimate"))

    @api.depends("line_ids.procedure_code")
    def _compute_kind(self):
        for declaration in self:
            if declaration.kind == declaration_lib.EXPORT:
                continue
            relief = any((code or "").startswith("61") for code in declaration.line_ids.mapped("procedure_code"))
            declaration.kind = declaration_lib.IMPORT_RELIEF if relief else declaration_lib.IMPORT

    @api.depends("tax_assessment_ids.amount", "tax_assessment_ids.tax_kind")
    def _compute_assessed(self):
        for declaration in self:
            taxes = declaration.tax_assessment_ids
            declaration.duty_assessed = sum(taxes.filtered(lambda t: t.tax_kind == "duty").mapped("amount"))
            declaration.vat_assessed = sum(taxes.filtered(lambda t: t.tax_kind == "vat").mapped("amount"))

    @api.depends("line_ids.export_mrn", "line_ids.export_date", "line_ids.goods_unaltered")
    def _compute_relief_summary(self):
        for declaration in self:
            lines = declaration.line_ids
            mrns = set(lines.mapped("export_mrn"))
            dates = set(lines.mapped("export_date"))
            declaration.export_mrn = mrns.pop() if len(mrns) == 1 else False
            declaration.export_date = dates.pop() if len(dates) == 1 else False
            declaration.goods_unaltered = bool(lines) and all(lines.mapped("goods_unaltered"))

    def _inverse_export_mrn(self):
        for declaration in self:
            declaration.line_ids.write({"export_mrn": declaration.export_mrn})

    def _inverse_export_date(self):
        for declaration in self:
            declaration.line_ids.write({"export_date": declaration.export_date})

    def _inverse_goods_unaltered(self):
        for declaration in self:
            declaration.line_ids.write({"goods_unaltered": declaration.goods_unaltered})

    @api.depends("line_ids.relief_note", "line_ids.sequence")
    def _compute_relief_decision(self):
        for declaration in self:
            notes = [
                self.env._("Item %(item)s (%(name)s): %(note)s", item=index, name=line.name, note=line.relief_note)
                for index, line in enumerate(declaration.line_ids, start=1) if line.relief_note
            ]
            declaration.relief_decision = "\n".join(notes) or False

    def _company_party_eori(self):
        """The EORI the company declares with here: the declaration's, else the company's."""
        self.ensure_one()
        return self.company_eori or self.company_id.customs_eori or ""

    def _describe_relief(self, decision):
        """The decision's reasons as sentences; the first says what is claimed, if anything."""
        labels = {
            relief_lib.RELIEF_APPLIES: self.env._(
                "%(procedure)s %(codes)s: exported on %(exported_on)s under MRN %(mrn)s."
            ),
            relief_lib.NO_EXPORT_RECORD: self.env._("No export of these goods was found: no relief."),
            relief_lib.EXPORTED_FROM_OTHER_TERRITORY: self.env._(
                "The goods left from %(exported_from)s, not from %(import_into)s: no relief."
            ),
            relief_lib.PERIOD_EXCEEDED: self.env._(
                "Exported on %(exported_on)s: relief ended on %(deadline)s (%(years)s years)."
            ),
            relief_lib.PERIOD_EXCEEDED_SPECIAL_CIRCUMSTANCES: self.env._(
                "Exported on %(exported_on)s, more than %(years)s years ago: claimed under special circumstances "
                "(explain them in the additional information)."
            ),
            relief_lib.NO_EXPORT_MRN: self.env._("The MRN of the export declaration is not known: no relief."),
            relief_lib.MRN_INVALID: self.env._("Export MRN %(mrn)s is not a valid MRN: no relief."),
            relief_lib.PREVIOUS_PROCEDURE_NOT_ELIGIBLE: self.env._(
                "The goods left under procedure %(procedure)s, which gives no right to relief."
            ),
            relief_lib.NOT_REEXPORTED_AFTER_INWARD_PROCESSING: self.env._(
                "Processed products come back under relief only after a re-export (31), not after %(procedure)s."
            ),
            relief_lib.REIMPORT_BEFORE_EXPORT: self.env._("The export date %(exported_on)s is after today."),
            relief_lib.REPAIR_NOT_COVERED: self.env._(
                "Goods repaired after leaving under %(procedure)s come back under outward processing, not this relief."
            ),
            relief_lib.GOODS_ALTERED: self.env._("The goods do not come back unaltered: no relief."),
            relief_lib.ADDITIONAL_CODE_NOT_PERMITTED: self.env._(
                "Procedure %(procedure)s does not permit %(codes)s: no relief claimed."
            ),
            relief_lib.VAT_RELIEF_NOT_DUE: self.env._("Relief from duty only: import VAT is due."),
            relief_lib.INWARD_PROCESSING_DUTY_DUE: self.env._(
                "Duty on the inward-processing content is due."
            ),
        }
        extra = {"procedure": decision.procedure_code, "codes": " ".join(decision.additional_procedure_codes)}
        sentences = []
        for code, params in decision.reasons:
            template = labels.get(code)
            values = {**params, **extra} if code == relief_lib.RELIEF_APPLIES else {**extra, **params}
            try:
                sentences.append(template % values if template else code.replace("_", " "))
            except (KeyError, TypeError, ValueError):
                sentences.append(code.replace("_", " "))
        return " ".join(sentences)

    # ------------------------------------------------------------------
    # Create and change
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        self = self._prepare_guarded_create(vals_list)
        vals_list = [dict(vals) for vals in vals_list]  # the caller's values stay as they were
        for vals in vals_list:
            if vals.get("lrn", self.env._("New")) == self.env._("New"):
                company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
                vals["lrn"] = self.env["ir.sequence"].with_company(company).next_by_code("customs.declaration")
        return super().create(vals_list)

    def write(self, vals):
        if set(vals) - MESSAGE_NEUTRAL_FIELDS:
            self._message_data_changed()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_known_to_customs(self):
        """What customs received stays on record: a submitted declaration is cancelled, never deleted."""
        known = self.filtered(lambda d: d.state not in EDITABLE_STATES + ("cancelled",))
        if known:
            raise UserError(self.env._(
                "Declaration %s was lodged with customs: cancel it instead of deleting it, its history stays.",
                known[0].lrn))

    def _message_data_changed(self):
        """What the message is built from changes: refused once customs have it, a check to redo before."""
        if self._in_flow_action():
            return
        frozen = self.filtered(lambda d: d.state not in EDITABLE_STATES)
        if frozen:
            raise UserError(self.env._(
                "Declaration %(lrn)s is %(state)s: it cannot change any more. After a rejection, use "
                "Correct and Resubmit: the correction gets a new LRN.",
                lrn=frozen[0].lrn, state=dict(self._fields["state"]._description_selection(self.env))[frozen[0].state],
            ))
        sent = self.filtered("submission_attempts")
        if sent:
            # The gateway may hold the message already (a timeout hides whether it arrived): under this LRN
            # only the same message may ever be sent again.
            raise UserError(self.env._(
                "Declaration %s was sent to the customs gateway already: its message cannot change under this "
                "LRN. Let the submission finish (rejected declarations are corrected under a new LRN) or cancel it.",
                sent[0].lrn,
            ))
        self.filtered(lambda d: d.state == "checked")._back_to_draft(
            self.env._("Changed after the check: check it again before building the message.")
        )

    def _back_to_draft(self, reason):
        """A checked declaration whose data changed: its message is gone and it must be checked again."""
        if not self:
            return
        self._flow_write({"state": "draft", "xml_attachment_id": False, "xml_sha256": False,
                          "check_result": reason})
        for declaration in self:
            declaration.message_post(body=reason, subtype_xmlid="mail.mt_note")

    @api.model
    def _parties_changed(self, partners=None, companies=None):
        """Partners or companies changed what checked declarations would say: check them again."""
        # Declarations sent already keep the message the gateway may hold.
        domain = [("state", "=", "checked"), ("submission_attempts", "=", 0)]
        alternatives = []
        if partners:
            commercial = partners.commercial_partner_id | partners
            alternatives += [[(name, "in", commercial.ids)] for name in
                             ("declarant_id", "importer_id", "exporter_id", "representative_id")]
            alternatives.append([("company_id.partner_id", "in", commercial.ids)])
        if companies:
            alternatives.append([("company_id", "in", companies.ids)])
        if not alternatives:
            return
        # sudo: whoever edits a partner may not see the declarations naming it; they must still be checked again.
        declarations = self.sudo().search(expression.AND([domain, expression.OR(alternatives)]))
        with flow_writes():
            declarations._back_to_draft(self.env._(
                "A party or the company changed after the check: check it again."
            ))

    # ------------------------------------------------------------------
    # Checks and message
    # ------------------------------------------------------------------
    def _party_values(self, partner, eori=None):
        commercial = partner.commercial_partner_id
        return declaration_lib.Party(
            name=commercial.name or partner.name or "",
            eori=eori if eori is not None else (commercial.customs_eori or None),
            street=partner.street or None,
            city=partner.city or None,
            zip_code=partner.zip or None,
            country_code=partner.country_id.code or None,
            vat=commercial.vat or None,
        )

    def _party(self, partner):
        """A party of the message; the company is declared with the EORI of this declaration."""
        if not partner:
            return None
        if partner.commercial_partner_id == self.company_id.partner_id:
            return self._party_values(partner, eori=self._company_party_eori().strip().upper() or None)
        return self._party_values(partner)

    @staticmethod
    def _decimal(value):
        return declaration_lib.Decimal(str(round(value or 0.0, 6)))

    def _document_values(self, documents):
        return tuple(
            declaration_lib.Document(doc.category_code.strip().upper(), doc.type_code.strip().upper(),
                                     doc.reference.strip(), doc.line_number or None)
            for doc in documents
        )

    def _statement_values(self, statements):
        return tuple(declaration_lib.Statement(code=s.code.strip().upper(), text=(s.text or "").strip())
                     for s in statements)

    def _line_previous_documents(self, line):
        """The item's export declaration (and entry summary) as previous documents, when it claims relief."""
        if not (line.procedure_code or "").startswith("61"):
            return ()
        return tuple(line._decide_relief().previous_documents) or (
            (declaration_lib.Document("Z", relief_lib.EXPORT_DECLARATION_DOCUMENT_TYPE,
                                      (line.export_mrn or "").strip().upper(), line.export_item_number or None),)
            if line.export_mrn else ()
        )

    def _to_declaration(self):
        """The plain declaration the pure package checks and turns into XML."""
        self.ensure_one()
        dec = self._decimal
        header_previous = ()
        if self.entry_summary_mrn:
            header_previous = (declaration_lib.Document("Z", "355", self.entry_summary_mrn.strip().upper()),)
        documents = self.supporting_document_ids
        return declaration_lib.Declaration(
            lrn=self.lrn,
            kind=self.kind,
            category=self.category or ("EX" if self.kind == declaration_lib.EXPORT else "IM"),
            additional_declaration_type=self.additional_declaration_type or "A",
            declarant=self._party(self.declarant_id),
            importer=self._party(self.importer_id),
            exporter=self._party(self.exporter_id),
            representative=self._party(self.representative_id),
            representative_status=self.representative_status or None,
            customs_office=(self.customs_office_code or "").strip().upper(),
            supervising_office=(self.supervising_office_code or "").strip().upper() or None,
            currency=self.currency_id.name,
            invoice_amount=dec(self.invoice_amount),
            incoterm=self.incoterm_id.code or None,
            incoterm_location=self.incoterm_location or None,
            border_transport_mode=self.transport_mode,
            export_country_code=self.export_country_id.code or None,
            destination_country_code=self.destination_country_id.code or None,
            previous_documents=header_previous + self._document_values(
                documents.filtered(lambda d: d.category_code.strip().upper() == "Z")),
            supporting_documents=self._document_values(
                documents.filtered(lambda d: d.category_code.strip().upper() != "Z")),
            authorisations=tuple(
                declaration_lib.Authorisation(type_code=a.type_code.strip().upper(), reference=a.reference.strip(),
                                              holder_eori=a.holder_eori.strip().upper())
                for a in self.authorisation_ids
            ),
            additional_information=self._statement_values(self.statement_ids),
            guarantee=declaration_lib.Guarantee(reference=self.guarantee_reference.strip())
            if (self.guarantee_reference or "").strip() else None,
            deferment_account=(self.deferment_account or "").strip() or None,
            lines=tuple(self._line_values(index, line) for index, line in enumerate(self.line_ids, start=1)),
        )

    def _line_values(self, index, line):
        dec = self._decimal
        item_documents = line.document_ids
        return declaration_lib.DeclarationLine(
            sequence=index,
            hs_code=(line.hs_code or "").strip(),
            description=line.name or "",
            origin_country_code=line.origin_country_id.code or "",
            quantity=dec(line.quantity),
            net_mass_kg=dec(line.net_mass),
            gross_mass_kg=dec(line.gross_mass),
            statistical_value=dec(line.statistical_value),
            customs_value=dec(line.customs_value),
            procedure_code=(line.procedure_code or "").strip(),
            additional_procedure_codes=tuple(line._additional_codes()),
            supplementary_units=dec(line.supplementary_units) if line.supplementary_units else None,
            preference_code=line.preference_code or "100",
            duty_rate_percent=dec(line.duty_rate),
            vat_rate_percent=dec(line.vat_rate),
            packages=tuple(
                declaration_lib.Package(type_code=p.type_code.strip().upper(), count=p.count,
                                        marks=(p.marks or "").strip())
                for p in line.package_ids
            ),
            payment_method=self.payment_method_code or None,
            previous_documents=self._line_previous_documents(line) + self._document_values(
                item_documents.filtered(lambda d: d.category_code.strip().upper() == "Z")),
            additional_documents=self._document_values(
                item_documents.filtered(lambda d: d.category_code.strip().upper() != "Z")),
            additional_information=self._statement_values(line.statement_ids),
        )

    # The pure checks name fields by key; users read the labels of the form.
    _PROBLEM_FIELDS = {
        "lrn": ("customs.declaration", "lrn"),
        "customs_office": ("customs.declaration", "customs_office_code"),
        "supervising_office": ("customs.declaration", "supervising_office_code"),
        "currency": ("customs.declaration", "currency_id"),
        "invoice_amount": ("customs.declaration", "invoice_amount"),
        "category": ("customs.declaration", "category"),
        "additional_declaration_type": ("customs.declaration", "additional_declaration_type"),
        "representative_status": ("customs.declaration", "representative_status"),
        "guarantee_reference": ("customs.declaration", "guarantee_reference"),
        "deferment_account": ("customs.declaration", "deferment_account"),
        "payment_method_code": ("customs.declaration", "payment_method_code"),
        "authorisations": ("customs.declaration", "authorisation_ids"),
        "lines": ("customs.declaration", "line_ids"),
        "previous_documents": ("customs.declaration.line", "export_mrn"),
        "supporting_documents": ("customs.declaration", "supporting_document_ids"),
        "additional_information": ("customs.declaration", "statement_ids"),
        "hs_code": ("customs.declaration.line", "hs_code"),
        "description": ("customs.declaration.line", "name"),
        "origin_country_code": ("customs.declaration.line", "origin_country_id"),
        "quantity": ("customs.declaration.line", "quantity"),
        "net_mass_kg": ("customs.declaration.line", "net_mass"),
        "gross_mass_kg": ("customs.declaration.line", "gross_mass"),
        "statistical_value": ("customs.declaration.line", "statistical_value"),
        "customs_value": ("customs.declaration.line", "customs_value"),
        "procedure_code": ("customs.declaration.line", "procedure_code"),
        "additional_procedure_codes": ("customs.declaration.line", "additional_procedure_codes"),
        "preference_code": ("customs.declaration.line", "preference_code"),
        "packages": ("customs.declaration.line", "package_ids"),
        "export_mrn": ("customs.declaration.line", "export_mrn"),
    }
    _PROBLEM_ROLES = {
        "declarant": ("customs.declaration", "declarant_id"),
        "importer": ("customs.declaration", "importer_id"),
        "exporter": ("customs.declaration", "exporter_id"),
        "representative": ("customs.declaration", "representative_id"),
    }

    def _problem_label(self, key):
        """The form's label of a problem's field key ("hs_code", "declarant.eori"...)."""
        if not key:
            return ""
        role, _dot, rest = key.partition(".")
        if rest and role in self._PROBLEM_ROLES:
            model, name = self._PROBLEM_ROLES[role]
            role_label = self.env[model]._fields[name]._description_string(self.env)
            detail = {"eori": self.env._("EORI"), "vat": self.env._("VAT"),
                      "country_code": self.env._("Country")}.get(rest.split(".")[0], rest.replace("_", " "))
            return f"{role_label} {detail}"
        base = key.split(".")[-1].split("[")[0]
        model, name = self._PROBLEM_FIELDS.get(base, (None, None))
        if model:
            return self.env[model]._fields[name]._description_string(self.env)
        if key in self._PROBLEM_ROLES:
            model, name = self._PROBLEM_ROLES[key]
            return self.env[model]._fields[name]._description_string(self.env)
        return base.replace("_", " ").capitalize()

    def _problem_messages(self, problems):
        """One readable line per problem: the item (with its description), the field's label, what is wrong."""
        items = dict(enumerate(self.line_ids, start=1))
        labels = {
            "eori_missing": self.env._("the EORI number is missing."),
            "eori_format": self.env._("EORI %(eori)s is not in the format of its country."),
            "eori_check_digits": self.env._("the check digits of EORI %(eori)s are wrong."),
            "vat_invalid": self.env._("VAT number %(vat)s is not valid."),
            "hs_format": self.env._("HS code %(hs_code)s must have 8 or 10 digits."),
            "hs_unknown": self.env._("HS code %(hs_code)s is not in the tariff."),
            "customs_office_missing": self.env._("enter the office code, e.g. ES004641."),
            "customs_office_format": self.env._(
                "%(office)s is not an office code: 8 characters, a country code and 6 more (e.g. ES004641)."
            ),
            "mrn_length": self.env._("MRN %(mrn)s has %(length)s characters, an MRN has 18."),
            "mrn_format": self.env._("MRN %(mrn)s is not in the MRN format (year, country, 12 letters or digits, "
                                     "procedure, check digit)."),
            "mrn_check_digit": self.env._("MRN %(mrn)s is mistyped: its check digit does not match."),
            "additional_not_permitted": self.env._(
                "procedure %(procedure)s does not permit additional code %(code)s (permitted: %(permitted)s)."
            ),
            "additional_plain_with_other": self.env._("000 means no other code applies: it cannot stand beside "
                                                      "%(codes)s."),
            "procedure_not_in_matrix": self.env._("procedure %(procedure)s is not one a return can use."),
        }
        messages = []
        for problem in problems:
            params = dict(problem.params)
            item = getattr(problem, "item", None) or params.get("item")
            field_key = getattr(problem, "field", "") or problem.path
            template = labels.get(problem.code)
            try:
                text = template % params if template else (problem.message or problem.code)
            except (KeyError, TypeError, ValueError):
                text = problem.message or problem.code
            if item:
                text = re.sub(r"^Item \d+: ", "", text)
            label = self._problem_label(field_key)
            where = label
            if item and item in items:
                where = self.env._("Item %(item)s (%(name)s), %(field)s", item=item, name=items[item].name,
                                   field=label) if label else self.env._("Item %(item)s (%(name)s)", item=item,
                                                                        name=items[item].name)
            messages.append(f"{where}: {text}" if where else text)
        return messages

    def _relief_problems(self, reimport_date=None):
        """Relief claims an item's own facts do not support, decided again with today's date.

        Where relief is due, the broker may choose any additional code the matrix permits (special
        circumstances are theirs to state); refused are a claim where no relief is due, a previous
        procedure other than the one the goods left under, and VAT relief (F05) where only duty relief is due.
        """
        messages = []
        for index, line in enumerate(self.line_ids, start=1):
            claimed_codes = line._additional_codes()
            claims_relief = (line.procedure_code or "").startswith(relief_lib.RELIEF_REQUESTED_PROCEDURE) or any(
                code.startswith("F") for code in claimed_codes)
            if not claims_relief or self.kind == declaration_lib.EXPORT:
                continue
            decision = line._decide_relief(reimport_date)
            where = self.env._("Item %(item)s (%(name)s)", item=index, name=line.name)
            if not decision.applies:
                messages.append(self.env._("%(where)s: relief is claimed but not due: %(why)s",
                                           where=where, why=self._describe_relief(decision)))
            elif line.procedure_code != decision.procedure_code:
                messages.append(self.env._(
                    "%(where)s: the goods left under procedure %(previous)s: declare %(procedure)s, not %(claimed)s.",
                    where=where, previous=decision.procedure_code[2:], procedure=decision.procedure_code,
                    claimed=line.procedure_code,
                ))
            elif relief_lib.RGR_DUTY_AND_VAT in claimed_codes and not decision.vat_relief:
                messages.append(self.env._(
                    "%(where)s: F05 relieves import VAT only for goods re-imported in the same state by whoever "
                    "exported them; these goods qualify for %(codes)s (relief from duty only).",
                    where=where, codes=" ".join(decision.additional_procedure_codes),
                ))
        return messages

    def _declared_in_northern_ireland(self):
        """Northern Ireland is in the EU's territory for goods (the territory rules say so), yet part of the UK."""
        place = self.warehouse_id.partner_id or self.company_id.partner_id
        return (self.territory_code or "").upper() == "EU" and place.country_id.code == "GB"

    def _territory_problems(self):
        """Goods declared in Northern Ireland are declared with XI EORI numbers (Windsor Framework)."""
        if self.kind == declaration_lib.EXPORT or not self._declared_in_northern_ireland():
            return []
        eori = self._company_party_eori().strip().upper()
        if eori and not eori.startswith("XI"):
            return [self.env._(
                "Company EORI: %(eori)s is not an XI number; goods declared in Northern Ireland need the "
                "company's XI EORI (set it on the warehouse).", eori=eori)]
        return []

    @api.model
    def _check_reference_codes(self):
        """The country and currency codes the checks accept, read once per action for all its declarations."""
        Currency = self.env["res.currency"].with_context(active_test=False)
        return {
            "countries": set(self.env["res.country"].search([("code", "!=", False)]).mapped("code")),
            "currencies": set(Currency.search([("name", "!=", False)]).mapped("name")),
        }

    def _check_values(self, reference=None):
        """Every problem of the declaration, as sentences; empty when it may be submitted."""
        self.ensure_one()
        reference = reference or self._check_reference_codes()
        countries, currencies = reference["countries"], reference["currencies"]
        tariffs = self.env["customs.tariff.code"].search([("territory_code", "=", self.territory_code or "")])
        problems = declaration_lib.check_declaration(
            self._to_declaration(),
            countries=countries,
            currencies=currencies,
            tariff_codes=set(tariffs.mapped("code")) if tariffs else None,
        )
        messages = self._problem_messages(problems) + self._relief_problems() + self._territory_problems()
        if not messages and self.company_id.customs_live_eori_check:
            messages += self._check_eori_online()
        if not messages and self.company_id.customs_live_vat_check:
            messages += self._check_vat_online()
        if not messages and self.company_id.customs_schema_folder:
            xml = wco.build_declaration_xml(self._to_declaration())
            try:
                schema_errors = wco.validate_declaration_xml(xml, self.company_id.customs_schema_folder)
            except wco.SchemaSetNotFound as error:
                schema_errors = [str(error)]
            messages += [self.env._("Schema: %s", error) for error in schema_errors]
        return messages

    def _record_check(self, messages):
        """Keep the outcome of a check: checked when nothing is wrong, else draft with one line per problem."""
        self._flow_write({
            "check_result": "\n".join(messages) or False,
            "state": "draft" if messages else "checked",
            **({"xml_attachment_id": False, "xml_sha256": False} if messages else {}),
        })
        if messages:
            self.message_post(
                body=Markup("<p>%s</p><ul>%s</ul>") % (
                    self.env._("Check found %(count)s problem(s):", count=len(messages)),
                    Markup("").join(Markup("<li>%s</li>") % message for message in messages),
                ),
                subtype_xmlid="mail.mt_note",
            )

    def action_check(self):
        """Check every declaration and list all problems at once; those without any become Checked."""
        reference = self._check_reference_codes()
        for declaration in self:
            if declaration.state not in EDITABLE_STATES:
                raise UserError(self.env._(
                    "Declaration %s is with customs already; after a rejection use Correct and Resubmit.",
                    declaration.lrn))
            if declaration.submission_attempts:
                raise UserError(self.env._(
                    "Declaration %s was sent to the customs gateway already: its message is final under this LRN.",
                    declaration.lrn))
            declaration._record_check(declaration._check_values(reference))
        return True

    def _recheck_before_use(self):
        """Build and Submit run the checks again: partners, the company or the rules may have changed since."""
        failed = self.browse()
        reference = self._check_reference_codes() if self else None
        for declaration in self:
            messages = declaration._check_values(reference)
            if messages:
                declaration._record_check(messages)
                failed |= declaration
        return failed

    def _problems_notification(self, failed):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning",
                "sticky": True,
                "title": self.env._("Check again"),
                "message": self.env._("%(lrns)s changed since the check and has problems: it is back in draft, "
                                      "see Problems.", lrns=", ".join(failed.mapped("lrn"))),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _build_message(self):
        """The DEC-DMS message of each declaration, kept as an attachment with its SHA-256."""
        for declaration in self:
            xml = wco.build_declaration_xml(declaration._to_declaration())
            attachment = self.env["ir.attachment"].create({
                "name": f"{declaration.lrn}.xml",
                "mimetype": "application/xml",
                "datas": base64.b64encode(xml),
                "res_model": declaration._name,
                "res_id": declaration.id,
            })
            declaration._flow_write({"xml_attachment_id": attachment.id, "xml_sha256": hashlib.sha256(xml).hexdigest()})

    def action_generate_xml(self):
        """Build the DEC-DMS message of checked declarations, after checking them again."""
        for declaration in self:
            if declaration.state != "checked":
                raise UserError(self.env._("Check declaration %s first: only checked declarations get a message.",
                                           declaration.lrn))
        failed = self._recheck_before_use()
        (self - failed)._build_message()
        return self._problems_notification(failed) if failed else True

    # ------------------------------------------------------------------
    # Documents
    # ------------------------------------------------------------------
    def action_print_proforma(self):
        # data={}: the action then carries no None, which XML-RPC cannot marshal.
        return self.env.ref("reverse_logistics.action_report_customs_proforma").report_action(self, data={})

    def action_print_inf3(self):
        return self.env.ref("reverse_logistics.action_report_customs_inf3").report_action(self, data={})

    def action_print_commercial_invoice(self):
        return self.env.ref("reverse_logistics.action_report_customs_commercial_invoice").report_action(self, data={})
