from odoo import fields, models


class RepairOrder(models.Model):
    _inherit = "repair.order"

    return_disposition_id = fields.Many2one(
        "return.disposition", index="btree_not_null", copy=False, readonly=True,
        help="The returned unit this repair refurbishes; its completion moves the unit to secondary-market stock.",
    )
    return_order_id = fields.Many2one(related="return_disposition_id.order_id", string="Return Authorisation")

    def action_repair_done(self):
        result = super().action_repair_done()
        refurbished = self.filtered(lambda r: r.return_disposition_id and r.state == "done")
        if refurbished:
            refurbished.return_disposition_id._on_repaired(refurbished)
        return result
