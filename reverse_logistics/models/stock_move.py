from odoo import fields, models


class StockMove(models.Model):
    _inherit = "stock.move"

    return_line_id = fields.Many2one(
        "return.order.line", index="btree_not_null", copy=False, readonly=True
    )

    def _action_done(self, cancel_backorder=False):
        done_moves = super()._action_done(cancel_backorder=cancel_backorder)
        orders = done_moves.return_line_id.order_id
        if orders:
            orders._update_receipt_state()
        return done_moves

    def _prepare_move_split_vals(self, qty):
        # A backorder of a return receipt still belongs to the same return line.
        vals = super()._prepare_move_split_vals(qty)
        if self.return_line_id:
            vals["return_line_id"] = self.return_line_id.id
        return vals
