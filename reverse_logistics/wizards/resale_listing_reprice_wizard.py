from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class ResaleListingRepriceWizard(models.TransientModel):
    """Reprice many listings at once: a percentage up or down, the suggested price, or one price."""

    _name = "resale.listing.reprice.wizard"
    _description = "Reprice Listings"

    listing_ids = fields.Many2many("resale.listing", string="Listings", required=True)
    method = fields.Selection(
        [("percent", "Change by a percentage"), ("suggested", "Use the suggested price"), ("price", "Set one price")],
        required=True, default="percent",
    )
    percent = fields.Float("Change (%)", digits=(5, 2), help="Negative to lower the prices, e.g. -10.")
    price = fields.Float("New Price", digits="Product Price")

    @api.constrains("percent")
    def _check_percent(self):
        for wizard in self:
            if wizard.percent <= -100 or wizard.percent > 1000:
                raise ValidationError(
                    self.env._("A change of %s %% makes no sense: between -100 and 1000.", wizard.percent)
                )

    def _new_price(self, listing):
        if self.method == "suggested":
            return listing.suggested_price
        if self.method == "price":
            return self.price
        return listing.currency_id.round(listing.price * (1 + self.percent / 100.0))

    def action_apply(self):
        """Every price is checked (floor, sold or reserved) before any is written."""
        self.ensure_one()
        listings = self.listing_ids
        closed = listings.filtered(lambda listing: listing.state in ("reserved", "sold"))
        if closed:
            raise UserError(self.env._(
                "Nothing was repriced: %s is sold or reserved.", ", ".join(closed.mapped("display_name"))
            ))
        prices = {listing: self._new_price(listing) for listing in listings}
        listings._check_prices(prices)
        for price, group in listings.grouped(lambda listing: prices[listing]).items():
            group.price = price
        return {"type": "ir.actions.act_window_close"}
