"""Packaging balances per partner, type and side: a view over the ledger, for lists, pivots and statements."""

from odoo import fields, models, tools
from odoo.tools import SQL

from .returnable_packaging_move import PACKAGING_SIDES


class ReturnablePackagingBalance(models.Model):
    _name = "returnable.packaging.balance"
    _description = "Returnable Packaging Balance"
    _auto = False
    _order = "partner_id, product_id, side"
    _rec_name = "partner_id"
    # What the view reads: searching it flushes the ledger first, so a balance includes what was just written.
    _depends = {
        "returnable.packaging.move": [
            "company_id", "partner_id", "product_id", "side", "direction", "quantity", "balance_qty",
            "deposit_amount", "date",
        ],
    }

    company_id = fields.Many2one("res.company", readonly=True)
    partner_id = fields.Many2one("res.partner", readonly=True)
    product_id = fields.Many2one("product.product", "Packaging", readonly=True)
    side = fields.Selection(PACKAGING_SIDES, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    qty_sent = fields.Float("Sent", digits="Product Unit of Measure", readonly=True)
    qty_returned = fields.Float("Returned", digits="Product Unit of Measure", readonly=True)
    qty_written_off = fields.Float("Written Off", digits="Product Unit of Measure", readonly=True)
    balance_qty = fields.Float("Balance", digits="Product Unit of Measure", readonly=True,
                               help="Units the partner holds (customer side) or we owe them (supplier side).")
    deposit_charged = fields.Monetary(readonly=True)
    deposit_credited = fields.Monetary(readonly=True, help="Deposits of returned packaging, credited or to credit.")
    deposit_kept = fields.Monetary(readonly=True, help="Deposits kept for packaging written off.")
    deposit_open = fields.Monetary("Deposit Held", readonly=True)
    date_last_sent = fields.Datetime("Last Sent", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL(
            """
            CREATE VIEW %s AS (
                SELECT MIN(m.id) AS id, m.company_id, m.partner_id, m.product_id, m.side,
                       SUM(CASE WHEN m.direction = 'sent' THEN m.quantity ELSE 0 END) AS qty_sent,
                       SUM(CASE WHEN m.direction = 'returned' THEN m.quantity ELSE 0 END) AS qty_returned,
                       SUM(CASE WHEN m.direction = 'written_off' THEN m.quantity ELSE 0 END) AS qty_written_off,
                       SUM(m.balance_qty) AS balance_qty,
                       SUM(CASE WHEN m.direction = 'sent' THEN m.deposit_amount ELSE 0 END) AS deposit_charged,
                       -SUM(CASE WHEN m.direction = 'returned' THEN m.deposit_amount ELSE 0 END) AS deposit_credited,
                       -SUM(CASE WHEN m.direction = 'written_off' THEN m.deposit_amount ELSE 0 END) AS deposit_kept,
                       SUM(m.deposit_amount) AS deposit_open,
                       MAX(CASE WHEN m.direction = 'sent' THEN m.date END) AS date_last_sent
                  FROM returnable_packaging_move m
              GROUP BY m.company_id, m.partner_id, m.product_id, m.side
            )
            """,
            SQL.identifier(self._table),
        ))
