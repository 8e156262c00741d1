# pylint: disable=consider-merging-classes-inherited
# Exchanges for another product: how the price difference reaches the customer's account.
"""An exchange for another product settles its price difference through the customer's account.

The returned goods are credited from their invoice like a refund (same price, discount, taxes), and the
product sent instead is invoiced at its price on the sale order's pricelist, on an invoice of its own.
Posting applies the credit note to that invoice first: what is left on the invoice is the difference
the customer pays; what is left on the credit note is the difference credited, refunded or kept as
store credit as the return's outcome says. Revenue reports see a credit of the old product and a sale
of the new one, not a single netted line.
"""

from odoo import Command, api, fields, models
from odoo.exceptions import ValidationError


class ReturnOrderLine(models.Model):
    _inherit = "return.order.line"

    exchange_product_id = fields.Many2one(
        "product.product", "Exchange For", check_company=True, groups="base.group_user",
        domain="[('sale_ok', '=', True), ('type', '=', 'consu')]",
        help="For an exchange: the product the customer gets instead. Its price difference is invoiced or "
        "credited. Empty, or the same product: a like-for-like exchange with nothing to invoice or credit.",
    )
    exchange_price_unit = fields.Monetary(
        "Exchange Price", compute="_compute_exchange_price_unit", store=True, readonly=True, groups="base.group_user",
        help="Unit price of the product sent instead, from the sale order's pricelist (or its sales price).",
    )

    @api.depends("exchange_product_id", "product_uom_qty", "order_id.sale_order_id.pricelist_id")
    def _compute_exchange_price_unit(self):
        for line in self:
            product = line.exchange_product_id
            pricelist = line.order_id.sale_order_id.pricelist_id
            if not product:
                line.exchange_price_unit = 0.0
            elif pricelist:
                price = pricelist._get_product_price(product, line.product_uom_qty or 1.0)
                line.exchange_price_unit = pricelist.currency_id._convert(
                    price, line.currency_id, line.company_id, fields.Date.context_today(line))
            else:
                line.exchange_price_unit = product.lst_price

    @api.constrains("exchange_product_id", "requested_outcome")
    def _check_exchange_product(self):
        for line in self:
            if line.exchange_product_id and line.requested_outcome != "exchange":
                raise ValidationError(self.env._(
                    "%s is not an exchange: clear its Exchange For product or request an exchange.",
                    line.display_name))
            product = line.exchange_product_id
            if product and (not product.sale_ok or product.type != "consu"):
                raise ValidationError(self.env._(
                    "%(line)s: %(product)s is not goods that are sold, it cannot be sent in exchange.",
                    line=line.display_name, product=product.display_name))

    def _is_priced_exchange(self):
        """An exchange for another product: credited and invoiced. Like for like: nothing to account."""
        self.ensure_one()
        return (self.requested_outcome == "exchange" and bool(self.exchange_product_id)
                and self.exchange_product_id != self.product_id)


class ReturnOrder(models.Model):
    _inherit = "return.order"

    def _prepare_exchange_invoice_values(self, items):
        """A draft customer invoice of the products sent instead, for ``items`` [(return line, quantity in
        the returned product's unit)] of returns of one customer and company."""
        order = items[0][0].order_id
        partner = order.partner_id.commercial_partner_id
        return {
            "move_type": "out_invoice",
            "company_id": order.company_id.id,
            "partner_id": partner.id,
            "currency_id": order.currency_id.id,
            "invoice_origin": ", ".join(self.mapped("name")),
            "ref": self.env._("Exchange %s", ", ".join(self.mapped("name"))),
            "fiscal_position_id": self.env["account.fiscal.position"].with_company(order.company_id)
            ._get_fiscal_position(partner).id,
            "invoice_line_ids": [
                Command.create({
                    "product_id": line.exchange_product_id.id,
                    "quantity": quantity,
                    "price_unit": line.exchange_price_unit,
                    "return_line_id": line.id,
                    "return_credit_kind": "exchange",
                })
                for line, quantity in items
            ],
        }

    def _draft_exchange_invoices(self, plan):
        """Invoice what exchanges send instead, as much as their returned goods are credited now (the credit
        is capped, so is this). Returns the draft invoices."""
        items_by_key = {}
        for line, source, quantity in plan:
            if not line._is_priced_exchange():
                continue
            if source:
                quantity = source.product_uom_id._compute_quantity(quantity, line.product_id.uom_id)
            key = (line.order_id.partner_id.commercial_partner_id, line.company_id)
            items_by_key.setdefault(key, []).append((line, quantity))
        invoices = self.env["account.move"].sudo()
        for items in items_by_key.values():
            orders = self.browse([line.order_id.id for line, _q in items])
            invoices |= invoices.create(orders._prepare_exchange_invoice_values(items))
        return invoices
