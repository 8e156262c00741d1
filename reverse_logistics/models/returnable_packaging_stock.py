# pylint: disable=consider-merging-classes-inherited
# Returnable packaging moving through the warehouse: the transfers write the packaging ledger.
from collections import defaultdict

from odoo import fields, models

from ..returns_lib import packaging as packaging_lib


class StockWarehouse(models.Model):
    _inherit = "stock.warehouse"

    packaging_location_id = fields.Many2one(
        "stock.location", "Returnable Packaging Location", check_company=True, copy=False,
        help="Returnable packaging coming back from partners is received here, apart from sellable stock.",
    )

    def _get_packaging_location(self):
        """The warehouse's packaging location, created the first time packaging comes back.

        sudo: a returns clerk approving a packaging return needs the location, not the right to
        configure warehouses; the location is created as the warehouse's own, once.
        """
        self.ensure_one()
        if not self.packaging_location_id:
            location = self.env["stock.location"].sudo().create({
                "name": self.env._("Returnable Packaging"),
                "usage": "internal",
                "location_id": self.view_location_id.id,
                "company_id": self.company_id.id,
            })
            self.sudo().packaging_location_id = location
        return self.packaging_location_id


class StockMove(models.Model):
    _inherit = "stock.move"

    def _packaging_flow(self):
        """(side, direction) of a move of returnable packaging, or None when it is not a partner's business."""
        self.ensure_one()
        source, destination = self.location_id.usage, self.location_dest_id.usage
        if destination == "customer" and source != "customer":
            return "customer", packaging_lib.SENT
        if source == "customer" and destination != "customer":
            return "customer", packaging_lib.RETURNED
        if source == "supplier" and destination != "supplier":
            return "supplier", packaging_lib.SENT
        if destination == "supplier" and source != "supplier":
            return "supplier", packaging_lib.RETURNED
        return None

    def _packaging_partner(self):
        return (self.picking_id.partner_id or self.partner_id).commercial_partner_id

    def _packaging_units(self):
        """[(lot, quantity in the product's unit)] a move of packaging moves: per serial or lot, else in one."""
        self.ensure_one()
        uom = self.product_id.uom_id
        if self.has_tracking != "none" and self.move_line_ids.lot_id:
            units = defaultdict(float)
            for move_line in self.move_line_ids:
                if move_line.quantity:
                    units[move_line.lot_id] += move_line.product_uom_id._compute_quantity(move_line.quantity, uom)
            return list(units.items())
        return [(self.env["stock.lot"], self.product_uom._compute_quantity(self.quantity, uom))]

    def _packaging_moves(self):
        return self.filtered(lambda m: m.product_id.returnable_packaging and m._packaging_flow()
                             and m._packaging_partner())

    def _action_done(self, cancel_backorder=False):
        # Packaging coming back is checked against what the partner holds before anything moves: a receipt of
        # more pallets than were sent is refused with the partner's balance, and nothing is validated.
        coming_back = self.filtered(lambda m: m.state not in ("done", "cancel"))._packaging_moves().filtered(
            lambda m: m._packaging_flow()[1] == packaging_lib.RETURNED
        )
        if coming_back:
            self.env["returnable.packaging.move"]._check_can_take_back(
                [(move._packaging_partner(), move.product_id, move._packaging_flow()[0], lot, qty)
                 for move in coming_back for lot, qty in move._packaging_units() if qty > 0],
            )
        done_moves = super()._action_done(cancel_backorder=cancel_backorder)
        packaging = done_moves.filtered(lambda m: m.state == "done")._packaging_moves()
        if packaging:
            packaging._record_packaging_movements()
        return done_moves

    def _record_packaging_movements(self):
        """One ledger entry per done move of packaging (per serial or lot for tracked packaging)."""
        Ledger = self.env["returnable.packaging.move"]
        vals_list = []
        for move in self:
            side, direction = move._packaging_flow()
            partner = move._packaging_partner()
            sale_line = move.sale_line_id.sudo()
            for lot, qty in move._packaging_units():
                if qty <= 0:
                    continue
                vals = {
                    "company_id": move.company_id.id,
                    "date": move.date,
                    "partner_id": partner.id,
                    "product_id": move.product_id.id,
                    "lot_id": lot.id,
                    "side": side,
                    "direction": direction,
                    "quantity": qty,
                    "origin": move.picking_id.name or move.reference,
                    "picking_id": move.picking_id.id,
                    "stock_move_id": move.id,
                    "return_line_id": move.return_line_id.id,
                }
                if direction == packaging_lib.SENT and side == "customer" and sale_line:
                    vals["deposit_amount"] = move._packaging_deposit_charged(sale_line, qty)
                vals_list.append(vals)
        # Under the lock taken by the check above (or taken now for packaging leaving), so that the deposit
        # shares are computed on balances nobody else changes meanwhile.
        Ledger._lock_balances({vals["partner_id"] for vals in vals_list})
        entries = Ledger._record(Ledger._settle_deposits(vals_list))
        entries._draft_deposit_credits()
        return entries

    def _packaging_deposit_charged(self, sale_line, qty):
        """The deposit charged for ``qty`` units: the sale line's price, net of discount, in the company's
        currency (a deposit is what the customer paid, not the list price)."""
        company = self.company_id
        price = sale_line.price_subtotal / (sale_line.product_uom_qty or 1.0)
        price = sale_line.product_uom._compute_price(price, self.product_id.uom_id)
        price = sale_line.currency_id._convert(price, company.currency_id, company,
                                               sale_line.order_id.date_order or fields.Date.today(), round=False)
        return company.currency_id.round(price * qty)
