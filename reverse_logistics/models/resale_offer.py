from odoo import fields, models

OFFER_STATES = [
    ("to_push", "To Push"),
    ("in_sync", "In Sync"),
    ("error", "Error"),
]


class ResaleOffer(models.Model):
    """What a channel that takes pushed offers was last told about a listing: its price and quantity.

    One row per listing and channel, written by the push only (``resale.channel._push_offers``): the
    push compares what the listing wants now with what the channel accepted last, and sends only the
    differences.
    """

    _name = "resale.offer"
    _inherit = ["return.input.guard"]
    _description = "Resale Offer on a Channel"
    _order = "channel_id, listing_id"
    _rec_name = "listing_id"
    _check_company_auto = True
    _flow_readonly_fields = True

    listing_id = fields.Many2one("resale.listing", required=True, readonly=True, index=True,
                                 ondelete="cascade", check_company=True)
    channel_id = fields.Many2one("resale.channel", required=True, readonly=True, index=True,
                                 ondelete="cascade", check_company=True)
    company_id = fields.Many2one(related="channel_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    sku = fields.Char("SKU", related="listing_id.name")
    listing_state = fields.Selection(related="listing_id.state", string="Listing Status")
    pushed_price = fields.Monetary(readonly=True, help="The price the channel accepted last.")
    pushed_quantity = fields.Integer(readonly=True, help="The quantity the channel accepted last.")
    date_pushed = fields.Datetime("Last Accepted", readonly=True)
    last_error = fields.Text(readonly=True, help="Why the channel refused the last push, or what went wrong.")
    state = fields.Selection(OFFER_STATES, required=True, default="to_push", readonly=True, index=True)

    _sql_constraints = [
        ("listing_channel_uniq", "unique(listing_id, channel_id)", "A listing has one offer per channel."),
    ]
