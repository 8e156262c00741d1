from odoo import fields, models


class StockMove(models.Model):
    _inherit = "stock.move"

    return_line_id = fields.Many2one(
        "return.order.line", index="btree_not_null", copy=False, readonly=True
    )
    return_disposition_id = fields.Many2one(
        "return.disposition", "Disposition", index="btree_not_null", copy=False, readonly=True
    )

    def _action_done(self, cancel_backorder=False):
        done_moves = super()._action_done(cancel_backorder=cancel_backorder)
        # sudo: validating a return receipt, a vendor return or a donation is a warehouse
        # job, done by stock users who need not have the Returns app. What follows from it
        # (the return's state, units put in line for inspection, dispositions completed,
        # traceability) is the flow's consequence, not something the user edits.
        done_sudo = done_moves.sudo()
        received = done_sudo.filtered(lambda m: m.return_line_id and m.state == "done")
        if received:
            received._log_return_receipt_events()
            self.env["return.inspection"].sudo()._create_from_receipt_moves(received)
            received.return_line_id.order_id._update_receipt_state()
        disposed = done_sudo.filtered(lambda m: m.return_disposition_id and m.state == "done")
        if disposed:
            disposed.return_disposition_id._on_moves_done(disposed)
        return done_moves

    def _push_apply(self):
        # Receipts of returns and dispositions move hundreds of units of a few products to a few locations,
        # and Odoo looks for a push rule once per move (several stock.rule searches up the destination's
        # parents). Ask once per product, destination and warehouse; moves whose destination has a rule keep
        # Odoo's handling.
        disposed = self.filtered(
            lambda m: (m.return_disposition_id or m.return_line_id or m.return_hub_line_id)
            and not m.route_ids and not m.product_packaging_id and not m.move_dest_ids
        )
        no_rule = self.browse()
        for (product, destination, warehouse), moves in disposed.grouped(
            lambda m: (m.product_id, m.location_dest_id, m.warehouse_id or m.picking_id.picking_type_id.warehouse_id)
        ).items():
            ProcurementGroup = self.env["procurement.group"]
            if destination.company_id != self.env.company:
                # As Odoo's push does: the destination may belong to another of the user's companies.
                ProcurementGroup = ProcurementGroup.sudo()
                warehouse = self.env["stock.warehouse"]
            rule = ProcurementGroup._get_push_rule(product, destination, {
                "route_ids": self.env["stock.route"], "product_packaging_id": self.env["product.packaging"],
                "warehouse_id": warehouse,
            })
            if not rule:
                no_rule |= moves
        return super(StockMove, self - no_rule)._push_apply()

    def _trigger_scheduler(self):
        # Odoo looks for an automatic reordering rule once per confirmed move. Receipts and dispositions
        # of returns confirm hundreds of moves of a few products that rarely have one: ask once which of
        # their products have an automatic rule in their companies; the other moves could not find one.
        returned = self.filtered(lambda m: m.return_line_id or m.return_disposition_id or m.return_hub_line_id)
        if not returned:
            return super()._trigger_scheduler()
        # sudo: this only narrows which moves Odoo checks; its own search then runs with the user's rights.
        with_rule = self.env["stock.warehouse.orderpoint"].sudo()._read_group(
            [("trigger", "=", "auto"), ("product_id", "in", returned.product_id.ids),
             ("company_id", "in", returned.company_id.ids)],
            ["product_id", "company_id"],
        )
        with_rule = {(product.id, company.id) for product, company in with_rule}
        without_rule = returned.filtered(lambda m: (m.product_id.id, m.company_id.id) not in with_rule)
        return super(StockMove, self - without_rule)._trigger_scheduler()

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

    def _prepare_merge_moves_distinct_fields(self):
        # Each return line (its own serial, reason and outcome) and each disposed unit keeps
        # its own move: merged moves would lose which unit is which.
        return [*super()._prepare_merge_moves_distinct_fields(), "return_line_id", "return_disposition_id"]

    def _prepare_move_split_vals(self, qty):
        # A backorder of a return receipt still belongs to the same return line.
        vals = super()._prepare_move_split_vals(qty)
        if self.return_line_id:
            vals["return_line_id"] = self.return_line_id.id
        if self.return_disposition_id:
            vals["return_disposition_id"] = self.return_disposition_id.id
        return vals
