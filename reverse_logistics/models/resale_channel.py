import secrets
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..returns_lib.resale import conditions, pricing

CHANNEL_KINDS = [
    ("google", "Google Merchant Center"),
    ("ebay", "eBay"),
    ("backmarket", "Back Market"),
    ("amazon", "Amazon"),
    ("website", "Own Web Shop"),
    ("other", "Other"),
]

ROUNDING_RULES = [
    (pricing.ROUNDING_NONE, "To the cent"),
    (pricing.ROUNDING_99, "Ending in .99"),
    (pricing.ROUNDING_WHOLE, "Whole units"),
    (pricing.ROUNDING_05, "To 0.05"),
]


def _new_token(_records=None):
    return secrets.token_urlsafe(32)


class ResaleChannel(models.Model):
    """Where refurbished and graded units are sold: a marketplace, a feed reader, the web shop.

    The channel's fees, rounding and minimum margin price its listings (``returns_lib.resale.pricing``);
    its kind says which condition vocabulary it speaks (``returns_lib.resale.conditions``).
    """

    _name = "resale.channel"
    _description = "Resale Channel"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    kind = fields.Selection(
        CHANNEL_KINDS, required=True, default="other",
        help="Which condition vocabulary the channel speaks (Google, eBay, Back Market and Amazon have their own).",
    )
    fee_percent = fields.Float(
        "Fee (%)", digits=(5, 2), help="What the channel keeps of each sale, in percent of the selling price."
    )
    fee_fixed = fields.Monetary("Fee per Sale")
    rounding = fields.Selection(ROUNDING_RULES, required=True, default=pricing.ROUNDING_NONE)
    min_margin_percent = fields.Float(
        "Minimum Margin (%)", digits=(5, 2), default=10.0,
        help="What a sale must earn above the unit's cost, after the channel's fee: the floor price protects it.",
    )
    pricelist_id = fields.Many2one(
        "product.pricelist", "Reference Pricelist", check_company=True,
        help="The price as new on this channel; the product's sales price when empty.",
    )
    auto_list = fields.Boolean(
        "Offer New Listings", default=True, help="New listings of the company get this channel as they are created."
    )
    feed_token = fields.Char(
        copy=False, default=_new_token, groups="sales_team.group_sale_manager",
        help="Secret in the address of this channel's feeds; whoever has the address reads the feed.",
    )
    listing_count = fields.Integer(compute="_compute_listing_count")

    _sql_constraints = [
        ("fee_percent_range", "CHECK(fee_percent >= 0 AND fee_percent < 100)",
         "A channel's fee is at least 0 and below 100 % of the price."),
        ("fee_fixed_positive", "CHECK(fee_fixed >= 0)", "A channel's fee per sale cannot be negative."),
        ("min_margin_positive", "CHECK(min_margin_percent >= 0)", "The minimum margin cannot be negative."),
        ("feed_token_uniq", "unique(feed_token)", "Two channels cannot share a feed token."),
    ]

    @api.constrains("feed_token")
    def _check_feed_token(self):
        for channel in self.sudo():
            if channel.feed_token and len(channel.feed_token) < 24:
                raise ValidationError(self.env._(
                    "The feed token of %s is too short to be secret: use Regenerate Token.", channel.name
                ))

    def _compute_listing_count(self):
        counts = dict(self.env["resale.listing"]._read_group(
            [("channel_ids", "in", self.ids)], ["channel_ids"], ["__count"]
        ))
        for channel in self:
            channel.listing_count = counts.get(channel, 0)

    def action_regenerate_token(self):
        """A new secret for the feed addresses; the old addresses answer 403 from now on."""
        for channel in self:
            channel.sudo().feed_token = _new_token()
        return True

    def action_view_listings(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("reverse_logistics.action_resale_listing")
        action["domain"] = [("channel_ids", "in", self.ids)]
        return action

    def _pricing_rules(self):
        """The channel's pricing as the pure package sees it."""
        self.ensure_one()
        return pricing.ChannelPricing(
            fee_percent=Decimal(str(self.fee_percent or 0)),
            fee_fixed=Decimal(str(self.fee_fixed or 0)),
            rounding=self.rounding,
            min_margin_percent=Decimal(str(self.min_margin_percent or 0)),
        )

    def _condition_of(self, grade, refurbished):
        """(value, label) of the condition this channel shows for the grade; raises ConditionError."""
        self.ensure_one()
        if self.kind not in conditions.CHANNELS:
            return grade.code, grade.name
        return conditions.channel_condition(self.kind, grade._engine_code().rstrip("*"), refurbished)
