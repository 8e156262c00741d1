"""Aging of return credits by days since the goods were received: an SQL view over the stored fields of the
reconciliation workspace, the bucket computed when queried so that it is always today's."""

from odoo import fields, models
from odoo.tools import SQL

from .return_credit_reconciliation import CREDIT_STATUSES

AGING_BUCKETS = [
    ("0_30", "0-30 days"),
    ("31_60", "31-60 days"),
    ("61_90", "61-90 days"),
    ("90_plus", "Over 90 days"),
]


class ReturnCreditAging(models.Model):
    _name = "return.credit.aging"
    _description = "Return Credit Aging"
    _auto = False
    _rec_name = "line_id"
    # What the view reads: searching it flushes these first, so it shows what the transaction just did.
    _depends = {
        "return.order.line": [
            "order_id", "company_id", "partner_id", "product_id", "requested_outcome", "exchange_product_id",
            "credit_journal_id", "credit_status", "credit_receipt_date", "credit_expected_amount",
            "credit_posted_amount", "credit_reconciled_amount", "credit_refunded_amount",
        ],
        "res.company": ["currency_id"],
    }
    _order = "days_since_receipt desc, id"

    line_id = fields.Many2one("return.order.line", "Return Line", readonly=True)
    order_id = fields.Many2one("return.order", "Return", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    journal_id = fields.Many2one("account.journal", "Sales Journal", readonly=True)
    credit_status = fields.Selection(CREDIT_STATUSES, readonly=True)
    receipt_date = fields.Date("Received On", readonly=True)
    days_since_receipt = fields.Integer(readonly=True, aggregator="max")
    aging_bucket = fields.Selection(AGING_BUCKETS, "Age", readonly=True)
    expected_amount = fields.Monetary("Expected Credit", readonly=True)
    posted_amount = fields.Monetary("Posted", readonly=True)
    to_credit_amount = fields.Monetary(
        "Still to Credit", readonly=True, help="Expected credit not posted yet.")
    unsettled_amount = fields.Monetary(
        "Posted, Not Settled", readonly=True, help="Posted credit neither applied to an invoice nor paid out.")

    @property
    def _table_query(self):
        return SQL(
            """
            SELECT rol.id AS id,
                   rol.id AS line_id,
                   rol.order_id,
                   rol.company_id,
                   company.currency_id,
                   rol.partner_id,
                   rol.product_id,
                   rol.credit_journal_id AS journal_id,
                   rol.credit_status,
                   rol.credit_receipt_date AS receipt_date,
                   (CURRENT_DATE - rol.credit_receipt_date) AS days_since_receipt,
                   CASE WHEN CURRENT_DATE - rol.credit_receipt_date <= 30 THEN '0_30'
                        WHEN CURRENT_DATE - rol.credit_receipt_date <= 60 THEN '31_60'
                        WHEN CURRENT_DATE - rol.credit_receipt_date <= 90 THEN '61_90'
                        ELSE '90_plus' END AS aging_bucket,
                   rol.credit_expected_amount AS expected_amount,
                   rol.credit_posted_amount AS posted_amount,
                   GREATEST(COALESCE(rol.credit_expected_amount, 0) - COALESCE(rol.credit_posted_amount, 0), 0)
                       AS to_credit_amount,
                   COALESCE(rol.credit_posted_amount, 0) - COALESCE(rol.credit_reconciled_amount, 0)
                       - COALESCE(rol.credit_refunded_amount, 0) AS unsettled_amount
              FROM return_order_line rol
              JOIN res_company company ON company.id = rol.company_id
             WHERE (rol.requested_outcome = 'refund' OR rol.exchange_product_id IS NOT NULL)
               AND rol.credit_receipt_date IS NOT NULL
            """
        )
