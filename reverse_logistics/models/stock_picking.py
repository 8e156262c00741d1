from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..returns_lib.customs import mrn as mrn_lib


class StockPicking(models.Model):
    _name = "stock.picking"
    _inherit = ["stock.picking", "return.batch.tracking.mixin"]

    return_order_id = fields.Many2one(
        "return.order", "Return Authorisation", index="btree_not_null", copy=False, readonly=True, check_company=True
    )
    return_order_count = fields.Integer(compute="_compute_return_order_count")
    return_to_inspect_count = fields.Integer(compute="_compute_return_to_inspect_count", groups="base.group_user")
    export_mrn = fields.Char(
        "Export MRN", copy=False, groups="base.group_user",
        help="Movement reference number of the export declaration the goods left with. "
        "Returned Goods Relief quotes it when the goods come back.",
    )
    export_procedure_code = fields.Char(
        "Export Procedure", default="10", copy=False, groups="base.group_user",
        help="Requested procedure of the export declaration: 10 permanent export, 21-23 temporary export or "
        "outward processing, 31 re-export.",
    )

    @api.constrains("export_mrn")
    def _check_export_mrn(self):
        """A mistyped MRN would be quoted on every relief claim of these goods: refuse it when it is typed."""
        for picking in self.filtered("export_mrn"):
            problems = mrn_lib.check_mrn(picking.export_mrn)
            if problems and problems[0][0] == "mrn_check_digit":
                raise ValidationError(self.env._(
                    "Export MRN %(mrn)s of %(picking)s is mistyped: its last character, the check digit, does not "
                    "match the others.", mrn=picking.export_mrn, picking=picking.name,
                ))
            if problems:
                raise ValidationError(self.env._(
                    "Export MRN %(mrn)s of %(picking)s is not a movement reference number: an MRN has 18 characters "
                    "(year, country code, 12 letters or digits, a procedure letter and a check digit).",
                    mrn=picking.export_mrn, picking=picking.name,
                ))

    def _message_track(self, fields_iter, initial_values_dict):
        # Transfers of returns (receipts, hub legs) validated by the hundred: their tracking in one batch.
        # Every other transfer of the database keeps Odoo's own path, record by record.
        batched = self.filtered(lambda picking: picking.return_order_id or picking.return_consolidation_id)
        if len(batched) < 2:
            return super()._message_track(fields_iter, initial_values_dict)
        others = self - batched
        with self._tracking_notes_kept_for(others):
            tracking = batched._message_track_batch(fields_iter, initial_values_dict)
        if others:
            tracking.update(super(StockPicking, others)._message_track(fields_iter, initial_values_dict))
        return tracking

    def _set_scheduled_date(self):
        # Every new transfer writes its scheduled date on its moves, one write per transfer (each one
        # looking up what depends on the moves' date). Receipts of returns are created by the hundred with
        # the same date: one write per date.
        receipts = self.filtered("return_order_id")
        if any(picking.state in ("done", "cancel") for picking in receipts):
            return super()._set_scheduled_date()  # Odoo's refusal
        for date, pickings in receipts.grouped("scheduled_date").items():
            pickings.move_ids.write({"date": date})
        return super(StockPicking, self - receipts)._set_scheduled_date()

    def _compute_return_order_count(self):
        counts = dict(
            self.env["return.order"]._read_group([("picking_id", "in", self.ids)], ["picking_id"], ["__count"])
        )
        for picking in self:
            picking.return_order_count = counts.get(picking, 0)

    def _compute_return_to_inspect_count(self):
        received = self.filtered(lambda p: p.return_order_id and p.state == "done")
        counts = dict(
            self.env["return.inspection"]._read_group(
                [("picking_id", "in", received.ids), ("state", "=", "to_inspect")], ["picking_id"], ["__count"]
            )
        ) if received else {}
        for picking in self:
            picking.return_to_inspect_count = counts.get(picking, 0)

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        if default and default.get("backorder_id"):
            # A backorder of a return receipt is still expected by the same return.
            for picking, vals in zip(self, vals_list, strict=True):
                if picking.return_order_id:
                    vals.setdefault("return_order_id", picking.return_order_id.id)
        return vals_list

    def _assign_announced_lots(self):
        """Put the lot or serial the customer announced on the receipt's move lines."""
        for move in self.move_ids.filtered(lambda m: m.return_line_id.lot_id and m.has_tracking != "none"):
            lot = move.return_line_id.lot_id
            if move.move_line_ids:
                move.move_line_ids[:1].write({"lot_id": lot.id, "quantity": move.product_uom_qty})
                (move.move_line_ids - move.move_line_ids[:1]).unlink()
            else:
                self.env["stock.move.line"].create(
                    {**move._prepare_move_line_vals(quantity=move.product_uom_qty), "lot_id": lot.id}
                )

    def action_create_return_order(self):
        """Open the return wizard for a done delivery."""
        self.ensure_one()
        return self.env["return.order.wizard"]._action_open_for_source(picking=self)

    def action_view_return_orders(self):
        self.ensure_one()
        return self.env["return.order"]._action_view_for_domain([("picking_id", "=", self.id)])
