"""Write-off of lost returnable packaging: a returns user proposes, an accountant approves and posts.

Approving takes the units off the partner's balance (a ledger entry; the deposit still held for them
is kept) and posts their value to the write-off expense account of the product category or company,
against the account the packaging left stock through.
"""

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..returns_lib import packaging as packaging_lib
from .returnable_packaging_move import PACKAGING_SIDES

WRITEOFF_STATES = [
    ("draft", "Draft"),
    ("to_approve", "To Approve"),
    ("approved", "Approved"),
    ("refused", "Refused"),
]
ACCOUNTANT_GROUP = "account.group_account_manager"


class ReturnablePackagingWriteoff(models.Model):
    _name = "returnable.packaging.writeoff"
    _inherit = ["mail.thread", "mail.activity.mixin", "return.input.guard"]
    _description = "Returnable Packaging Write-off"
    _order = "id desc"
    _check_company_auto = True
    _flow_fields = ("state", "requested_by_id", "approved_by_id", "date_approved", "amount", "account_move_id")
    _text_limits = {"reason": 2_000}

    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    partner_id = fields.Many2one(
        "res.partner", required=True, index=True, tracking=True, check_company=True,
        domain="[('is_company', '=', True)]", help="The partner who lost the packaging, or whose packaging we lost.",
    )
    product_id = fields.Many2one(
        "product.product", "Packaging", required=True, tracking=True, check_company=True,
        domain="[('returnable_packaging', '=', True)]",
    )
    lot_id = fields.Many2one("stock.lot", "Serial/Lot", check_company=True, domain="[('product_id', '=', product_id)]")
    side = fields.Selection(PACKAGING_SIDES, required=True, default="customer")
    quantity = fields.Float(digits="Product Unit of Measure", required=True, default=1.0, tracking=True)
    reason = fields.Text(required=True, help="What happened to the packaging; kept with the write-off.")
    state = fields.Selection(WRITEOFF_STATES, required=True, default="draft", tracking=True, readonly=True,
                             index=True, copy=False)
    requested_by_id = fields.Many2one("res.users", "Proposed By", readonly=True, copy=False)
    approved_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    date_approved = fields.Datetime("Approved On", readonly=True, copy=False)
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount = fields.Monetary("Written-off Value", readonly=True, copy=False)
    account_move_id = fields.Many2one("account.move", readonly=True, copy=False,
                                      groups="account.group_account_invoice")

    _sql_constraints = [
        ("quantity_positive", "CHECK (quantity > 0)", "The quantity written off must be positive."),
    ]

    @api.depends("partner_id", "product_id", "quantity")
    def _compute_display_name(self):
        for writeoff in self:
            writeoff.display_name = self.env._(
                "Write-off of %(qty)s %(product)s (%(partner)s)", qty=writeoff.quantity,
                product=writeoff.product_id.display_name or "", partner=writeoff.partner_id.display_name or "")

    # ------------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        self = self._prepare_guarded_create(vals_list)
        vals_list = [dict(vals) for vals in vals_list]  # the caller's values stay as they were
        for vals in vals_list:
            self._check_request_values(vals)
            if vals.get("partner_id"):
                vals["partner_id"] = self.env["res.partner"].browse(vals["partner_id"]).commercial_partner_id.id
        return super().create(vals_list)

    def write(self, vals):
        changed = {"partner_id", "product_id", "lot_id", "side", "quantity", "company_id"} & set(vals)
        if changed and not self._in_flow():
            frozen = self.filtered(lambda w: w.state != "draft")
            if frozen:
                raise UserError(self.env._("%s is submitted already: refuse it and propose another one.",
                                           ", ".join(frozen.mapped("display_name"))))
            for writeoff in self:
                self._check_request_values({"product_id": writeoff.product_id.id, "quantity": writeoff.quantity,
                                            **vals})
        return super().write(vals)

    @api.model
    def _check_request_values(self, vals):
        product = self.env["product.product"].browse(vals.get("product_id") or [])
        if product and not product.returnable_packaging:
            raise ValidationError(self.env._("%s is not returnable packaging.", product.display_name))
        quantity = vals.get("quantity", 1.0)
        if isinstance(quantity, (int, float)) and not isinstance(quantity, bool) and quantity <= 0:
            raise ValidationError(self.env._("The quantity written off must be positive (%s given).", quantity))

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        if any(writeoff.state not in ("draft", "refused") for writeoff in self):
            raise UserError(self.env._("Only draft or refused write-offs can be deleted."))

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def _check_balance(self):
        """Under the lock of the partners' balances: each write-off takes at most what the partner holds,
        less what their open packaging returns announce (those units are on their way back)."""
        Ledger = self.env["returnable.packaging.move"]
        partners = set(self.partner_id.ids)
        Ledger._lock_balances(partners)
        claimed = self.env["return.order.line"]._packaging_claimed(partners, None)
        Ledger._check_can_take_back(
            [(w.partner_id, w.product_id, w.side, w.lot_id, w.quantity) for w in self],
            claimed=claimed,
        )

    def action_submit(self):
        wrong = self.filtered(lambda w: w.state != "draft")
        if wrong:
            raise UserError(self.env._("Only draft write-offs can be submitted."))
        self._lock_rows_or_refuse(self.env._("Someone else is processing these write-offs: try again."))
        self._check_balance()
        self._flow_write({"state": "to_approve", "requested_by_id": self.env.user.id})
        self._schedule_approval()
        return True

    def _schedule_approval(self):
        """A to-do for an accountant of the company, created in one batch."""
        accountants = self.env.ref(ACCOUNTANT_GROUP).users.filtered(lambda u: not u.share)
        model_id = self.env["ir.model"]._get_id(self._name)
        values = []
        for writeoff in self:
            user = accountants.filtered(lambda u, w=writeoff: w.company_id in u.company_ids)[:1]
            if user:
                values.append({
                    "res_model_id": model_id, "res_id": writeoff.id, "user_id": user.id,
                    "activity_type_id": self.env.ref("mail.mail_activity_data_todo").id,
                    "summary": self.env._("Approve packaging write-off"), "note": writeoff.reason,
                    "date_deadline": fields.Date.context_today(self), "automated": True,
                })
        # sudo: the to-do is the flow's; the clerk proposing may not create activities for accountants.
        self.env["mail.activity"].sudo().create(values)

    def action_approve(self):
        """Take the units off the balance and post their value to the write-off account; accountants only."""
        if not self.env.user.has_group(ACCOUNTANT_GROUP):
            raise UserError(self.env._("Only an accounting manager can approve a packaging write-off."))
        wrong = self.filtered(lambda w: w.state != "to_approve")
        if wrong:
            raise UserError(self.env._("Only submitted write-offs can be approved: %s",
                                       ", ".join(wrong.mapped("display_name"))))
        self._lock_rows_or_refuse(self.env._("Someone else is processing these write-offs: try again."))
        self._check_balance()
        plans = [(writeoff, *writeoff._accounting_plan()) for writeoff in self]
        Ledger = self.env["returnable.packaging.move"]
        Ledger._record(Ledger._settle_deposits([{
            "company_id": w.company_id.id, "date": fields.Datetime.now(), "partner_id": w.partner_id.id,
            "product_id": w.product_id.id, "lot_id": w.lot_id.id, "side": w.side,
            "direction": packaging_lib.WRITTEN_OFF, "quantity": w.quantity, "writeoff_id": w.id,
            "origin": w.display_name,
        } for w in self]))
        moves = self.env["account.move"].create([w._prepare_move_values(*plan) for w, *plan in plans])
        moves.action_post()
        for writeoff, move in zip(self, moves, strict=True):
            writeoff._flow_write({
                "state": "approved", "approved_by_id": self.env.user.id, "date_approved": fields.Datetime.now(),
                "amount": move.amount_total, "account_move_id": move.id,
            })
        self._close_approval_activities()
        # A button and XML-RPC both call this: a plain value, never the ledger entries (not marshallable).
        return True

    def action_refuse(self):
        if not self.env.user.has_group(ACCOUNTANT_GROUP):
            raise UserError(self.env._("Only an accounting manager can refuse a packaging write-off."))
        wrong = self.filtered(lambda w: w.state != "to_approve")
        if wrong:
            raise UserError(self.env._("Only submitted write-offs can be refused."))
        self._flow_write({"state": "refused"})
        self._close_approval_activities()
        return True

    def _close_approval_activities(self):
        # sudo: the approval to-do may be assigned to another accountant than the one who decided.
        self.sudo().activity_unlink(["mail.mail_activity_data_todo"])

    def _accounting_plan(self):
        """(expense account, counterpart account, journal, amount), or a clear refusal of what is missing."""
        self.ensure_one()
        company = self.company_id
        product = self.product_id.with_company(company)
        expense = product.categ_id.packaging_writeoff_account_id or company.packaging_writeoff_account_id
        if not expense:
            raise UserError(self.env._(
                "Set the packaging write-off account of company %(company)s or of category %(category)s first.",
                company=company.name, category=product.categ_id.display_name))
        counterpart = product.product_tmpl_id._get_product_accounts().get("stock_output")
        if not counterpart:
            raise UserError(self.env._("Category %s has no stock output account to take the packaging off.",
                                       product.categ_id.display_name))
        journal = self.env["account.journal"].search(
            [*self.env["account.journal"]._check_company_domain(company), ("type", "=", "general")], limit=1)
        if not journal:
            raise UserError(self.env._("Company %s has no miscellaneous journal.", company.name))
        unit_value = product.standard_price or product.packaging_deposit_price
        amount = company.currency_id.round(unit_value * self.quantity)
        if company.currency_id.is_zero(amount):
            raise UserError(self.env._("%s has no cost nor deposit: there is nothing to write off in the accounts.",
                                       product.display_name))
        return expense, counterpart, journal, amount

    def _prepare_move_values(self, expense, counterpart, journal, amount):
        label = self.env._("Lost packaging: %(qty)s %(product)s (%(partner)s)", qty=self.quantity,
                           product=self.product_id.display_name, partner=self.partner_id.display_name)
        return {
            "move_type": "entry",
            "journal_id": journal.id,
            "company_id": self.company_id.id,
            "date": fields.Date.context_today(self),
            "ref": label,
            "line_ids": [
                Command.create({"name": label, "account_id": expense.id, "debit": amount, "credit": 0.0,
                                "partner_id": self.partner_id.id}),
                Command.create({"name": label, "account_id": counterpart.id, "debit": 0.0, "credit": amount,
                                "partner_id": self.partner_id.id}),
            ],
        }
