import logging

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import float_compare, is_html_empty, split_every

from ..returns_lib import policy as policy_lib
from .mail_template import COMPILE_ONCE
from .return_order_line import SOURCE_FIELDS
from .return_states import (
    ABANDONED_STATES,
    CANCELLABLE_STATES,
    DELETABLE_STATES,
    DRAFT_STATES,
    EDITABLE_STATES,
    RECEIVABLE_STATES,
    REFUSABLE_STATES,
    RETURN_STATES,
)

_logger = logging.getLogger(__name__)

# The customer's e-mails: what is rendered of the template, the layout they are sent in, how many per batch.
CUSTOMER_EMAIL_FIELDS = (
    "attachment_ids", "auto_delete", "body_html", "email_cc", "email_from", "email_to", "mail_server_id", "model",
    "partner_to", "reply_to", "report_template_ids", "res_id", "scheduled_date", "subject",
)
CUSTOMER_EMAIL_LAYOUT = "mail.mail_notification_light"
CUSTOMER_EMAIL_BATCH = 200

# The reverse flows a company runs; each kind has its own rules on what may come back and how much.
RETURN_KINDS = [
    ("customer", "Customer Return"),
    ("packaging", "Returnable Packaging"),
    ("excess", "Excess Stock"),
]


class ReturnOrder(models.Model):
    _name = "return.order"
    _description = "Return Authorisation"
    _inherit = [
        "portal.mixin", "mail.thread", "mail.activity.mixin", "return.batch.tracking.mixin", "return.input.guard",
    ]
    _order = "date_requested desc, id desc"
    _check_company_auto = True
    # Written by the actions only (see return_input_guard.py).
    _flow_fields = (
        "name", "state", "date_requested", "date_approved", "date_received", "requested_via_portal",
        "override_reason", "override_user_id", "refuse_reason",
    )
    _text_limits = {"customer_note": 5_000}
    # Who the return is for and what it returns from: fixed once submitted.
    _DRAFT_ONLY_FIELDS = ("partner_id", "company_id", "sale_order_id", "picking_id", "invoice_id", "return_kind")
    # Where and how the goods come back: fixed once approved (the receipt exists).
    _BEFORE_APPROVAL_FIELDS = ("warehouse_id", "partner_return_address_id", "return_shipping_payer")

    name = fields.Char(
        "Reference", required=True, readonly=True, copy=False, index="trigram", default=lambda self: self.env._("New")
    )
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    partner_id = fields.Many2one(
        "res.partner", "Customer", required=True, index=True, tracking=True, check_company=True
    )
    commercial_partner_id = fields.Many2one(related="partner_id.commercial_partner_id", store=True, index=True)
    partner_return_address_id = fields.Many2one(
        "res.partner",
        "Return From",
        compute="_compute_partner_return_address_id",
        store=True,
        readonly=False,
        check_company=True,
        help="Address the goods are picked up from or sent from.",
    )
    country_id = fields.Many2one(
        "res.country",
        "Customer Country",
        compute="_compute_country_id",
        store=True,
        index=True,
        help="Country the goods are returned from; drives customs decisions.",
    )
    return_kind = fields.Selection(
        RETURN_KINDS, "Kind", required=True, default="customer", index=True,
        help="Customer Return: goods a customer sends back under the return policy. Returnable Packaging: "
        "pallets, crates and containers coming back against the partner's packaging balance. Excess Stock: a "
        "trade customer's overstock returned under its return agreement.",
    )
    origin_type = fields.Selection(
        [("sale", "Sale Order"), ("picking", "Delivery"), ("invoice", "Invoice"), ("none", "None")],
        "Source Document Type",
        compute="_compute_origin_type",
        store=True,
    )
    sale_order_id = fields.Many2one("sale.order", index="btree_not_null", check_company=True)
    picking_id = fields.Many2one(
        "stock.picking",
        "Delivery",
        index="btree_not_null",
        check_company=True,
        domain="[('picking_type_code', '=', 'outgoing'), ('state', '=', 'done')]",
    )
    invoice_id = fields.Many2one(
        "account.move",
        index="btree_not_null",
        check_company=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted')]",
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        "Receiving Warehouse",
        required=True,
        check_company=True,
        tracking=True,
        compute="_compute_warehouse_id",
        store=True,
        readonly=False,
        precompute=True,
    )
    return_location_id = fields.Many2one(related="warehouse_id.return_location_id", groups="base.group_user")
    user_id = fields.Many2one("res.users", "Responsible", tracking=True, default=lambda self: self.env.user, index=True)
    state = fields.Selection(RETURN_STATES, default="draft", required=True, tracking=True, index=True, copy=False)
    date_requested = fields.Datetime(
        "Requested On", default=fields.Datetime.now, required=True, readonly=True, copy=False,
        help="When the request was made; the return window is counted up to this moment.",
    )
    date_approved = fields.Datetime("Approved On", readonly=True, copy=False)
    date_received = fields.Datetime("Received On", readonly=True, copy=False)
    requested_via_portal = fields.Boolean(readonly=True, copy=False)
    line_ids = fields.One2many("return.order.line", "order_id", "Lines", copy=True)
    picking_ids = fields.One2many(
        "stock.picking", "return_order_id", "Receipts", readonly=True, groups="base.group_user"
    )
    picking_count = fields.Integer(compute="_compute_picking_count", groups="base.group_user")
    out_of_policy = fields.Boolean(
        compute="_compute_policy_verdict", help="A manager must approve this return with a logged reason.",
        groups="base.group_user"
    )
    policy_summary = fields.Text("Policy Check", compute="_compute_policy_verdict", groups="base.group_user")
    # Not tracked: the override is told in an internal note, never to the customer's followers.
    override_reason = fields.Text(readonly=True, copy=False, groups="base.group_user")
    override_user_id = fields.Many2one("res.users", "Overridden By", readonly=True, copy=False,
                                       groups="base.group_user")
    refuse_reason = fields.Text("Refusal Reason", readonly=True, copy=False, tracking=True)
    return_shipping_payer = fields.Selection(
        [("customer", "Customer"), ("company", "Company")],
        compute="_compute_policy_terms",
        store=True,
        readonly=False,
        string="Return Shipping Paid By",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount_total = fields.Monetary("Returned Value", compute="_compute_amounts", store=True)
    restocking_fee_amount = fields.Monetary("Restocking Fee", compute="_compute_amounts", store=True)
    note = fields.Html("Internal Notes", groups="base.group_user")
    customer_note = fields.Text("Customer Comment")
    event_ids = fields.One2many("return.event", "order_id", "Traceability", readonly=True)
    inspection_ids = fields.One2many(
        "return.inspection", "order_id", "Inspections", readonly=True, groups="base.group_user"
    )
    inspection_count = fields.Integer(compute="_compute_inspection_count", groups="base.group_user")
    to_inspect_count = fields.Integer("To Inspect", compute="_compute_inspection_count", groups="base.group_user")
    disposition_ids = fields.One2many(
        "return.disposition", "order_id", "Dispositions", readonly=True, groups="base.group_user"
    )
    disposition_count = fields.Integer(compute="_compute_inspection_count", groups="base.group_user")
    event_count = fields.Integer(compute="_compute_event_count", groups="base.group_user")

    _sql_constraints = [
        ("name_company_uniq", "unique(name, company_id)", "A return reference must be unique per company."),
    ]

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("sale_order_id", "picking_id", "invoice_id")
    def _compute_origin_type(self):
        for order in self:
            if order.picking_id:
                order.origin_type = "picking"
            elif order.sale_order_id:
                order.origin_type = "sale"
            elif order.invoice_id:
                order.origin_type = "invoice"
            else:
                order.origin_type = "none"

    @api.depends("partner_id", "sale_order_id", "picking_id")
    def _compute_partner_return_address_id(self):
        for order in self:
            order.partner_return_address_id = (
                order.picking_id.partner_id or order.sale_order_id.partner_shipping_id or order.partner_id
            )

    @api.depends("partner_return_address_id.country_id", "partner_id.country_id")
    def _compute_country_id(self):
        for order in self:
            order.country_id = order.partner_return_address_id.country_id or order.partner_id.country_id

    @api.depends("company_id", "sale_order_id", "picking_id")
    def _compute_warehouse_id(self):
        default_by_company = {}
        for order in self:
            warehouse = order.picking_id.picking_type_id.warehouse_id or order.sale_order_id.warehouse_id
            if not warehouse and not order.warehouse_id:
                company = order.company_id or self.env.company
                if company not in default_by_company:
                    default_by_company[company] = self.env["stock.warehouse"].search(
                        [("company_id", "=", company.id)], limit=1
                    )
                warehouse = default_by_company[company]
            if warehouse:
                order.warehouse_id = warehouse

    def _compute_event_count(self):
        counts = dict(self.env["return.event"]._read_group([("order_id", "in", self.ids)], ["order_id"], ["__count"]))
        for order in self:
            order.event_count = counts.get(order, 0)

    def _compute_inspection_count(self):
        inspections = {
            (order.id, state): count
            for order, state, count in self.env["return.inspection"]._read_group(
                [("order_id", "in", self.ids)], ["order_id", "state"], ["__count"]
            )
        }
        dispositions = dict(
            self.env["return.disposition"]._read_group([("order_id", "in", self.ids)], ["order_id"], ["__count"])
        )
        for order in self:
            order.to_inspect_count = inspections.get((order.id, "to_inspect"), 0)
            order.inspection_count = order.to_inspect_count + inspections.get((order.id, "done"), 0)
            order.disposition_count = dispositions.get(order, 0)

    def action_view_inspections(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("reverse_logistics.action_return_inspection")
        action["domain"] = [("order_id", "=", self.id)]
        action["context"] = {"create": False, "search_default_to_inspect": 1 if self.to_inspect_count else 0}
        return action

    def action_view_dispositions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("reverse_logistics.action_return_disposition")
        action["domain"] = [("order_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    def _compute_picking_count(self):
        counts = dict(
            self.env["stock.picking"]._read_group(
                [("return_order_id", "in", self.ids)], ["return_order_id"], ["__count"]
            )
        )
        for order in self:
            order.picking_count = counts.get(order, 0)

    @api.depends("line_ids.policy_id.return_shipping_payer")
    def _compute_policy_terms(self):
        for order in self:
            payers = set(order.line_ids.policy_id.mapped("return_shipping_payer"))
            # The company pays as soon as one policy says so: one parcel, one label.
            order.return_shipping_payer = "company" if "company" in payers or not payers else "customer"

    @api.depends("line_ids.price_subtotal", "line_ids.restocking_fee_amount")
    def _compute_amounts(self):
        for order in self:
            order.amount_total = sum(order.line_ids.mapped("price_subtotal"))
            order.restocking_fee_amount = sum(order.line_ids.mapped("restocking_fee_amount"))

    @api.depends(
        "date_requested",
        "line_ids.policy_id",
        "line_ids.delivery_date",
        "line_ids.reason_id",
        "line_ids.price_subtotal",
    )
    def _compute_policy_verdict(self):
        for order in self:
            verdict = order._evaluate_policy()
            order.out_of_policy = not verdict.in_policy
            order.policy_summary = "\n".join(order._describe_findings(verdict.findings)) or self.env._(
                "Within policy."
            )

    # ------------------------------------------------------------------
    # Policy
    # ------------------------------------------------------------------
    def _prepare_policy_request_lines(self):
        """Plain values the policy engine evaluates; override to feed it more facts."""
        self.ensure_one()
        return [
            policy_lib.RequestLine(
                key=line.id or line._origin.id or str(line.id),
                policy=line.policy_id._to_policy_rule() if line.policy_id else None,
                has_source_document=bool(line.sale_line_id or line.origin_move_id or line.invoice_line_id),
                delivery_date=line.delivery_date or None,
                amount=line.price_subtotal,
                reason_id=line.reason_id.id or None,
            )
            for line in self.line_ids
        ]

    def _evaluate_policy(self):
        self.ensure_one()
        request_date = fields.Date.to_date(self.date_requested or fields.Datetime.now())
        return policy_lib.evaluate_request(self._prepare_policy_request_lines(), request_date)

    def _describe_findings(self, findings):
        """Turn engine findings into sentences a user can act on."""
        self.ensure_one()
        lines_by_key = {line.id or line._origin.id or str(line.id): line for line in self.line_ids}
        messages = []
        for finding in findings:
            product = lines_by_key.get(finding.line_key, self.env["return.order.line"]).product_id.display_name
            params = finding.params
            if finding.code == policy_lib.WINDOW_EXCEEDED:
                messages.append(
                    self.env._(
                        "%(product)s was delivered on %(date)s, %(days)s days ago: "
                        "the return window is %(window)s days.",
                        product=product,
                        date=params["delivered"],
                        days=params["days"],
                        window=params["window"],
                    )
                )
            elif finding.code == policy_lib.NO_DELIVERY:
                messages.append(self.env._("No delivery of %(product)s to this customer was found.", product=product))
            elif finding.code == policy_lib.NOT_ELIGIBLE:
                messages.append(
                    self.env._("No return policy of the company covers the category of %(product)s.", product=product)
                )
            elif finding.code == policy_lib.NO_SOURCE_DOCUMENT:
                messages.append(
                    self.env._(
                        "%(product)s is not linked to a sale order, delivery or invoice.", product=product
                    )
                )
            elif finding.code == policy_lib.AUTO_APPROVAL_DISABLED:
                messages.append(
                    self.env._("The policy of %(product)s requires a person to approve.", product=product)
                )
            elif finding.code == policy_lib.REASON_NOT_AUTO_APPROVED:
                messages.append(
                    self.env._("The reason given for %(product)s is not auto-approved.", product=product)
                )
            elif finding.code == policy_lib.AMOUNT_ABOVE_AUTO_LIMIT:
                messages.append(
                    self.env._(
                        "The returned value %(amount)s is above the auto-approval limit %(limit)s.",
                        amount=params["amount"],
                        limit=params["limit"],
                    )
                )
            else:
                messages.append(finding.code)
        return messages

    # ------------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------------
    _HEADER_FIELDS = ("partner_id", "company_id", "sale_order_id", "picking_id", "invoice_id", "warehouse_id")

    @api.model_create_multi
    def create(self, vals_list):
        self = self._prepare_guarded_create(vals_list)
        # Copies: the reference is added below, and the caller's dicts must stay as they were (Odoo
        # runs a create again with the very same values after a serialisation failure).
        vals_list = [dict(vals) for vals in vals_list]
        # The header is checked on its values first; the lines check themselves when they are
        # created (return_order_line.py), inside the savepoint below, so that a refused request
        # leaves nothing at all, not even a return without lines, where the caller goes on.
        for vals in vals_list:
            self.new({field: vals[field] for field in self._HEADER_FIELDS if field in vals})._check_source_documents()
            line_commands = vals.get("line_ids") or []
            if any(not isinstance(command, (list, tuple)) or command[0] != fields.Command.CREATE
                   for command in line_commands):
                raise UserError(self.env._("A new return gets new lines only."))
            # Before the ORM reads them to precompute the header (a NaN quantity would crash it there).
            self.env["return.order.line"]._check_guarded_values([command[2] for command in line_commands])
        sequences = {}  # company -> its return.order sequence, looked up once per batch
        for vals in vals_list:
            company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
            if vals.get("name", self.env._("New")) == self.env._("New"):
                if company not in sequences:
                    sequences[company] = self._reference_sequence(company)
                sequence = sequences[company]
                vals["name"] = (sequence and sequence._next()) or self.env._("New")
        with self.env.cr.savepoint():
            orders = super().create(vals_list)
        orders._subscribe_customers()
        self.env["return.event"]._record([
            {
                "order_id": order.id,
                "event_type": "requested",
                "source": "portal" if order.requested_via_portal else "user",
                "date": order.date_requested,
            }
            for order in orders
        ])
        return orders

    def _reference_sequence(self, company):
        """The sequence ``next_by_code("return.order")`` draws from for ``company``, with its access check.

        Looked up once per company and batch: ``next_by_code`` searches it again for every return.
        """
        Sequence = self.env["ir.sequence"].with_company(company)
        Sequence.browse().check_access("read")
        return Sequence.search(
            [("code", "=", "return.order"), ("company_id", "in", [company.id, False])], order="company_id", limit=1
        )

    def _subscribe_customers(self):
        """Each return's customer follows it: ``message_subscribe`` per return, done for the batch at once.

        The same rules (write access, or read access for someone following their own return; active
        customers only; a customer gets the subtypes customers get, someone following their own return
        the default ones; followers already there are kept), one query of each kind for the batch
        instead of five per return.
        """
        if not self:
            return
        own_partner = self.env.user.partner_id
        own = self.filtered(lambda order: order.partner_id == own_partner)
        others = self - own
        if own:
            try:
                own.check_access("read")
            except AccessError:
                own = self.browse()
        if others:
            others.check_access("write")
        # sudo: whether a customer is active or shares the portal decides how they follow, whoever
        # creates the return (as in message_subscribe).
        active = self.env["res.partner"].sudo().search([("id", "in", others.partner_id.ids), ("active", "=", True)])
        subscribing = own | others.filtered(lambda order: order.partner_id in active)
        if not subscribing:
            return
        default, _internal, external = self.env["mail.message.subtype"].default_subtypes(self._name)
        Followers = self.env["mail.followers"]
        following = {
            (res_id, partner_id)
            for _follower, res_id, partner_id, _subtypes in Followers._get_subscription_data(
                [(self._name, subscribing.ids)], subscribing.partner_id.ids
            )
        }
        values = []
        for order in subscribing:
            partner = order.partner_id.sudo()
            if (order.id, partner.id) in following:
                continue
            subtypes = external if partner != own_partner and partner.partner_share else default
            values.append({
                "res_model": self._name,
                "res_id": order.id,
                "partner_id": partner.id,
                "subtype_ids": [fields.Command.set(subtypes.ids)],
            })
            following.add((order.id, partner.id))
        # sudo: followers are technical records; access was checked above, as message_subscribe does.
        Followers.sudo().with_context(default_partner_id=False).create(values)

    def write(self, vals):
        if not self._in_flow():
            self._check_header_editable(vals)
        return super().write(vals)

    def _check_header_editable(self, vals):
        for field_names, states in ((self._DRAFT_ONLY_FIELDS, DRAFT_STATES),
                                    (self._BEFORE_APPROVAL_FIELDS, EDITABLE_STATES)):
            changed = [name for name in field_names if name in vals]
            frozen = self.filtered(lambda order, states=states: order.state not in states)
            if changed and frozen:
                raise UserError(
                    self.env._(
                        "%(fields)s of %(returns)s cannot change any more: it is %(state)s. "
                        "Cancel it and create a new return instead.",
                        fields=", ".join(self._fields[name]._description_string(self.env) for name in changed),
                        returns=", ".join(frozen.mapped("name")),
                        state=frozen[:1]._state_label(),
                    )
                )

    def _check_lines_editable(self):
        """Lines change until approval; from then on the receipt is made from them."""
        frozen = self.filtered(lambda order: order.state not in EDITABLE_STATES)
        if frozen:
            raise UserError(
                self.env._(
                    "The products of %(returns)s cannot change any more: it is %(state)s. "
                    "Cancel it and create a new return instead.",
                    returns=", ".join(frozen.mapped("name")),
                    state=frozen[:1]._state_label(),
                )
            )

    def _state_label(self):
        self.ensure_one()
        return dict(self._fields["state"]._description_selection(self.env)).get(self.state, self.state)

    # ------------------------------------------------------------------
    # Traceability
    # ------------------------------------------------------------------
    def _log_event(self, event_type, **values):
        """One event per return, e.g. approved; ``values`` add to or override the defaults."""
        return self.env["return.event"]._record(
            [{"order_id": order.id, "event_type": event_type, **values} for order in self]
        )

    def action_view_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("reverse_logistics.action_return_event")
        action["domain"] = [("order_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft_or_cancelled(self):
        for order in self:
            if order.state not in DELETABLE_STATES:
                raise UserError(
                    self.env._("Return %s cannot be deleted once submitted: cancel it instead.", order.name)
                )

    @api.constrains("sale_order_id", "picking_id", "invoice_id", "partner_id", "warehouse_id", "company_id")
    def _check_source_documents(self):
        Line = self.env["return.order.line"]
        lines = self.filtered("id").line_ids
        line_vals = {line: {field: line[field].id for field in (*SOURCE_FIELDS, "lot_id")} for line in lines}
        records = Line._fetch_line_records(list(line_vals.values())) if lines else None
        for order in self:
            company = order.company_id or self.env.company
            for record in (order.sale_order_id, order.picking_id, order.invoice_id, order.warehouse_id):
                if record and record.company_id and record.company_id != company:
                    raise ValidationError(
                        self.env._(
                            "%(doc)s belongs to company %(company)s, not to %(other)s: "
                            "a return stays within one company.",
                            doc=record.display_name,
                            company=record.company_id.name,
                            other=company.name,
                        )
                    )
            commercial = order.partner_id.commercial_partner_id
            # One whole sentence per kind of document, so that each language words it in its own order.
            for document, refusal in (
                (order.sale_order_id, self.env._("The sale order %(doc)s belongs to %(owner)s, not to %(customer)s.")),
                (order.picking_id, self.env._("The delivery %(doc)s belongs to %(owner)s, not to %(customer)s.")),
                (order.invoice_id, self.env._("The invoice %(doc)s belongs to %(owner)s, not to %(customer)s.")),
            ):
                if document and document.partner_id.commercial_partner_id != commercial:
                    raise ValidationError(
                        refusal % {
                            "doc": document.display_name,
                            "owner": document.partner_id.commercial_partner_id.display_name,
                            "customer": commercial.display_name,
                        }
                    )
            if order.picking_id and (
                order.picking_id.picking_type_code != "outgoing" or order.picking_id.state != "done"
            ):
                raise ValidationError(
                    self.env._("Only done deliveries can be returned; %s is not one.", order.picking_id.name)
                )
            if order.invoice_id and (
                order.invoice_id.move_type != "out_invoice" or order.invoice_id.state != "posted"
            ):
                raise ValidationError(
                    self.env._("Only posted customer invoices can be returned; %s is not one.", order.invoice_id.name)
                )
            if order.id and order.line_ids:
                # The customer or the source documents changed: the lines must still be theirs.
                for line in order.line_ids:
                    Line._check_line_source(order, line.product_id, line_vals[line], records)

    def _compute_access_url(self):  # pylint: disable=missing-return
        super()._compute_access_url()
        for order in self:
            order.access_url = f"/my/returns/{order.id}"

    def _get_report_base_filename(self):
        self.ensure_one()
        return self.env._("Return %s", self.name).replace("/", "-")

    # ------------------------------------------------------------------
    # Concurrency
    # ------------------------------------------------------------------
    def _lock_for_processing(self):
        """Lock the returns' rows so that two people cannot approve or receive them at once."""
        self._lock_rows_or_refuse(self.env._(
            "%(returns)s is being processed by someone else right now. Reload the page and try again.",
            returns=", ".join(self.mapped("name")),
        ))

    def _check_state(self, allowed_states, refusal):
        """Refuse returns not in ``allowed_states`` with ``refusal``, a whole translated sentence naming
        %(returns)s and %(state)s (one per action, so each language words it in its own order)."""
        wrong = self.filtered(lambda order: order.state not in allowed_states)
        if wrong:
            state_labels = dict(self._fields["state"]._description_selection(self.env))
            raise UserError(refusal % {
                "returns": ", ".join(wrong.mapped("name")),
                "state": ", ".join(sorted({state_labels[s] for s in wrong.mapped("state")})),
            })

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_submit(self):
        """Send the request for approval; requests in policy that the policy auto-approves are approved at once."""
        self._lock_for_processing()
        self._check_state(DRAFT_STATES, self.env._("Cannot submit %(returns)s: it is %(state)s."))
        empty = self.filtered(lambda order: not order.line_ids)
        if empty:
            raise UserError(self.env._("Add at least one product to return %s before submitting it.", empty[0].name))
        self.line_ids._check_returnable_quantity()
        self._flow_write({"state": "to_approve"})
        auto = self.filtered(lambda order: order._evaluate_policy().auto_approvable)
        if auto:
            auto._approve()
            auto._message_log_batch(
                bodies=dict.fromkeys(auto.ids, self.env._("Approved automatically: the request is within policy."))
            )
        (self - auto)._schedule_approval_activity()
        return True

    def _schedule_approval_activity(self):
        """One approval activity per return, created in one batch."""
        activity_type = self.env.ref("reverse_logistics.mail_activity_return_approval", raise_if_not_found=False)
        managers = self.env.ref("reverse_logistics.group_returns_manager").users.filtered(lambda u: not u.share)
        model_id = self.env["ir.model"]._get_id(self._name)
        deadline = activity_type._get_date_deadline() if activity_type else fields.Date.context_today(self)
        values = []
        for order in self:
            company_managers = managers.filtered(lambda u, o=order: o.company_id in u.company_ids)
            responsible = order.user_id if order.user_id and not order.user_id.share else self.env["res.users"]
            if order.out_of_policy:
                # Out-of-policy returns need a manager: the first one of the company.
                user = company_managers[:1]
                summary = self.env._("Out of policy: a manager must decide")
            else:
                user = responsible
                summary = self.env._("Approve return")
            # Requests from the portal have no internal responsible yet: a manager takes them.
            user = user or responsible or company_managers[:1] or self.env.user
            values.append({
                "res_model_id": model_id,
                "res_id": order.id,
                "activity_type_id": activity_type.id if activity_type else False,
                "summary": summary,
                "note": order.policy_summary,
                "user_id": user.id,
                "date_deadline": deadline,
                "automated": True,
            })
        # sudo: the approval to-do is the flow's, not the requester's: it is created and its assignee
        # notified whoever submitted (a portal customer, a clerk without an e-mail address of their own).
        self.env["mail.activity"].sudo().create(values)

    def action_approve(self):
        """Approve the returns; out-of-policy ones need a manager's logged override first."""
        self._lock_for_processing()
        self._check_state(("to_approve",), self.env._("Cannot approve %(returns)s: it is %(state)s."))
        # Out of policy is decided on the return as it is now, never on a field someone filled in:
        # only the manager's override (the wizard, _approve_with_override) approves it.
        needing_override = self.filtered("out_of_policy")
        if needing_override:
            if not self.env.user.has_group("reverse_logistics.group_returns_manager"):
                raise UserError(
                    self.env._(
                        "%(returns)s is out of policy:\n%(why)s\nOnly a Returns Manager can approve it, "
                        "with a reason.",
                        returns=", ".join(needing_override.mapped("name")),
                        why="\n".join(needing_override.mapped("policy_summary")),
                    )
                )
            return {
                "type": "ir.actions.act_window",
                "name": self.env._("Approve Out of Policy"),
                "res_model": "return.order.override.wizard",
                "view_mode": "form",
                "target": "new",
                "context": {"default_return_order_ids": needing_override.ids},
            }
        self._approve()
        return True

    def _approve(self):
        """Approve and create the receipts. Callers hold the lock and checked the state."""
        self.line_ids._check_returnable_quantity()
        self._flow_write({"state": "approved", "date_approved": fields.Datetime.now()})
        self._log_event("approved")
        self._create_receipts()
        # The tracked state change records who approved: the to-do just goes away.
        self.activity_unlink(["reverse_logistics.mail_activity_return_approval"])
        self._send_customer_email("reverse_logistics.mail_template_return_approved")

    def _approve_with_override(self, reason):
        if not self.env.user.has_group("reverse_logistics.group_returns_manager"):
            raise UserError(self.env._("Only a Returns Manager can approve a return that is out of policy."))
        if not (reason or "").strip():
            raise UserError(self.env._("Give the reason why the return is accepted out of policy."))
        self._lock_for_processing()
        self._check_state(("to_approve",), self.env._("Cannot approve %(returns)s: it is %(state)s."))
        self._flow_write({"override_reason": reason, "override_user_id": self.env.user.id})
        # An internal note (never e-mailed to the customer who follows the return): who and why.
        self._message_log_batch(bodies={
            order.id: self.env._(
                "Approved out of policy by %(user)s.\nPolicy check: %(why)s\nReason: %(reason)s",
                user=self.env.user.name,
                why=order.policy_summary,
                reason=reason,
            )
            for order in self
        })
        self._approve()

    def action_refuse(self):
        self._check_state(REFUSABLE_STATES, self.env._("Cannot refuse %(returns)s: it is %(state)s."))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Refuse Return"),
            "res_model": "return.order.refuse.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_return_order_ids": self.ids},
        }

    def _refuse(self, reason):
        if not (reason or "").strip():
            raise UserError(self.env._("Tell the customer why the return is refused."))
        self._lock_for_processing()
        self._check_state(REFUSABLE_STATES, self.env._("Cannot refuse %(returns)s: it is %(state)s."))
        self._flow_write({"state": "refused", "refuse_reason": reason})
        self._log_event("refused", description=reason)
        self.activity_unlink(["reverse_logistics.mail_activity_return_approval"])
        self._send_customer_email("reverse_logistics.mail_template_return_refused")

    def action_mark_in_transit(self):
        self._check_state(("approved",), self.env._("Cannot mark %(returns)s as shipped: it is %(state)s."))
        self._flow_write({"state": "in_transit"})
        self._log_event("in_transit")
        return True

    def action_receive(self):
        """Receive everything still expected, with the lots announced on the lines."""
        self._lock_for_processing()
        self._check_state(RECEIVABLE_STATES, self.env._("Cannot receive %(returns)s: it is %(state)s."))
        pickings = self.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        if not pickings:
            raise UserError(self.env._("Nothing is left to receive on %s.", ", ".join(self.mapped("name"))))
        for move in pickings.move_ids.filtered(lambda m: m.state not in ("done", "cancel")):
            if move.has_tracking != "none" and not move.move_line_ids.lot_id and not move.move_line_ids.lot_name:
                raise UserError(
                    self.env._(
                        "Enter the lot or serial number of %(product)s received on %(picking)s.",
                        product=move.product_id.display_name,
                        picking=move.picking_id.name,
                    )
                )
            # Receipts from a customer are reserved in full at confirmation: writing the same quantity
            # again would rebuild each move's lines, one move at a time.
            if float_compare(move.quantity, move.product_uom_qty, precision_rounding=move.product_uom.rounding):
                move.quantity = move.product_uom_qty
        pickings.move_ids.picked = True
        pickings.with_context(skip_backorder=True, cancel_backorder=True).button_validate()
        return True

    def action_done(self):
        self._check_state(("received",), self.env._("Cannot close %(returns)s: it is %(state)s."))
        self._flow_write({"state": "done"})
        return True

    def action_cancel(self):
        self._lock_for_processing()
        self._check_state(CANCELLABLE_STATES, self.env._("Cannot cancel %(returns)s: it is %(state)s."))
        received = self.filtered(lambda order: any(line.qty_received for line in order.line_ids))
        if received:
            raise UserError(
                self.env._(
                    "%s has goods received already: receive or close it instead of cancelling it.",
                    ", ".join(received.mapped("name")),
                )
            )
        self.picking_ids.filtered(lambda p: p.state not in ("done", "cancel")).action_cancel()
        self.activity_unlink(["reverse_logistics.mail_activity_return_approval"])
        self._flow_write({"state": "cancelled"})
        self._log_event("cancelled")
        return True

    def action_draft(self):
        self._lock_for_processing()
        self._check_state(ABANDONED_STATES, self.env._("Cannot reset %(returns)s to draft: it is %(state)s."))
        # Reopened, its lines hold their quantities again: there must still be that much to return.
        self.line_ids._check_returnable_quantity()
        self._flow_write({"state": "draft", "refuse_reason": False, "override_reason": False,
                          "override_user_id": False})
        return True

    def action_view_receipts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("stock.action_picking_tree_all")
        action["domain"] = [("return_order_id", "=", self.id)]
        action["context"] = {"create": False}
        if len(self.picking_ids) == 1:
            action.update(views=[(False, "form")], res_id=self.picking_ids.id)
        return action

    def action_print_label(self):
        self._log_label_issued()
        # data={}: the action then carries no None, which XML-RPC cannot marshal.
        return self.env.ref("reverse_logistics.action_report_return_label").report_action(self, data={})

    def _log_label_issued(self, source="user"):
        """The first time a return's label is printed or downloaded."""
        issued = self.env["return.event"]._read_group(
            [("order_id", "in", self.ids), ("event_type", "=", "label_issued")], ["order_id"]
        )
        (self - self.browse([order.id for (order,) in issued]))._log_event("label_issued", source=source)

    # ------------------------------------------------------------------
    # Receipts
    # ------------------------------------------------------------------
    def _prepare_receipt_picking_values(self):
        self.ensure_one()
        picking_type = self.warehouse_id.return_type_id
        if not picking_type or not self.warehouse_id.return_location_id:
            raise UserError(
                self.env._(
                    "Warehouse %s has no Returns location or operation type. "
                    "Open the warehouse and save it to create them.",
                    self.warehouse_id.name,
                )
            )
        return {
            "picking_type_id": picking_type.id,
            "partner_id": self.partner_return_address_id.id or self.partner_id.id,
            "origin": self.name,
            "return_order_id": self.id,
            "location_id": self.partner_id.property_stock_customer.id,
            "location_dest_id": self.warehouse_id.return_location_id.id,
            "company_id": self.company_id.id,
            "move_ids": [fields.Command.create(vals) for vals in self.line_ids._prepare_receipt_move_values()],
        }

    def _create_receipts(self):
        to_receive = self.filtered(lambda order: order.line_ids)
        pickings = self.env["stock.picking"].create(
            [order._prepare_receipt_picking_values() for order in to_receive]
        )
        pickings.action_confirm()
        pickings._assign_announced_lots()
        return pickings

    def _update_receipt_state(self):
        """Called when receipts are validated: partial receipts keep the return open."""
        received = self.filtered(
            lambda o: o.state in RECEIVABLE_STATES
            and all(p.state in ("done", "cancel") for p in o.picking_ids)
            and any(p.state == "done" for p in o.picking_ids)
        )
        if received:
            received._flow_write({"state": "received", "date_received": fields.Datetime.now()})
            received._send_customer_email("reverse_logistics.mail_template_return_received")

    # ------------------------------------------------------------------
    # Mail
    # ------------------------------------------------------------------
    def _send_customer_email(self, template_xmlid):
        """E-mail the customer of every return, rendered and queued in batches, and keep it in the chatter.

        The customer hears from the person who acted, or from the company when that person has no
        e-mail address (a warehouse clerk, a system user); with no address at all the return says
        so instead of refusing the action that triggered the e-mail.

        Posting through the composer runs ``message_post`` return by return (about fifteen queries each,
        the followers' notifications included). Here the template is rendered for a batch of returns at
        once and their e-mails created in one go, as ``mail.template.send_mail_batch`` does, with what a
        posted comment has: the template's body on the chatter, the e-mail in the company's layout, and
        the customer's notification that shows whether the e-mail left. It goes to the customer only,
        the template's recipient.
        """
        template = self.env.ref(template_xmlid, raise_if_not_found=False)
        if not template or not self:
            return
        user = self.env.user
        for company in self.company_id:
            orders = self.filtered(lambda order, company=company: order.company_id == company)
            if user.email:
                email_from, author = user.email_formatted, user.partner_id
            else:
                email_from, author = company.email and company.email_formatted, company.partner_id
            if not email_from and not template.email_from:
                orders._message_log_batch(bodies=dict.fromkeys(orders.ids, self.env._(
                    "The customer was not told by e-mail (%(template)s): set an e-mail address on "
                    "company %(company)s or on your user.",
                    template=template.name, company=company.name,
                )))
                continue
            for batch in split_every(CUSTOMER_EMAIL_BATCH, orders.ids, self.browse):
                batch._queue_customer_emails(template, {
                    "author_id": author.id,
                    **({"email_from": email_from} if email_from else {}),
                })

    def _queue_customer_emails(self, template, email_values):
        """Render ``template`` for the returns and queue their e-mails with their chatter messages."""
        # sudo: rendering, e-mails and notifications are the mail queue's, written by the flow whoever acts
        # (the template is the company's, the recipients its own rendering, as send_mail_batch does).
        template_sudo = template.sudo().with_context(**{COMPILE_ONCE: True})
        rendered = template_sudo._generate_template(self.ids, CUSTOMER_EMAIL_FIELDS)
        langs = template_sudo._render_lang(self.ids) if template_sudo.lang else {}
        companies = self._mail_get_companies(default=self.env.company)
        ir_model = self.env["ir.model"]._get(self._name)
        comment = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_comment")
        values_list, attachments_list = [], []
        for order in self:
            values = rendered[order.id]
            partner_ids = values.pop("partner_ids", None) or []
            attachments_list.append(values.pop("attachments", []))
            if not values.get("email_from"):
                values.pop("email_from", None)
            body = values["body_html"]
            lang = langs.get(order.id)
            model_lang = ir_model.with_context(lang=lang) if lang else ir_model
            layout = model_lang.env["ir.qweb"]._render(CUSTOMER_EMAIL_LAYOUT, {
                "message": self.env["mail.message"].sudo().new({"body": body, "record_name": order.display_name}),
                "subtype": self.env["mail.message.subtype"].sudo(),
                "model_description": model_lang.display_name,
                "record": order,
                "record_name": False,
                "subtitles": False,
                "company": companies.get(order.id) or self.env.company,
                "email_add_signature": False,
                "signature": "",
                "website_url": "",
                "is_html_empty": is_html_empty,
            }, minimal_qcontext=True, raise_if_not_found=False)
            values.update({
                **email_values,
                # The chatter keeps the template's body; the e-mail is that body in the company's layout.
                "body": body,
                "body_html": self.env["mail.render.mixin"]._replace_local_links(layout) if layout else body,
                "partner_ids": [Command.set(partner_ids)],
                "recipient_ids": [Command.set(partner_ids)],
                "attachment_ids": [Command.link(aid) for aid in values.get("attachment_ids") or []],
                "message_type": "comment",
                "subtype_id": comment,
                # Kept as the return's message once the e-mail is sent (the template deletes sent e-mails).
                "is_notification": True,
            })
            values_list.append(values)
        mails = self.env["mail.mail"].sudo().create(values_list)
        for mail, attachments in zip(mails, attachments_list, strict=True):
            if attachments:  # reports the template generates, owned by the message as send_mail_batch does
                mail.with_context(default_type=None).write({"attachment_ids": [
                    Command.create({"name": name, "datas": datas, "type": "binary", "res_model": "mail.message",
                                    "res_id": mail.mail_message_id.id})
                    for name, datas in attachments
                ]})
        # What message_post records for each e-mailed recipient: the chatter shows to whom the message went
        # and whether the e-mail left or bounced (mail.mail updates these when it is sent).
        self.env["mail.notification"].sudo().create([
            {"mail_message_id": mail.mail_message_id.id, "mail_mail_id": mail.id, "res_partner_id": partner.id,
             "notification_type": "email", "notification_status": "ready", "is_read": True}
            for mail in mails for partner in mail.recipient_ids
        ])
        return mails

    def _message_track(self, fields_iter, initial_values_dict):
        if len(self) < 2:
            return super()._message_track(fields_iter, initial_values_dict)
        return self._message_track_batch(fields_iter, initial_values_dict)

    def _track_subtype(self, init_values):
        self.ensure_one()
        if "state" in init_values and self.state == "approved":
            # by its id (cached), not env.ref, which asks the database whether it exists for each return
            subtype_id = self.env["ir.model.data"]._xmlid_to_res_id(
                "reverse_logistics.mt_return_approved", raise_if_not_found=False
            )
            return self.env["mail.message.subtype"].browse(subtype_id) or super()._track_subtype(init_values)
        return super()._track_subtype(init_values)

    @api.model
    def _action_view_for_domain(self, domain):
        action = self.env["ir.actions.act_window"]._for_xml_id("reverse_logistics.action_return_order")
        returns = self.search(domain)
        action["domain"] = [("id", "in", returns.ids)]
        if len(returns) == 1:
            action.update(views=[(False, "form")], res_id=returns.id)
        return action
