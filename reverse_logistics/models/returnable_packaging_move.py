"""The returnable packaging ledger: every unit of packaging that left for a partner, came back or was lost.

Entries are appended by the flows only (deliveries and receipts validated, write-offs approved) and
never changed afterwards, except for the link to the credit note that paid a deposit back. A
partner's balance is a sum over the ledger; anything decided from a balance (taking packaging back,
writing it off, crediting its deposit) is decided under a lock of the partner's balance.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..returns_lib import packaging as packaging_lib
from .return_input_guard import flow_writes
from .return_order_line_returnable import lock_sources

PACKAGING_SIDES = [
    ("customer", "Customer (owes us)"),
    ("supplier", "Supplier (we owe)"),
]
PACKAGING_DIRECTIONS = [
    (packaging_lib.SENT, "Sent"),
    (packaging_lib.RETURNED, "Returned"),
    (packaging_lib.WRITTEN_OFF, "Written Off"),
]
# The lock row of a partner's packaging balance (see _lock_balances).
BALANCE_LOCK_MODEL = "packaging:res.partner"


class ReturnablePackagingMove(models.Model):
    _name = "returnable.packaging.move"
    _inherit = ["return.input.guard"]
    _description = "Returnable Packaging Movement"
    _order = "date desc, id desc"
    _check_company_auto = True
    _flow_readonly_fields = True
    _rec_name = "origin"

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True,
                                 default=lambda self: self.env.company)
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now, index=True)
    partner_id = fields.Many2one(
        "res.partner", required=True, readonly=True, index=True, ondelete="restrict",
        help="The commercial partner holding the packaging (customer side) or owed it (supplier side).",
    )
    product_id = fields.Many2one("product.product", "Packaging", required=True, readonly=True, index=True,
                                 ondelete="restrict", check_company=True)
    lot_id = fields.Many2one("stock.lot", "Serial/Lot", readonly=True, index="btree_not_null", check_company=True)
    side = fields.Selection(PACKAGING_SIDES, required=True, readonly=True, index=True)
    direction = fields.Selection(PACKAGING_DIRECTIONS, required=True, readonly=True, index=True)
    quantity = fields.Float(digits="Product Unit of Measure", required=True, readonly=True)
    balance_qty = fields.Float(
        "Balance Effect", digits="Product Unit of Measure", compute="_compute_balance_qty", store=True,
        help="What this entry adds to the partner's balance: + sent, - returned or written off.",
    )
    product_uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    currency_id = fields.Many2one(related="company_id.currency_id")
    deposit_amount = fields.Monetary(
        "Deposit", readonly=True,
        help="Charged to the customer (+) when the packaging left; credited back (-) when it returned, or kept (-) "
        "when it was written off.",
    )
    deposit_credit_line_id = fields.Many2one(
        "account.move.line", "Deposit Credit", readonly=True, index="btree_not_null", ondelete="set null",
        groups="account.group_account_invoice,reverse_logistics.group_returns_user",
    )
    deposit_credited = fields.Boolean(
        compute="_compute_deposit_credited", store=True,
        help="The deposit of this return is on a credit note (draft or posted).",
    )
    origin = fields.Char("Source Document", readonly=True)
    picking_id = fields.Many2one("stock.picking", "Transfer", readonly=True, index="btree_not_null",
                                 check_company=True)
    stock_move_id = fields.Many2one("stock.move", readonly=True, index="btree_not_null", check_company=True)
    return_line_id = fields.Many2one("return.order.line", readonly=True, index="btree_not_null")
    return_order_id = fields.Many2one(related="return_line_id.order_id", store=True, string="Return")
    writeoff_id = fields.Many2one("returnable.packaging.writeoff", "Write-off", readonly=True,
                                  index="btree_not_null")

    _sql_constraints = [
        ("quantity_positive", "CHECK (quantity > 0)", "A packaging movement moves a positive quantity."),
    ]

    @api.depends("direction", "quantity")
    def _compute_balance_qty(self):
        for entry in self:
            entry.balance_qty = packaging_lib.signed_quantity(entry.direction, entry.quantity) \
                if entry.direction else 0.0

    @api.depends("deposit_credit_line_id.parent_state")
    def _compute_deposit_credited(self):
        for entry in self:
            line = entry.sudo().deposit_credit_line_id
            entry.deposit_credited = bool(line) and line.parent_state != "cancel"

    # ------------------------------------------------------------------
    # ORM: append-only
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not self._in_flow():
            # Who may not create them at all is told so first.
            self.check_access("create")
            raise UserError(self.env._(
                "Packaging movements are written by deliveries, receipts, packaging returns and approved write-offs, "
                "never by hand."))
        return super().create(vals_list)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("Packaging movements are a ledger: they cannot be deleted. Record a write-off "
                                   "or a return instead."))

    @api.model
    def _record(self, vals_list):
        """Append entries. sudo: the ledger is the consequence of a flow (a delivery validated by a stock
        user, a write-off approved by an accountant), not something its user writes."""
        with flow_writes():
            return self.sudo().create(vals_list)

    # ------------------------------------------------------------------
    # Balances
    # ------------------------------------------------------------------
    @api.model
    def _lock_balances(self, partner_ids):
        """Take the packaging balances of these partners until the transaction ends.

        As ``_lock_sources`` (return_order_line_returnable.py): under REPEATABLE READ, upserting the
        partner's lock row makes a concurrent decision on the same balance fail with a serialisation
        error once the first commits; Odoo retries it on fresh data, where it sees the first.
        """
        lock_sources(self.env.cr, [(BALANCE_LOCK_MODEL, key) for key in partner_ids if key])

    @api.model
    def _balances(self, partner_ids, with_lots=False):
        """{(partner id, product id, side[, lot id]): (units held, open deposit)} in one query.

        sudo: a balance counts every entry, whoever asks (a clerk validating a delivery, a portal
        customer through the controller); only sums are read.
        """
        groupby = ["partner_id", "product_id", "side"] + (["lot_id"] if with_lots else [])
        groups = self.sudo()._read_group(
            [("partner_id", "in", list(partner_ids))], groupby, ["balance_qty:sum", "deposit_amount:sum"],
        )
        return {
            tuple(value if isinstance(value, str) else value.id for value in group[:len(groupby)]):
            tuple(group[len(groupby):])
            for group in groups
        }

    @api.model
    def _check_can_take_back(self, requests, claimed=None):
        """Refuse taking back or writing off more than the partners hold; lock their balances first.

        ``requests``: [(partner, product, side, lot, quantity)], quantities in the product's unit;
        ``claimed``: {(partner id, product id, side[, lot id]): units already promised back (open returns)},
        read by the caller after ``_lock_balances``.
        Serial-tracked units are checked per serial too: a container is taken back from whoever has it.
        """
        if not requests:
            return
        for _partner, product, _side, _lot, quantity in requests:
            if quantity <= 0:
                raise ValidationError(self.env._(
                    "The quantity of %(product)s must be positive (%(qty)s given).",
                    product=product.display_name, qty=quantity))
        partner_ids = {partner.id for partner, *_rest in requests}
        self._lock_balances(partner_ids)
        claimed = claimed or {}
        asked = [((partner.id, product.id, side), qty) for partner, product, side, _lot, qty in requests]
        lotted = [((partner.id, product.id, side, lot.id), qty) for partner, product, side, lot, qty in requests if lot]
        held = {key: qty for key, (qty, _deposit) in self._balances(partner_ids).items()}
        if lotted:
            held.update({key: qty for key, (qty, _deposit) in self._balances(partner_ids, with_lots=True).items()
                         if key[3]})
        current = {key: held.get(key, 0.0) - claimed.get(key, 0.0) for key, _qty in asked + lotted}
        problems = packaging_lib.shortfalls(asked + lotted, current)
        if problems:
            raise ValidationError("\n".join(self._describe_shortfall(problem) for problem in problems))

    @api.model
    def _describe_shortfall(self, shortfall):
        partner = self.env["res.partner"].sudo().browse(shortfall.key[0])
        product = self.env["product.product"].sudo().browse(shortfall.key[1])
        side = shortfall.key[2]
        if len(shortfall.key) == 4:
            lot = self.env["stock.lot"].sudo().browse(shortfall.key[3])
            return self.env._(
                "%(partner)s does not hold %(product)s %(lot)s: it was not sent to them, or it came back already.",
                partner=partner.display_name, product=product.display_name, lot=lot.name)
        if side == "supplier":
            return self.env._(
                "Cannot give back %(qty)s %(product)s to %(partner)s: we owe them %(balance)s.",
                qty=shortfall.requested, product=product.display_name, partner=partner.display_name,
                balance=max(shortfall.balance, 0.0))
        return self.env._(
            "Cannot take back or write off %(qty)s %(product)s from %(partner)s: they hold %(balance)s "
            "(not already on an open return).",
            qty=shortfall.requested, product=product.display_name, partner=partner.display_name,
            balance=max(shortfall.balance, 0.0))

    @api.model
    def _settle_deposits(self, vals_list):
        """Give returned and written-off entries their share of the open deposit, in order.

        Called under the lock of the balances, before the entries are written: the deposit still held
        per unit is (charged - credited or kept) / units out, so the sum credited never exceeds the sum
        charged, whatever order the packaging comes back in.
        """
        partner_ids = {vals["partner_id"] for vals in vals_list}
        running = {key: list(value) for key, value in self._balances(partner_ids).items()}
        for vals in vals_list:
            key = (vals["partner_id"], vals["product_id"], vals["side"])
            qty_out, deposit_open = running.setdefault(key, [0.0, 0.0])
            quantity = vals["quantity"]
            if vals["direction"] == packaging_lib.SENT:
                running[key] = [qty_out + quantity, deposit_open + vals.get("deposit_amount", 0.0)]
                continue
            per_unit = packaging_lib.open_deposit_per_unit(deposit_open, 0.0, qty_out)
            currency = self.env["res.company"].browse(vals["company_id"]).currency_id
            amount = currency.round(min(per_unit * quantity, max(deposit_open, 0.0)))
            vals["deposit_amount"] = -amount
            running[key] = [qty_out - quantity, deposit_open - amount]
        return vals_list

    def _ledger_entries(self):
        """The entries as plain values for returns_lib.packaging, keyed per partner, product and side."""
        return [
            packaging_lib.Entry(
                key=(entry.partner_id.id, entry.product_id.id, entry.side), direction=entry.direction,
                quantity=entry.quantity, date=fields.Date.to_date(entry.date), deposit=entry.deposit_amount,
                lot=entry.lot_id.id or None,
            )
            for entry in self
        ]

    @api.model
    def _reuse_figures(self, domain):
        """Share of packaging returned and trips per container, customer side, over ``domain``."""
        entries = self.sudo().search([*domain, ("side", "=", "customer")])
        return packaging_lib.reuse_figures(entries._ledger_entries())
