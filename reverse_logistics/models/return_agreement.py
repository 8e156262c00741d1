"""Return agreements: what a trade customer may send back as excess stock (stock rotation, overstock).

An agreement with a customer allows a share of what they bought over a rolling period (e.g. 10 % of
the last 6 months' invoiced value, net of credit notes) to come back, for the products it covers that
are still sold, in the condition it requires, less a restocking fee, credited as it says. Proposals are
checked against it in return_agreement_proposal.py; the returns it produces are of kind "excess"
(return_order_excess.py).
"""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .return_credit_outcome import CREDIT_OUTCOMES

AGREEMENT_STATES = [("draft", "Draft"), ("active", "Active"), ("expired", "Expired")]
RETURN_CONDITIONS = [
    ("unopened", "Unopened, in original packaging"),
    ("resaleable", "Resaleable as new"),
    ("any", "Any condition"),
]
# A period longer than this is not a rotation of stock but a second chance at every purchase.
MAX_PERIOD_MONTHS = 36


class ReturnAgreement(models.Model):
    _name = "return.agreement"
    _description = "Return Agreement"
    _inherit = ["mail.thread", "return.input.guard"]
    _order = "state, date_end desc, id desc"
    _check_company_auto = True
    # Changed by the actions only: Activate, Expire, Reset to Draft; the check's lock stamp.
    _flow_fields = ("state", "date_last_check")

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    partner_id = fields.Many2one(
        "res.partner", "Customer", required=True, index=True, tracking=True, check_company=True,
        domain="[('parent_id', '=', False)]",
        help="The trade customer (a company): its contacts and addresses propose returns under the agreement too.",
    )
    state = fields.Selection(AGREEMENT_STATES, default="draft", required=True, tracking=True, index=True, copy=False)
    date_start = fields.Date("Valid From", required=True, default=fields.Date.context_today, tracking=True)
    date_end = fields.Date("Valid Until", required=True, tracking=True)
    share_percent = fields.Float(
        "Allowed Share (%)", digits=(5, 2), required=True, default=10.0, tracking=True,
        help="Share of the customer's purchases over the period that may come back, in value at the prices paid.",
    )
    period_months = fields.Integer(
        "Period (Months)", required=True, default=6, tracking=True,
        help="The rolling period, up to today, over which purchases are counted: posted customer invoices net of "
        "credit notes (those of excess returns excepted: they are counted as the allowance used).",
    )
    categ_ids = fields.Many2many(
        "product.category", string="Eligible Categories",
        help="Products of these categories (and their subcategories) may come back. Empty, with no products "
        "either: every product still sold.",
    )
    product_ids = fields.Many2many(
        "product.product", string="Eligible Products", check_company=True,
        help="Products that may come back besides those of the eligible categories.",
    )
    condition = fields.Selection(
        RETURN_CONDITIONS, "Required Condition", required=True, default="unopened", tracking=True,
        help="Told to the customer with the return; inspection grades the goods and the credit follows the grade.",
    )
    restocking_fee_percent = fields.Float(
        "Restocking Fee (%)", digits=(5, 2), tracking=True,
        help="Deducted from the credit of the returned value, on a credit-note line of its own.",
    )
    credit_outcome = fields.Selection(
        CREDIT_OUTCOMES, "Credit Method", required=True, default="store_credit", tracking=True,
        help="What the credit notes of its returns do once posted.",
    )
    auto_approve = fields.Boolean(
        "Approve Checked Returns", tracking=True,
        help="A return whose every line the check accepted is approved when submitted, without a person.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_last_check = fields.Datetime(
        "Last Allowance Decision", readonly=True, copy=False,
        help="Stamped when a proposal takes from the allowance: two proposals at once cannot both take its last part.",
    )
    return_ids = fields.One2many("return.order", "return_agreement_id", "Returns", readonly=True)
    return_count = fields.Integer(compute="_compute_return_count")
    purchases_amount = fields.Monetary("Purchases in the Period", compute="_compute_allowance")
    allowance_amount = fields.Monetary("Allowance", compute="_compute_allowance")
    used_amount = fields.Monetary("Used", compute="_compute_allowance",
                                  help="Value of the excess returns of the period that are not refused or cancelled.")
    allowance_left = fields.Monetary("Left", compute="_compute_allowance")
    note = fields.Html("Terms")

    _sql_constraints = [
        ("share_percent_range", "CHECK(share_percent >= 0 AND share_percent <= 100)",
         "The allowed share of purchases is between 0 and 100 %."),
        ("restocking_fee_range", "CHECK(restocking_fee_percent >= 0 AND restocking_fee_percent <= 100)",
         "The restocking fee is between 0 and 100 % of the returned value."),
        ("period_range", f"CHECK(period_months BETWEEN 1 AND {MAX_PERIOD_MONTHS})",
         f"The period counts between 1 and {MAX_PERIOD_MONTHS} months of purchases."),
        ("dates_order", "CHECK(date_end >= date_start)", "An agreement ends after it starts."),
    ]

    def _compute_return_count(self):
        counts = dict(self.env["return.order"]._read_group(
            [("return_agreement_id", "in", self.ids)], ["return_agreement_id"], ["__count"]))
        for agreement in self:
            agreement.return_count = counts.get(agreement, 0)

    @api.depends("share_percent", "period_months", "partner_id", "company_id")
    def _compute_allowance(self):
        for agreement in self:
            if not agreement.id or not agreement.partner_id:
                agreement.update(dict.fromkeys(
                    ("purchases_amount", "allowance_amount", "used_amount", "allowance_left"), 0.0))
                continue
            figures = agreement._allowance_figures()
            agreement.purchases_amount = figures["purchases"]
            agreement.allowance_amount = figures["allowance"]
            agreement.used_amount = figures["used"]
            agreement.allowance_left = figures["left"]

    @api.constrains("partner_id", "state", "date_start", "date_end", "company_id")
    def _check_one_active_agreement(self):
        """One active agreement per customer and company at a time: the allowance is counted once."""
        active = self.filtered(lambda agreement: agreement.state == "active")
        if not active:
            return
        others = self.search([
            ("id", "not in", active.ids), ("state", "=", "active"),
            ("partner_id", "in", active.partner_id.ids), ("company_id", "in", active.company_id.ids),
        ])
        for agreement in active:
            for other in (others | active) - agreement:
                if (other.partner_id == agreement.partner_id and other.company_id == agreement.company_id
                        and other.date_start <= agreement.date_end and agreement.date_start <= other.date_end):
                    raise ValidationError(self.env._(
                        "%(customer)s has another active return agreement over the same dates (%(other)s): end it "
                        "before activating this one.", customer=agreement.partner_id.display_name, other=other.name))

    @api.constrains("partner_id")
    def _check_partner_is_commercial(self):
        for agreement in self:
            if agreement.partner_id != agreement.partner_id.commercial_partner_id:
                raise ValidationError(self.env._(
                    "A return agreement is made with the customer's company (%(company)s), not with one of its "
                    "contacts.", company=agreement.partner_id.commercial_partner_id.display_name))

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def _check_manager(self):
        if not self.env.user.has_group("reverse_logistics.group_returns_manager") and not self.env.su:
            raise UserError(self.env._("Only a Returns Manager can activate, end or reopen a return agreement."))

    def action_activate(self):
        self._check_manager()
        wrong = self.filtered(lambda agreement: agreement.state != "draft")
        if wrong:
            raise UserError(self.env._("Only draft agreements can be activated: %s is not one.",
                                       ", ".join(wrong.mapped("name"))))
        self._flow_write({"state": "active"})
        return True

    def action_expire(self):
        self._check_manager()
        self.filtered(lambda agreement: agreement.state == "active")._flow_write({"state": "expired"})
        return True

    def action_draft(self):
        self._check_manager()
        self.filtered(lambda agreement: agreement.state == "expired")._flow_write({"state": "draft"})
        return True

    def action_view_returns(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("reverse_logistics.action_return_order")
        action["domain"] = [("return_agreement_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    def action_propose_return(self):
        self.ensure_one()
        self._check_valid()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Propose Excess-Stock Return"),
            "res_model": "return.excess.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_agreement_id": self.id},
        }

    def _is_valid(self, date=None):
        self.ensure_one()
        date = date or fields.Date.context_today(self)
        return self.state == "active" and self.active and self.date_start <= date <= self.date_end

    def _check_valid(self, date=None):
        for agreement in self:
            if not agreement._is_valid(date):
                raise UserError(self.env._(
                    "Return agreement %(name)s is not in force today (it is %(state)s, valid from %(start)s to "
                    "%(end)s): no excess stock can be returned under it.",
                    name=agreement.name, state=dict(AGREEMENT_STATES)[agreement.state],
                    start=agreement.date_start, end=agreement.date_end))
