import base64
import hashlib
import logging
import threading
from datetime import timedelta
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..returns_lib.customs import declaration as declaration_lib
from ..returns_lib.customs import eori_service, wco
from ..returns_lib.customs import gateway as gateway_lib
from ..returns_lib.customs import relief as relief_lib

_logger = logging.getLogger(__name__)

# What each DMS notification does to the declaration.
NOTIFICATION_STATES = {
    "accepted": "accepted",
    "rejected": "rejected",
    "control": "control",
    "documents_required": "control",
    "information_requested": "control",
    "released": "released",
    "cleared": "cleared",
    "invalidated": "cancelled",
}
# Declarations with customs, whose notifications are polled.
POLLED_STATES = ("submitted", "accepted", "control", "released")

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
TRANSPORT_MODES = [
    ("1", "Sea"),
    ("2", "Rail"),
    ("3", "Road"),
    ("4", "Air"),
    ("5", "Post"),
    ("7", "Fixed installation"),
    ("8", "Inland waterway"),
]


class CustomsDeclaration(models.Model):
    _name = "customs.declaration"
    _description = "Customs Declaration"
    _inherit = ["mail.thread", "mail.activity.mixin", "return.input.guard"]
    _order = "id desc"
    _rec_name = "lrn"
    _check_company_auto = True
    # What customs and the gateway answered, and where the declaration is: the flows'
    # (return_input_guard.py). Parties, office, transport and goods stay editable.
    _flow_readonly_fields = True
    _flow_fields = ("state",)

    lrn = fields.Char(
        "LRN", required=True, readonly=True, copy=False, index=True, default=lambda self: self.env._("New"),
        help="Local reference number: the declarant's own reference, unique and the same across retries.",
    )
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    return_order_id = fields.Many2one("return.order", "Return", index="btree_not_null", check_company=True,
                                      tracking=True)
    kind = fields.Selection(DECLARATION_KINDS, required=True, tracking=True)
    state = fields.Selection(DECLARATION_STATES, default="draft", required=True, tracking=True, index=True, copy=False)
    mrn = fields.Char(
        "MRN", readonly=True, copy=False, tracking=True, help="Movement reference number given by customs."
    )
    customs_office_code = fields.Char("Customs Office", required=True)
    declarant_id = fields.Many2one("res.partner", required=True)
    importer_id = fields.Many2one("res.partner")
    exporter_id = fields.Many2one("res.partner")
    representative_id = fields.Many2one("res.partner")
    representative_status = fields.Selection([("2", "Direct"), ("3", "Indirect")])
    incoterm_id = fields.Many2one("account.incoterms")
    incoterm_location = fields.Char()
    transport_mode = fields.Selection(TRANSPORT_MODES, "Transport at the Border", default="3", required=True)
    currency_id = fields.Many2one("res.currency", required=True, default=lambda self: self.env.company.currency_id)
    invoice_amount = fields.Monetary(compute="_compute_totals", store=True)
    duty_estimate = fields.Monetary("Estimated Duty", compute="_compute_totals", store=True)
    vat_estimate = fields.Monetary("Estimated Import VAT", compute="_compute_totals", store=True)
    export_country_id = fields.Many2one("res.country", "Dispatched From")
    destination_country_id = fields.Many2one("res.country", "Destination")
    export_mrn = fields.Char(
        "Export Declaration MRN", help="MRN of the declaration the goods left with; quoted when relief is claimed."
    )
    export_date = fields.Date("Exported On")
    goods_unaltered = fields.Boolean(default=True, help="The goods come back in the state they left in.")
    relief_decision = fields.Text(readonly=True)
    supporting_document_ids = fields.One2many("customs.declaration.document", "declaration_id", "Documents")
    line_ids = fields.One2many("customs.declaration.line", "declaration_id", "Goods Items", copy=True)
    check_result = fields.Text("Problems", readonly=True, copy=False)
    xml_attachment_id = fields.Many2one("ir.attachment", "Declaration Message", readonly=True, copy=False)
    xml_sha256 = fields.Char("Message SHA-256", readonly=True, copy=False)
    gateway_id = fields.Many2one("customs.gateway", check_company=True,
                                 default=lambda self: self.env["customs.gateway"]._for_company(self.env.company))
    submission_pending = fields.Boolean(readonly=True, copy=False, index=True,
                                        help="Queued: the scheduled job submits it, retrying with back-off.")
    submission_attempts = fields.Integer(readonly=True, copy=False)
    next_attempt_at = fields.Datetime(readonly=True, copy=False)
    submitted_at = fields.Datetime(readonly=True, copy=False)
    conversation_id = fields.Char(readonly=True, copy=False)
    last_notification_sequence = fields.Integer(readonly=True, copy=False)
    exchange_ids = fields.One2many("customs.exchange", "declaration_id", "Exchanges", readonly=True)
    notification_ids = fields.One2many("customs.declaration.notification", "declaration_id", "Notifications",
                                       readonly=True)

    _sql_constraints = [("lrn_uniq", "unique(lrn)", "The LRN of a customs declaration must be unique.")]

    @api.depends("line_ids.customs_value", "line_ids.duty_estimate", "line_ids.vat_estimate")
    def _compute_totals(self):
        for declaration in self:
            declaration.invoice_amount = sum(declaration.line_ids.mapped("customs_value"))
            declaration.duty_estimate = sum(declaration.line_ids.mapped("duty_estimate"))
            declaration.vat_estimate = sum(declaration.line_ids.mapped("vat_estimate"))

    @api.model_create_multi
    def create(self, vals_list):
        self = self._prepare_guarded_create(vals_list)
        for vals in vals_list:
            if vals.get("lrn", self.env._("New")) == self.env._("New"):
                company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
                vals["lrn"] = self.env["ir.sequence"].with_company(company).next_by_code("customs.declaration")
        return super().create(vals_list)

    # ------------------------------------------------------------------
    # From a return
    # ------------------------------------------------------------------
    @api.model
    def _export_record_for(self, order):
        """How the returned goods left: the original delivery, with its export MRN where one was recorded."""
        deliveries = order.line_ids.origin_move_id.picking_id | order.line_ids.sale_line_id.move_ids.filtered(
            lambda m: m.state == "done" and m.location_dest_id.usage == "customer"
        ).picking_id
        delivery = deliveries.filtered("export_mrn")[:1] or deliveries[:1]
        if not delivery or not delivery.date_done:
            return None, delivery
        territory = order.customs_destination_territory or "EU"
        return (
            relief_lib.ExportRecord(
                territory_code=territory,
                export_date=fields.Date.to_date(delivery.date_done),
                mrn=delivery.export_mrn or None,
                procedure_code=delivery.export_procedure_code or "10",
            ),
            delivery,
        )

    def _describe_relief(self, decision):
        labels = {
            relief_lib.RELIEF_APPLIES: self.env._("Relief applies: exported on %(exported_on)s under MRN %(mrn)s."),
            relief_lib.NO_EXPORT_RECORD: self.env._("No delivery of these goods from this territory was found."),
            relief_lib.EXPORTED_FROM_OTHER_TERRITORY: self.env._(
                "The goods left from %(exported_from)s, not from %(import_into)s."
            ),
            relief_lib.PERIOD_EXCEEDED: self.env._(
                "Exported on %(exported_on)s: relief ended on %(deadline)s (%(years)s years)."
            ),
            relief_lib.NO_EXPORT_MRN: self.env._("The MRN of the export declaration is not recorded on the delivery."),
            relief_lib.PREVIOUS_PROCEDURE_NOT_ELIGIBLE: self.env._(
                "The goods left under procedure %(procedure)s, which gives no right to relief."
            ),
            relief_lib.GOODS_ALTERED: self.env._("The goods do not come back unaltered."),
        }
        return "\n".join(labels[code] % params for code, params in decision.reasons)

    @api.model
    def _prepare_from_return(self, order):
        """Values of the declaration importing ``order``'s goods; override to add national fields."""
        company = order.company_id
        export, delivery = self._export_record_for(order)
        decision = relief_lib.decide_relief(
            order.customs_destination_territory or "EU", fields.Date.context_today(self), export
        )
        kind = declaration_lib.IMPORT_RELIEF if decision.applies else declaration_lib.IMPORT
        tariffs = self.env["customs.tariff.code"]._find_rates(
            order.line_ids.product_id.mapped("hs_code"), order.customs_destination_territory or "EU"
        )
        lines = []
        for sequence, line in enumerate(order.line_ids, start=1):
            product = line.product_id
            tariff = tariffs.get(product.hs_code)
            lines.append(fields.Command.create({
                "sequence": sequence,
                "return_line_id": line.id,
                "product_id": product.id,
                "hs_code": (product.hs_code or "").replace(" ", "").replace(".", ""),
                "name": product.display_name,
                "origin_country_id": product.country_of_origin.id,
                "quantity": line.product_uom_qty,
                "net_mass": product.weight * line.product_uom_qty,
                "gross_mass": product.weight * line.product_uom_qty,
                "customs_value": line.price_subtotal,
                "statistical_value": line.price_subtotal,
                "procedure_code": decision.procedure_code,
                "additional_procedure_codes": ",".join(decision.additional_procedure_codes),
                "duty_rate": tariff.duty_rate if tariff else 0.0,
                "vat_rate": tariff.vat_rate if tariff else 0.0,
            }))
        return {
            "company_id": company.id,
            "return_order_id": order.id,
            "kind": kind,
            "customs_office_code": company.customs_office_code or "",
            "declarant_id": (company.customs_representative_id or company.partner_id).id,
            "representative_id": company.customs_representative_id.id,
            "representative_status": company.customs_representative_id and company.customs_representative_status,
            "importer_id": company.partner_id.id,
            "exporter_id": (order.partner_return_address_id or order.partner_id).id,
            "currency_id": order.currency_id.id,
            "export_country_id": order.country_id.id,
            "destination_country_id": (order.warehouse_id.partner_id.country_id or company.country_id).id,
            "export_mrn": export.mrn if export else False,
            "export_date": export.export_date if export else False,
            "relief_decision": self._describe_relief(decision),
            "line_ids": lines,
        }

    @api.model
    def _prepare_export_to_vendor(self, dispositions, picking, origin_territory):
        """Values of the export declaration of units going back to a foreign vendor.

        The units were released for free circulation when they came back (relief or plain
        import), hence export procedure 10 with previous procedure 40. Values are the
        vendor's prices: that is what the vendor credits.
        """
        first = dispositions[:1]
        company = first.company_id
        vendor = first.partner_id
        lines = []
        for sequence, disposition in enumerate(dispositions, start=1):
            product = disposition.product_id
            seller = product.seller_ids.filtered(lambda s, v=vendor: s.partner_id == v)[:1]
            value = (seller.price if seller else disposition.line_id.price_unit) * disposition.quantity
            lines.append(fields.Command.create({
                "sequence": sequence,
                "return_line_id": disposition.line_id.id,
                "product_id": product.id,
                "hs_code": (product.hs_code or "").replace(" ", "").replace(".", ""),
                "name": " ".join(filter(None, [product.display_name, disposition.lot_id.name])),
                "origin_country_id": product.country_of_origin.id,
                "quantity": disposition.quantity,
                "net_mass": product.weight * disposition.quantity,
                "gross_mass": product.weight * disposition.quantity,
                "customs_value": value,
                "statistical_value": value,
                "procedure_code": "1040",
                "additional_procedure_codes": "000",
            }))
        warehouse_partner = first.warehouse_id.partner_id or company.partner_id
        return {
            "company_id": company.id,
            "return_order_id": first.order_id.id if len(dispositions.order_id) == 1 else False,
            "kind": declaration_lib.EXPORT,
            "customs_office_code": company.customs_office_code or "",
            "declarant_id": (company.customs_representative_id or company.partner_id).id,
            "representative_id": company.customs_representative_id.id,
            "representative_status": company.customs_representative_id and company.customs_representative_status,
            "exporter_id": company.partner_id.id,
            "importer_id": vendor.id,
            "currency_id": company.currency_id.id,
            "export_country_id": warehouse_partner.country_id.id,
            "destination_country_id": vendor.country_id.id,
            "relief_decision": self.env._(
                "Return to vendor %(vendor)s from territory %(territory)s, with transfer %(picking)s.",
                vendor=vendor.display_name, territory=origin_territory, picking=picking.name,
            ),
            "line_ids": lines,
        }

    # ------------------------------------------------------------------
    # Checks and message
    # ------------------------------------------------------------------
    def _party_values(self, partner, eori=None):
        return declaration_lib.Party(
            name=partner.commercial_partner_id.name or partner.name or "",
            eori=eori if eori is not None else (partner.commercial_partner_id.customs_eori or None),
            street=partner.street or None,
            city=partner.city or None,
            zip_code=partner.zip or None,
            country_code=partner.country_id.code or None,
            vat=partner.commercial_partner_id.vat or None,
        )

    def _to_declaration(self):
        """The plain declaration the pure package checks and turns into XML."""
        self.ensure_one()
        company = self.company_id

        def party(partner):
            if not partner:
                return None
            eori = company.customs_eori if partner == company.partner_id else None
            return self._party_values(partner, eori=eori)

        def dec(value):
            return Decimal(str(round(value or 0.0, 6)))

        previous = ()
        if self.kind == declaration_lib.IMPORT_RELIEF and self.export_mrn:
            previous = (declaration_lib.Document("Z", "MRN", self.export_mrn),)
        return declaration_lib.Declaration(
            lrn=self.lrn,
            kind=self.kind,
            declarant=party(self.declarant_id),
            importer=party(self.importer_id),
            exporter=party(self.exporter_id),
            representative=party(self.representative_id),
            representative_status=self.representative_status or None,
            customs_office=(self.customs_office_code or "").strip().upper(),
            currency=self.currency_id.name,
            invoice_amount=dec(self.invoice_amount),
            incoterm=self.incoterm_id.code or None,
            incoterm_location=self.incoterm_location or None,
            border_transport_mode=self.transport_mode,
            export_country_code=self.export_country_id.code or None,
            destination_country_code=self.destination_country_id.code or None,
            previous_documents=previous,
            supporting_documents=tuple(
                declaration_lib.Document(doc.category_code, doc.type_code, doc.reference)
                for doc in self.supporting_document_ids
            ),
            lines=tuple(
                declaration_lib.DeclarationLine(
                    sequence=index,
                    hs_code=line.hs_code or "",
                    description=line.name or "",
                    origin_country_code=line.origin_country_id.code or "",
                    quantity=dec(line.quantity),
                    net_mass_kg=dec(line.net_mass),
                    gross_mass_kg=dec(line.gross_mass),
                    statistical_value=dec(line.statistical_value),
                    customs_value=dec(line.customs_value),
                    procedure_code=line.procedure_code or "",
                    additional_procedure_codes=tuple(line._additional_codes()),
                    supplementary_units=dec(line.supplementary_units) if line.supplementary_units else None,
                    preference_code=line.preference_code or "100",
                    duty_rate_percent=dec(line.duty_rate),
                    vat_rate_percent=dec(line.vat_rate),
                )
                for index, line in enumerate(self.line_ids, start=1)
            ),
        )

    def _problem_messages(self, problems):
        """Sentences for the problems found, each naming the field (and item) at fault."""
        items = dict(enumerate(self.line_ids, start=1))
        labels = {
            "eori_missing": self.env._("%(role)s: EORI number missing."),
            "eori_format": self.env._("%(role)s: EORI %(eori)s is not in the format of its country."),
            "eori_check_digits": self.env._("%(role)s: the check digits of EORI %(eori)s are wrong."),
            "vat_invalid": self.env._("%(role)s: VAT number %(vat)s is not valid."),
            "hs_format": self.env._("Item %(item)s: HS code %(hs_code)s must have 8 or 10 digits."),
            "hs_unknown": self.env._("Item %(item)s: HS code %(hs_code)s is not in the tariff."),
            "customs_office_format": self.env._(
                "Customs office %(office)s: an office code has 8 characters (e.g. ES004641)."
            ),
        }
        messages = []
        for problem in problems:
            params = dict(problem.params)
            if "role" in params:
                params["role"] = params["role"].capitalize()
            if "item" in params and params["item"] in items:
                params["item"] = f"{params['item']} ({items[params['item']].name})"
            template = labels.get(problem.code)
            messages.append(template % params if template else f"{problem.path}: {problem.message}")
        return messages

    def _check_values(self):
        """Every problem of the declaration, as sentences; empty when it may be submitted."""
        self.ensure_one()
        countries = set(self.env["res.country"].search([("code", "!=", False)]).mapped("code"))
        Currency = self.env["res.currency"].with_context(active_test=False)
        currencies = set(Currency.search([("name", "!=", False)]).mapped("name"))
        territory = self.return_order_id.customs_destination_territory or "EU"
        tariffs = self.env["customs.tariff.code"].search([("territory_code", "=", territory)])
        problems = declaration_lib.check_declaration(
            self._to_declaration(),
            countries=countries,
            currencies=currencies,
            tariff_codes=set(tariffs.mapped("code")) if tariffs else None,
        )
        messages = self._problem_messages(problems)
        if not problems and self.company_id.customs_live_eori_check:
            messages += self._check_eori_online()
        if not problems and self.company_id.customs_live_vat_check:
            messages += self._check_vat_online()
        return messages

    def _check_vat_online(self):
        """EU VAT numbers of the parties, checked in VIES; an unreachable VIES is noted, not blocking."""
        from stdnum.eu import vat as eu_vat  # pylint: disable=import-outside-toplevel

        partners = (self.declarant_id | self.importer_id | self.exporter_id | self.representative_id)
        messages = []
        for partner in partners.commercial_partner_id.filtered("vat"):
            number = partner.vat.replace(" ", "").upper()
            if number[:2].lower() not in eu_vat.MEMBER_STATES:
                continue
            try:
                answer = eu_vat.check_vies(number, timeout=10)
            except Exception as error:  # pylint: disable=broad-except
                # zeep, requests and SOAP faults alike mean "VIES unavailable" here.
                self.message_post(
                    body=self.env._(
                        "VIES could not be reached (%(error)s): VAT number %(vat)s was checked offline only.",
                        error=type(error).__name__, vat=number,
                    ),
                    subtype_xmlid="mail.mt_note",
                )
                continue
            if not answer["valid"]:
                messages.append(self.env._("%(partner)s: VAT number %(vat)s is not valid in VIES.",
                                           partner=partner.name, vat=number))
        return messages

    def _check_eori_online(self):
        """Problems with EORI numbers unknown to the EU service; a service outage is noted, not blocking."""
        parties = {
            self.env._("Declarant"): self._party_values(self.declarant_id) if self.declarant_id else None,
            self.env._("Importer"): self._to_declaration().importer,
            self.env._("Representative"): self._to_declaration().representative,
        }
        numbers = {
            role: party.eori.replace(" ", "").upper() for role, party in parties.items() if party and party.eori
        }
        if not numbers:
            return []
        client = eori_service.EoriValidationClient(
            self.company_id.customs_eori_service_url or eori_service.EORI_ENDPOINT, timeout=10
        )
        try:
            results = client.validate(list(numbers.values()))
        except eori_service.EoriServiceUnavailable as error:
            self.message_post(body=str(error), subtype_xmlid="mail.mt_note")
            return []
        return [
            self.env._("%(role)s: EORI %(eori)s is not registered (EU EORI service: %(status)s).",
                       role=role, eori=number, status=results[number].status_text)
            for role, number in numbers.items()
            if number in results and not results[number].valid
        ]

    def action_check(self):
        """Check every declaration and list all problems at once; those without any become Checked."""
        for declaration in self:
            if declaration.state not in ("draft", "checked", "rejected"):
                raise UserError(self.env._("Declaration %s was submitted already.", declaration.lrn))
            messages = declaration._check_values()
            schema_errors = []
            if not messages and declaration.company_id.customs_schema_folder:
                xml = wco.build_declaration_xml(declaration._to_declaration())
                try:
                    schema_errors = wco.validate_declaration_xml(xml, declaration.company_id.customs_schema_folder)
                except wco.SchemaSetNotFound as error:
                    schema_errors = [str(error)]
            messages += [self.env._("Schema: %s", error) for error in schema_errors]
            declaration._flow_write({
                "check_result": "\n".join(messages) or False,
                "state": "draft" if messages else "checked",
            })
            if messages:
                declaration.message_post(
                    body=self.env._("Check found %(count)s problem(s):\n%(problems)s",
                                    count=len(messages), problems="\n".join(messages)),
                    subtype_xmlid="mail.mt_note",
                )
        return True

    def action_generate_xml(self):
        """Build the DEC-DMS message of checked declarations and keep it with its SHA-256."""
        for declaration in self:
            if declaration.state != "checked":
                raise UserError(self.env._("Check declaration %s first: only checked declarations get a message.",
                                           declaration.lrn))
            xml = wco.build_declaration_xml(declaration._to_declaration())
            attachment = self.env["ir.attachment"].create({
                "name": f"{declaration.lrn}.xml",
                "mimetype": "application/xml",
                "datas": base64.b64encode(xml),
                "res_model": declaration._name,
                "res_id": declaration.id,
            })
            declaration._flow_write({"xml_attachment_id": attachment.id, "xml_sha256": hashlib.sha256(xml).hexdigest()})
        return True

    # ------------------------------------------------------------------
    # Documents
    # ------------------------------------------------------------------
    def action_print_proforma(self):
        return self.env.ref("reverse_logistics.action_report_customs_proforma").report_action(self)

    def action_print_inf3(self):
        return self.env.ref("reverse_logistics.action_report_customs_inf3").report_action(self)

    def action_print_commercial_invoice(self):
        return self.env.ref("reverse_logistics.action_report_customs_commercial_invoice").report_action(self)

    # ------------------------------------------------------------------
    # Submission and notifications
    # ------------------------------------------------------------------
    def action_submit(self):
        """Queue checked declarations and submit them now; failures are retried by the scheduled job."""
        for declaration in self:
            if declaration.state != "checked":
                raise UserError(self.env._("Check declaration %s before submitting it.", declaration.lrn))
            if not declaration.gateway_id:
                raise UserError(self.env._("Choose the customs gateway of declaration %s.", declaration.lrn))
        self.filtered(lambda d: not d.xml_attachment_id).action_generate_xml()
        self._flow_write({"submission_pending": True, "next_attempt_at": fields.Datetime.now()})
        for declaration in self:
            declaration._submit_now()
        return True

    def _payload(self):
        self.ensure_one()
        return base64.b64decode(self.xml_attachment_id.datas)

    def _archive_exchange(self, exchange):
        if exchange is not None and (exchange.request or exchange.response):
            self.env["customs.exchange"].sudo().create(self.env["customs.exchange"]._prepare_values(self, exchange))

    def _submit_now(self):
        """One submission attempt. The LRN never changes: a retry after a timeout is safe."""
        self.ensure_one()
        try:
            result = self.gateway_id._get_adapter().submit(self.lrn, self._payload())
        except gateway_lib.GatewayError as error:
            self._archive_exchange(error.exchange)
            attempts = self.submission_attempts + 1
            values = {"submission_attempts": attempts}
            if error.retryable and attempts < (self.gateway_id.max_attempts or 8):
                delay = gateway_lib.backoff_delay(attempts)
                values["next_attempt_at"] = fields.Datetime.now() + timedelta(seconds=delay)
                note = self.env._("Submission attempt %(attempt)s failed: %(error)s Next attempt in %(minutes)s min.",
                                  attempt=attempts, error=error, minutes=round(delay / 60))
            else:
                values["submission_pending"] = False
                note = self.env._("Submission stopped: %(error)s", error=error)
                self.activity_schedule("mail.mail_activity_data_todo", summary=self.env._("Customs submission failed"),
                                       note=note, user_id=self.create_uid.id or self.env.uid)
            self._flow_write(values)
            self.message_post(body=note, subtype_xmlid="mail.mt_note")
            return False
        self._archive_exchange(result.exchange)
        ack = result.value
        self._flow_write({
            "state": "submitted",
            "submission_pending": False,
            "submission_attempts": self.submission_attempts + 1,
            "submitted_at": fields.Datetime.now(),
            "conversation_id": ack.conversation_id,
        })
        self.message_post(
            body=self.env._("Submitted to %(gateway)s (%(status)s).", gateway=self.gateway_id.name, status=ack.status),
            subtype_xmlid="mail.mt_note",
        )
        return True

    def _poll_notifications(self):
        self.ensure_one()
        try:
            result = self.gateway_id._get_adapter().notifications(self.lrn, self.last_notification_sequence)
        except gateway_lib.GatewayError as error:
            self._archive_exchange(error.exchange)
            _logger.warning("Polling customs declaration %s failed: %s", self.lrn, error)
            return False
        self._archive_exchange(result.exchange)
        if result.value:
            self._apply_notifications(result.value)
        return True

    def _apply_notifications(self, notifications):
        """Record the DMS notifications and move the declaration (and tell the return) accordingly."""
        Notification = self.env["customs.declaration.notification"]
        for notification in sorted(notifications, key=lambda n: n.sequence):
            if notification.sequence <= self.last_notification_sequence:
                continue
            errors = "\n".join(
                f"{e.code}: {e.description} ({e.pointer})" if e.pointer else f"{e.code}: {e.description}"
                for e in notification.errors
            )
            record = Notification.create({
                "declaration_id": self.id,
                "sequence": notification.sequence,
                "function_code": notification.function_code,
                "kind": notification.kind,
                "issued_at": fields.Datetime.to_datetime(notification.issued_at.replace(tzinfo=None))
                if notification.issued_at else False,
                "mrn": notification.mrn or False,
                "errors": errors or False,
            })
            values = {"last_notification_sequence": notification.sequence}
            if notification.mrn and not self.mrn:
                values["mrn"] = notification.mrn
            new_state = NOTIFICATION_STATES.get(notification.kind)
            if new_state:
                values["state"] = new_state
            if notification.kind == "rejected":
                values["check_result"] = self.env._("Rejected by customs:\n%s", errors)
            self._flow_write(values)
            summary = self.env._("Customs: %(kind)s%(mrn)s", kind=notification.kind.replace("_", " "),
                                 mrn=f" (MRN {notification.mrn})" if notification.mrn else "")
            self.message_post(body=summary + (f"\n{errors}" if errors else ""), subtype_xmlid="mail.mt_note")
            if self.return_order_id:
                self.return_order_id.message_post(body=summary, subtype_xmlid="mail.mt_note")
                self.return_order_id._log_event(
                    "customs",
                    source="customs",
                    description=summary,
                    date=record.issued_at or fields.Datetime.now(),
                    res_model=self._name,
                    res_id=self.id,
                )

    def action_resubmit(self):
        """After a rejection is fixed: check again; the LRN stays the same."""
        self.filtered(lambda d: d.state == "rejected")._flow_write({"state": "draft"})
        return self.action_check()

    @api.model
    def _lock_due(self, domain, limit):
        """Ids of due declarations, locked; rows another worker holds are skipped, never waited for."""
        candidates = self.search(domain, limit=limit * 4, order="id")
        if not candidates:
            return self.browse()
        self.env.cr.execute(SQL(
            "SELECT id FROM customs_declaration WHERE id IN %s ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
            tuple(candidates.ids), limit,
        ))
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    @api.model
    def _cron_process(self, limit=50):
        """Submit due declarations and poll those with customs, each in its own transaction."""
        now = fields.Datetime.now()
        # Tests run in one transaction that must not be committed.
        testing = getattr(threading.current_thread(), "testing", False)
        commit = not (testing or self.env.context.get("customs_no_commit"))
        due = [("submission_pending", "=", True), ("next_attempt_at", "<=", now), ("gateway_id", "!=", False)]
        for _round in range(limit):
            declaration = self._lock_due(due, 1)
            if not declaration:
                break
            declaration._submit_now()
            if commit:
                # Each declaration in its own transaction: the lock is released and the
                # gateway's answer kept, whatever happens to the next one.
                self.env.cr.commit()  # pylint: disable=invalid-commit
        polled = self._lock_due([("state", "in", POLLED_STATES), ("gateway_id", "!=", False)], limit)
        for declaration in polled:
            declaration._poll_notifications()
        if commit:
            self.env.cr.commit()  # pylint: disable=invalid-commit
        return True

    def action_cancel(self):
        """Cancel drafts at once; ask customs to invalidate what they hold already."""
        if any(declaration.state in ("released", "cleared") for declaration in self):
            raise UserError(self.env._("A released or cleared declaration cannot be cancelled."))
        with_customs = self.filtered(lambda d: d.state in ("submitted", "accepted", "control"))
        for declaration in with_customs:
            try:
                result = declaration.gateway_id._get_adapter().cancel(declaration.lrn, self.env._("Return cancelled"))
            except gateway_lib.GatewayError as error:
                declaration._archive_exchange(error.exchange)
                raise UserError(self.env._("Customs could not be asked to cancel %(lrn)s: %(error)s",
                                           lrn=declaration.lrn, error=error)) from error
            declaration._archive_exchange(result.exchange)
            declaration.message_post(
                body=self.env._("Cancellation requested from customs: %s.", result.value), subtype_xmlid="mail.mt_note"
            )
        (self - with_customs)._flow_write({"state": "cancelled", "submission_pending": False})
        return True


class CustomsDeclarationNotification(models.Model):
    _name = "customs.declaration.notification"
    _description = "Customs Declaration Notification"
    _order = "declaration_id, sequence"

    declaration_id = fields.Many2one("customs.declaration", required=True, ondelete="cascade", index=True)
    # Stored and indexed: the multi-company record rule filters on it.
    company_id = fields.Many2one(related="declaration_id.company_id", store=True, index=True)
    sequence = fields.Integer(required=True)
    function_code = fields.Char(required=True)
    kind = fields.Char(required=True)
    issued_at = fields.Datetime()
    mrn = fields.Char("MRN")
    errors = fields.Text()


class CustomsDeclarationLine(models.Model):
    _name = "customs.declaration.line"
    _description = "Customs Declaration Goods Item"
    _order = "declaration_id, sequence, id"
    _check_company_auto = True

    declaration_id = fields.Many2one("customs.declaration", required=True, ondelete="cascade", index=True)
    # Stored for the multi-company record rule, as on the other children of a declaration.
    company_id = fields.Many2one(related="declaration_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=1)
    return_line_id = fields.Many2one("return.order.line", check_company=True)
    product_id = fields.Many2one("product.product", check_company=True)
    hs_code = fields.Char("HS Code", required=True)
    name = fields.Char("Description", required=True)
    origin_country_id = fields.Many2one("res.country", "Country of Origin")
    quantity = fields.Float(digits="Product Unit of Measure", default=1.0)
    supplementary_units = fields.Float()
    net_mass = fields.Float("Net Mass (kg)", digits="Stock Weight")
    gross_mass = fields.Float("Gross Mass (kg)", digits="Stock Weight")
    currency_id = fields.Many2one(related="declaration_id.currency_id")
    statistical_value = fields.Monetary()
    customs_value = fields.Monetary()
    procedure_code = fields.Char(default="4000", help="Requested and previous procedure, e.g. 6110 for relief.")
    additional_procedure_codes = fields.Char(default="000", help="Comma-separated, e.g. F01.")
    preference_code = fields.Char(default="100")
    duty_rate = fields.Float("Duty (%)", digits=(5, 2))
    vat_rate = fields.Float("Import VAT (%)", digits=(5, 2))
    duty_estimate = fields.Monetary(compute="_compute_estimates", store=True)
    vat_estimate = fields.Monetary(compute="_compute_estimates", store=True)

    def _additional_codes(self):
        return [code.strip() for code in (self.additional_procedure_codes or "").split(",") if code.strip()]

    @api.depends("customs_value", "duty_rate", "vat_rate", "procedure_code")
    def _compute_estimates(self):
        for line in self:
            relief = (line.procedure_code or "").startswith("61")
            duty = 0.0 if relief else line.customs_value * line.duty_rate / 100
            line.duty_estimate = duty
            line.vat_estimate = 0.0 if relief else (line.customs_value + duty) * line.vat_rate / 100


class CustomsDeclarationDocument(models.Model):
    _name = "customs.declaration.document"
    _description = "Customs Declaration Supporting Document"

    declaration_id = fields.Many2one("customs.declaration", required=True, ondelete="cascade", index=True)
    # Stored for the multi-company record rule, as on the other children of a declaration.
    company_id = fields.Many2one(related="declaration_id.company_id", store=True, index=True)
    category_code = fields.Char(required=True, default="N")
    type_code = fields.Char(required=True, help="e.g. 380 commercial invoice, 935 invoice for customs value.")
    reference = fields.Char(required=True)
    attachment_id = fields.Many2one("ir.attachment")
