from odoo import fields, models


class StockMove(models.Model):
    _inherit = "stock.move"

    return_line_id = fields.Many2one(
        "return.order.line", index="btree_not_null", copy=False, readonly=True
    )

    def _action_done(self, cancel_backorder=False):
        done_moves = super()._action_done(cancel_backorder=cancel_backorder)
        received = done_moves.filtered(lambda m: m.return_line_id and m.state == "done")
        if received:
            received._log_return_receipt_events()
            received.return_line_id.order_id._update_receipt_state()
        return done_moves

    def _log_return_receipt_events(self):
        """One "received" event per received lot (or per move for untracked goods)."""
        values = []
        for move in self:
            line = move.return_line_id
            common = {
                "order_id": line.order_id.id,
                "line_id": line.id,
                "product_id": move.product_id.id,
                "event_type": "received",
                "location_id": move.location_dest_id.id,
                "res_model": "stock.picking",
                "res_id": move.picking_id.id,
            }
            if move.has_tracking != "none":
                for move_line in move.move_line_ids:
                    values.append({
                        **common,
                        "lot_id": move_line.lot_id.id,
                        "description": f"{move_line.quantity:g} {move.product_uom.name}",
                    })
            else:
                values.append({**common, "description": f"{move.quantity:g} {move.product_uom.name}"})
        self.env["return.event"]._record(values)

    def _prepare_move_split_vals(self, qty):
        # A backorder of a return receipt still belongs to the same return line.
        vals = super()._prepare_move_split_vals(qty)
        if self.return_line_id:
            vals["return_line_id"] = self.return_line_id.id
        return vals
