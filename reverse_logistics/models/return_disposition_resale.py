from odoo import fields, models


class ReturnDisposition(models.Model):
    """Units resold as they are, or refurbished, are listed for sale once in secondary-market stock."""

    _inherit = "return.disposition"

    resale_listing_id = fields.Many2one("resale.listing", "Listing", readonly=True, index="btree_not_null",
                                        copy=False)

    def _finish(self):
        result = super()._finish()
        # sudo: the listing follows from the disposition; whoever disposes of the unit (a returns clerk)
        # need not have the sales rights to create listings, and cannot choose what is written in them.
        self.env["resale.listing"].sudo()._create_from_dispositions(self)
        return result
