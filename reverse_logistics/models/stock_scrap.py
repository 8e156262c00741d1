from odoo import fields, models


class StockScrap(models.Model):
    _inherit = "stock.scrap"

    return_disposition_id = fields.Many2one(
        "return.disposition", "Disposition", index="btree_not_null", copy=False, readonly=True
    )

    def _prepare_move_values(self):
        # The scrap move completes the disposition when it is done (see stock.move._action_done).
        values = super()._prepare_move_values()
        if self.return_disposition_id:
            values["return_disposition_id"] = self.return_disposition_id.id
        return values
