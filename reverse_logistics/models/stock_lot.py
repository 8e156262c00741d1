from odoo import fields, models


class StockLot(models.Model):
    _inherit = "stock.lot"

    return_grade_id = fields.Many2one(
        "return.grade", "Condition Grade", readonly=True, index="btree_not_null",
        help="Grade of the unit after its last return: inspection, or refurbishment.",
    )
    return_event_ids = fields.One2many("return.event", "lot_id", "Return Events", readonly=True)
