from collections import defaultdict
from decimal import Decimal

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero

from ..returns_lib import disposition as disposition_lib
from ..returns_lib.resale import conditions, pricing
from .return_input_guard import flow_writes

LISTING_STATES = [
    ("draft", "Draft"),
    ("published", "Published"),
    ("reserved", "Reserved"),
    ("sold", "Sold"),
    ("delisted", "Delisted"),
]

# Dispositions whose units end in secondary-market stock, to be sold there.
RESALE_DISPOSITIONS = (disposition_lib.RESELL, disposition_lib.REFURBISH)


class ResaleListing(models.Model):
    """A graded unit (serial) or a product + grade + lot (untracked stock) offered for resale.

    Created as a draft when a "resell" or "refurbish" disposition leaves the unit in secondary-market
    stock. The sales team prices it (suggestion and floor from ``returns_lib.resale.pricing``),
    publishes it on channels, and sells it: a sale order line from the listing reserves the unit,
    the delivery marks it sold. What is available follows the stock of the location: a unit moved,
    scrapped or sold elsewhere is offered nowhere any more.
    """

    _name = "resale.listing"
    _inherit = ["return.input.guard", "mail.thread", "mail.activity.mixin"]
    _description = "Resale Listing"
    _order = "id desc"
    _check_company_auto = True
    # States, quantities, costs and sales change through the actions and the flows only.
    _flow_readonly_fields = True
    _text_limits = {"condition_note": 500}

    name = fields.Char("SKU", required=True, readonly=True, copy=False, default="/", index="trigram",
                       help="The offer's reference on every channel.")
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    # group_expand: the kanban's columns follow the flow (draft ... sold, delisted last), not the alphabet.
    state = fields.Selection(LISTING_STATES, default="draft", required=True, index=True, readonly=True,
                             tracking=True, group_expand=True)
    product_id = fields.Many2one("product.product", required=True, readonly=True, index=True, check_company=True)
    product_tmpl_id = fields.Many2one(related="product_id.product_tmpl_id", store=True, index=True)
    categ_id = fields.Many2one(related="product_id.categ_id", store=True, string="Product Category")
    tracking = fields.Selection(related="product_id.tracking")
    lot_id = fields.Many2one("stock.lot", "Lot/Serial Number", readonly=True, index="btree_not_null",
                             check_company=True)
    grade_id = fields.Many2one("return.grade", required=True, readonly=True, index=True)
    refurbished = fields.Boolean(readonly=True, help="The unit was refurbished before it was listed.")
    location_id = fields.Many2one("stock.location", "Stock Location", required=True, readonly=True,
                                  check_company=True, help="The secondary-market stock the units are sold from.")
    disposition_ids = fields.One2many("return.disposition", "resale_listing_id", "Dispositions", readonly=True)
    defects = fields.Text(readonly=True, help="What the inspectors found wrong, from the inspections.")
    photo_ids = fields.Many2many("ir.attachment", string="Photos", readonly=True,
                                 help="Photos taken at inspection.")
    condition_note = fields.Text(help="What buyers read about the condition (at most 500 characters).")
    warranty_months = fields.Integer(default=12)
    channel_ids = fields.Many2many("resale.channel", string="Channels", check_company=True, tracking=True)
    margin_scheme = fields.Boolean(
        "VAT Margin Scheme",
        help="Second-hand goods bought from private persons: VAT is due on the margin only (see the README).",
    )

    # Quantities ----------------------------------------------------------
    quantity = fields.Float("Listed Quantity", digits="Product Unit of Measure", readonly=True)
    quantity_reserved = fields.Float(digits="Product Unit of Measure", readonly=True,
                                     help="Units on confirmed sale orders, not delivered yet.")
    quantity_sold = fields.Float(digits="Product Unit of Measure", readonly=True)
    quantity_available = fields.Float(
        "Available", digits="Product Unit of Measure", compute="_compute_quantity_available",
        help="What the channels may sell now: listed, not sold nor reserved, and still in the location.",
    )

    # Money -------------------------------------------------------------------
    cost_basis = fields.Monetary(readonly=True, help="Per unit: its valuation plus its refurbishment cost.")
    refurbishment_cost = fields.Monetary(readonly=True, help="Per unit: parts of its repair order.")
    reference_price = fields.Monetary(
        "Price as New", readonly=True, help="The product's sales price when the unit was listed, per unit."
    )
    predicted_value = fields.Monetary(
        "Predicted Recovery", readonly=True, help="Per unit: the net value the disposition engine expected."
    )
    suggested_price = fields.Monetary(compute="_compute_price_suggestion")
    floor_price = fields.Monetary(compute="_compute_price_suggestion",
                                  help="Below this only a sales manager may list: cost + minimum margin + fees.")
    price_reasons = fields.Text("Price Explanation", compute="_compute_price_suggestion")
    price = fields.Monetary("Listing Price", tracking=True, help="Per unit, taxes as on the product.")
    first_price = fields.Monetary("First Published Price", readonly=True,
                                  help="Price drops are steps off this price, never compounded.")
    price_approved_by_id = fields.Many2one("res.users", "Below Floor Approved By", readonly=True)
    drop_price = fields.Monetary("Suggested Drop", compute="_compute_drop_price",
                                 help="The price after the drop steps reached by the days listed.")

    # Dates and sale ---------------------------------------------------------
    date_published = fields.Datetime("First Published", readonly=True, index=True)
    date_sold = fields.Datetime(readonly=True, index=True)
    days_listed = fields.Integer(compute="_compute_days_listed")
    days_to_sell = fields.Integer(readonly=True, aggregator="avg")
    sale_line_ids = fields.One2many("sale.order.line", "resale_listing_id", "Sale Lines", readonly=True)
    sold_channel_id = fields.Many2one("resale.channel", "Sold Through", readonly=True, index="btree_not_null",
                                      help="The channel of the order that bought the unit; empty for a direct sale.")
    sold_amount = fields.Monetary("Revenue", readonly=True, help="Untaxed, in the company's currency.")
    sold_predicted_value = fields.Monetary("Predicted for Sold Units", readonly=True)
    recovery_rate = fields.Float("Recovery Rate (%)", readonly=True, aggregator="avg", digits=(5, 2),
                                 help="Price sold at in percent of the price as new.")
    realised_vs_predicted = fields.Monetary(
        "Realised − Predicted", readonly=True,
        help="What the sales brought above (or below) the recovery value the disposition engine predicted.",
    )
    margin = fields.Monetary(readonly=True, help="Revenue less the cost basis of the units sold.")
    margin_scheme_vat = fields.Monetary(
        "Margin Scheme VAT", compute="_compute_margin_scheme_vat",
        help="VAT included in the margin, at the product's sales tax rate, for listings under the margin scheme.",
    )

    _sql_constraints = [
        ("quantities_positive", "CHECK(quantity >= 0 AND quantity_reserved >= 0 AND quantity_sold >= 0)",
         "Listed, reserved and sold quantities cannot be negative."),
        ("price_positive", "CHECK(price IS NULL OR price >= 0)", "A listing price cannot be negative."),
        ("warranty_positive", "CHECK(warranty_months >= 0)", "The warranty cannot be negative."),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        self = self._prepare_guarded_create(vals_list)
        vals_list = [dict(vals) for vals in vals_list]  # the caller's values stay as they were
        unnamed = [vals for vals in vals_list if vals.get("name", "/") == "/"]
        if unnamed:
            # The sequence next_by_code("resale.listing") would pick, looked up once for the batch
            # rather than once per listing (dispositions create hundreds at a time).
            sequence = self.env["ir.sequence"].search(
                [("code", "=", "resale.listing"), ("company_id", "in", [self.env.company.id, False])],
                order="company_id", limit=1,
            )
            for vals in unnamed:
                vals["name"] = sequence.next_by_id() if sequence else "/"
        return super().create(vals_list)

    @api.depends("name", "product_id", "lot_id", "grade_id")
    def _compute_display_name(self):
        # sudo: a listing names its serial to whoever may read the listing (a salesperson without stock
        # rights picks and sells it); the lot's other data, its stock and traceability, stay closed.
        serials = {lot.id: lot.name for lot in self.lot_id.sudo()}
        for listing in self:
            parts = [listing.name, listing.product_id.display_name, serials.get(listing.lot_id.id),
                     listing.grade_id.name]
            listing.display_name = " / ".join(part for part in parts if part)

    # ------------------------------------------------------------------
    # Availability, from the stock
    # ------------------------------------------------------------------
    def _on_hand(self):
        """{(location, product, lot): quantity} in the listings' locations, one query for the batch."""
        if not self:
            return {}
        groups = self.env["stock.quant"].sudo()._read_group(
            [
                ("location_id", "in", self.location_id.ids),
                ("product_id", "in", self.product_id.ids),
            ],
            ["location_id", "product_id", "lot_id"],
            ["quantity:sum"],
        )
        on_hand = defaultdict(float)
        for location, product, lot, quantity in groups:
            on_hand[location, product, lot] += quantity
            on_hand[location, product, None] += quantity  # untracked listings count every lot
        return on_hand

    @api.depends("state", "quantity", "quantity_reserved", "quantity_sold")
    def _compute_quantity_available(self):
        on_hand = self._on_hand()
        for listing in self:
            if listing.state not in ("draft", "published") or not listing.id:
                listing.quantity_available = 0.0
                continue
            key = (listing.location_id, listing.product_id, listing.lot_id or None)
            left = listing.quantity - listing.quantity_sold - listing.quantity_reserved
            listing.quantity_available = max(0.0, min(left, on_hand.get(key, 0.0) - listing.quantity_reserved))

    # ------------------------------------------------------------------
    # Prices
    # ------------------------------------------------------------------
    def _suggestion(self):
        """The pure package's suggestion, from the strictest of the listing's channels."""
        self.ensure_one()
        reference = Decimal(str(self.reference_price or 0))
        cost = Decimal(str(self.cost_basis or 0))
        rules = [channel._pricing_rules() for channel in self.channel_ids] or [pricing.ChannelPricing()]
        suggestions = [pricing.suggest_price(reference, self.grade_id.resale_value_percent, cost, rule)
                       for rule in rules]
        return max(suggestions, key=lambda s: (s.floor, s.price))

    def _describe_price_reasons(self, suggestion):
        currency = self.currency_id
        lines = []
        for code, params in suggestion.reasons:
            if code == pricing.MARKET_PRICE:
                lines.append(self.env._(
                    "Grade %(grade)s sells for %(percent)s %% of %(reference)s: %(price)s",
                    grade=self.grade_id.name, percent=params["percent"],
                    reference=currency.format(float(params["reference"])),
                    price=currency.format(float(params["price"])),
                ))
            elif code == pricing.ROUNDED:
                lines.append(self.env._("Rounded to %s", currency.format(float(params["price"]))))
            elif code == pricing.RAISED_TO_FLOOR:
                lines.append(self.env._(
                    "Raised to the floor %(floor)s (cost + minimum margin + channel fees)",
                    floor=currency.format(float(params["floor"])),
                ))
        return "\n".join(lines)

    @api.depends("reference_price", "cost_basis", "grade_id.resale_value_percent", "channel_ids.fee_percent",
                 "channel_ids.fee_fixed", "channel_ids.rounding", "channel_ids.min_margin_percent")
    def _compute_price_suggestion(self):
        for listing in self:
            suggestion = listing._suggestion()
            listing.suggested_price = float(suggestion.price)
            listing.floor_price = float(suggestion.floor)
            listing.price_reasons = listing._describe_price_reasons(suggestion)

    @api.depends("first_price", "date_published", "state", "floor_price")
    def _compute_drop_price(self):
        for listing in self:
            if listing.state != "published" or not listing.first_price:
                listing.drop_price = listing.price
                continue
            rounding = max((c.rounding for c in listing.channel_ids), default=pricing.ROUNDING_NONE)
            drop = pricing.price_drop(listing.first_price, listing.days_listed, listing.floor_price, rounding=rounding)
            listing.drop_price = min(float(drop.price), listing.price or float(drop.price))

    @api.depends("date_published", "date_sold", "state")
    def _compute_days_listed(self):
        now = fields.Datetime.now()
        for listing in self:
            if not listing.date_published:
                listing.days_listed = 0
                continue
            end = listing.date_sold if listing.state == "sold" and listing.date_sold else now
            listing.days_listed = (end - listing.date_published).days

    @api.depends("margin", "margin_scheme", "product_id.taxes_id")
    def _compute_margin_scheme_vat(self):
        for listing in self:
            company = listing.company_id
            tax = listing.product_id.taxes_id.filtered(
                lambda t, company=company: t.company_id == company and t.amount_type == "percent"
            )[:1]
            if not listing.margin_scheme or not tax or listing.margin <= 0:
                listing.margin_scheme_vat = 0.0
                continue
            listing.margin_scheme_vat = listing.currency_id.round(listing.margin * tax.amount / (100 + tax.amount))

    def _check_prices(self, prices):
        """Refuse a price at or under zero, and below the floor unless a sales manager sets it."""
        is_manager = self.env.user.has_group("sales_team.group_sale_manager")
        problems = []
        below_floor = self.browse()
        for listing in self:
            price = prices[listing]
            suggestion = listing._suggestion()
            check = pricing.check_price(Decimal(str(price)), suggestion, is_manager)
            codes = {code for code, _params in check.reasons}
            if not check.allowed and pricing.NOT_POSITIVE in codes:
                problems.append(self.env._("%s: a price must be greater than zero.", listing.display_name))
            elif not check.allowed:
                problems.append(self.env._(
                    "%(listing)s: %(price)s is below the floor %(floor)s (cost %(cost)s + minimum margin + "
                    "channel fees); only a sales manager may list below it.",
                    listing=listing.display_name, price=listing.currency_id.format(price),
                    floor=listing.currency_id.format(float(suggestion.floor)),
                    cost=listing.currency_id.format(listing.cost_basis),
                ))
            elif pricing.BELOW_FLOOR_BY_MANAGER in codes:
                below_floor |= listing
        if problems:
            raise UserError("\n".join(problems))
        return below_floor

    def write(self, vals):
        if "price" in vals and not self._in_flow_action():
            self.check_access("write")
            closed = self.filtered(lambda listing: listing.state in ("sold", "reserved"))
            if closed:
                raise UserError(self.env._(
                    "%s is sold or reserved: its price can no longer change.", ", ".join(closed.mapped("display_name"))
                ))
            self._check_input_values({"price": vals["price"]})
            below_floor = self._check_prices(dict.fromkeys(self, vals["price"]))
            result = super().write(vals)
            (self - below_floor)._flow_write({"price_approved_by_id": False})
            if below_floor:
                below_floor._flow_write({"price_approved_by_id": self.env.user.id})
                for listing in below_floor:
                    listing.message_post(body=self.env._(
                        "%(user)s set the price %(price)s below the floor %(floor)s.",
                        user=self.env.user.name, price=listing.currency_id.format(listing.price),
                        floor=listing.currency_id.format(listing.floor_price),
                    ))
            if "channel_ids" not in vals:
                self._after_offer_change()
            return result
        result = super().write(vals)
        if "channel_ids" in vals:
            self.filtered(lambda listing: listing.state == "published")._check_channel_conditions()
        if {"price", "channel_ids"} & set(vals):
            self._after_offer_change()
        return result

    def _channel_condition_problems(self):
        """Why a channel of the listings refuses their grade and condition (Back Market: refurbished only...)."""
        problems = []
        for listing in self:
            for channel in listing.channel_ids:
                try:
                    channel._condition_of(listing.grade_id, listing.refurbished)
                except conditions.ConditionError as error:
                    problems.append(self.env._("%(listing)s cannot be listed on %(channel)s: %(why)s",
                                               listing=listing.display_name, channel=channel.name, why=str(error)))
        return problems

    def _check_channel_conditions(self):
        """A published listing added to a channel must meet that channel's conditions, as publishing checks."""
        problems = self._channel_condition_problems()
        if problems:
            raise UserError("\n".join(problems))

    def _after_offer_change(self):
        """Hook: price, channels or quantity of published listings changed (the channel push follows it)."""

    # ------------------------------------------------------------------
    # Creation from dispositions
    # ------------------------------------------------------------------
    def _cost_of(self, disposition):
        """(valuation, refurbishment) of one unit of the disposition, in the company's currency."""
        product = disposition.product_id.with_company(disposition.company_id)
        lot = disposition.lot_id
        valuation = lot.standard_price if lot and product.lot_valuated else product.standard_price
        refurbishment = 0.0
        repair = disposition.repair_id
        if repair:
            parts = repair.move_ids.filtered(lambda m: m.repair_line_type == "add" and m.state != "cancel")
            parts_cost = sum(
                move.product_id.with_company(disposition.company_id).standard_price * move.product_qty
                for move in parts
            )
            # Without parts on the repair order, the category's estimate of parts and labour.
            refurbishment = (parts_cost / (disposition.quantity or 1.0) if parts
                             else disposition.product_id.categ_id.return_refurbish_cost)
        return valuation, refurbishment

    def _prepare_listing_values(self, disposition, channels=None):
        """Values of the draft listing of a disposed unit; override to add channels or notes.

        ``channels``: the company's channels that list new units (``auto_list``), when the caller read them.
        """
        if channels is None:
            channels = self._auto_list_channels(disposition.company_id)
        valuation, refurbishment = self._cost_of(disposition)
        inspection = disposition.inspection_id
        category = disposition.product_id.categ_id
        refurbished = disposition.disposition_code == disposition_lib.REFURBISH
        return {
            "company_id": disposition.company_id.id,
            "product_id": disposition.product_id.id,
            "lot_id": disposition.lot_id.id,
            "grade_id": disposition.grade_id.id,
            "refurbished": refurbished,
            "location_id": disposition.location_id.id,
            "quantity": disposition.quantity,
            "cost_basis": valuation + refurbishment,
            "refurbishment_cost": refurbishment,
            "reference_price": disposition.product_id.with_company(disposition.company_id).lst_price,
            "predicted_value": disposition.expected_value / (disposition.quantity or 1.0),
            "defects": inspection.defects or False,
            "warranty_months": category.resale_warranty_months,
            "margin_scheme": disposition.product_id.resale_margin_scheme,
            "channel_ids": [Command.set(channels.ids)],
        }

    def _auto_list_channels(self, companies):
        """The channels of ``companies`` that list new units (``auto_list``)."""
        return self.env["resale.channel"].search([("company_id", "in", companies.ids), ("auto_list", "=", True)])

    @api.model
    def _create_from_dispositions(self, dispositions):
        """Draft listings for units that reached secondary-market stock; untracked units join their lot's."""
        dispositions = dispositions.filtered(
            lambda d: d.disposition_code in RESALE_DISPOSITIONS and not d.resale_listing_id
            # The secondary-market stock of their warehouse, or of the hub that graded and resells them.
            and d.location_id and d.location_id == d.location_id.warehouse_id.secondary_market_location_id
        )
        if not dispositions:
            return self.browse()
        untracked = dispositions.filtered(lambda d: d.product_id.tracking != "serial")
        open_listings = {}
        if untracked:
            for listing in self.search([
                ("product_id", "in", untracked.product_id.ids),
                ("state", "in", ("draft", "published")),
                ("lot_id", "in", untracked.lot_id.ids + [False]),
            ]):
                key = (listing.product_id, listing.grade_id, listing.lot_id, listing.location_id, listing.refurbished)
                open_listings.setdefault(key, listing)
        new_values, new_dispositions, joined = [], [], defaultdict(list)
        Channel = self.env["resale.channel"]
        channels = self._auto_list_channels(dispositions.company_id).grouped("company_id")
        for disposition in dispositions:
            values = self._prepare_listing_values(disposition, channels.get(disposition.company_id, Channel))
            key = (disposition.product_id, disposition.grade_id, disposition.lot_id, disposition.location_id,
                   values["refurbished"])
            if disposition.product_id.tracking != "serial" and key in open_listings:
                joined[open_listings[key]].append((disposition, values))
                continue
            if disposition.product_id.tracking != "serial":
                # The next units of the same key join this new listing.
                open_listings[key] = len(new_values)
            new_values.append(values)
            new_dispositions.append(disposition)
        with flow_writes():
            listings = self.create(new_values)
        for listing, disposition in zip(listings, new_dispositions, strict=True):
            disposition._flow_write({"resale_listing_id": listing.id})
            listing._copy_photos(disposition.inspection_id.photo_ids)
        for listing, items in joined.items():
            if isinstance(listing, int):
                listing = listings[listing]
            listing._join(items)
        return listings

    def _copy_photos(self, photos):
        """The inspection's photos, as the listing's own: sales users read them without reading inspections."""
        self.ensure_one()
        if photos:
            copies = [photo.copy({"res_model": self._name, "res_id": self.id}) for photo in photos.sudo()]
            self._flow_write({"photo_ids": [Command.link(copy.id) for copy in copies]})

    def _join(self, items):
        """More units of the same product, grade and lot: the cost and prediction are averaged."""
        self.ensure_one()
        quantity = self.quantity
        cost, predicted = self.cost_basis * quantity, self.predicted_value * quantity
        for disposition, values in items:
            quantity += disposition.quantity
            cost += values["cost_basis"] * disposition.quantity
            predicted += values["predicted_value"] * disposition.quantity
            disposition._flow_write({"resale_listing_id": self.id})
        self._flow_write({
            "quantity": quantity,
            "cost_basis": cost / quantity if quantity else 0.0,
            "predicted_value": predicted / quantity if quantity else 0.0,
        })
        self._copy_photos(self.env["ir.attachment"].union(*(d.inspection_id.photo_ids for d, _values in items)))
        self._after_offer_change()

    # ------------------------------------------------------------------
    # Publishing
    # ------------------------------------------------------------------
    def _publish_problems(self):
        problems = []
        for listing in self:
            label = listing.display_name
            if listing.state not in ("draft", "delisted", "published"):
                problems.append(self.env._("%s is reserved or sold.", label))
                continue
            if not listing.price:
                problems.append(self.env._(
                    "%(listing)s has no price: set one (the suggestion is %(price)s).",
                    listing=label, price=listing.currency_id.format(listing.suggested_price),
                ))
            if listing.location_id != listing._secondary_market_location():
                problems.append(self.env._("%s is not in secondary-market stock.", label))
            elif float_is_zero(listing.quantity_available, precision_rounding=listing.product_id.uom_id.rounding):
                problems.append(self.env._("%(listing)s: no unit left in %(location)s.",
                                           listing=label, location=listing.location_id.display_name))
            if listing.grade_id.scrap:
                problems.append(self.env._("%s: scrap units are never sold.", label))
        return problems + self._channel_condition_problems()

    def _secondary_market_location(self):
        self.ensure_one()
        warehouse = self.location_id.warehouse_id
        return warehouse.secondary_market_location_id

    def action_publish(self):
        """Offer the listings on their channels; everything is checked before anything is published."""
        self.check_access("write")
        problems = self._publish_problems()
        if problems:
            raise UserError(self.env._("Nothing was published:\n%s", "\n".join(problems)))
        to_publish = self.filtered(lambda listing: listing.state != "published")
        now = fields.Datetime.now()
        for listing in to_publish:
            listing._flow_write({
                "state": "published",
                "date_published": listing.date_published or now,
                "first_price": listing.first_price or listing.price,
            })
        to_publish._log_events("listed", lambda listing: ", ".join(listing.channel_ids.mapped("name")) or False)
        to_publish._after_offer_change()
        return True

    def action_delist(self):
        """Withdraw the listings from every channel (their quantity goes to 0 there)."""
        self.check_access("write")
        wrong = self.filtered(lambda listing: listing.state not in ("draft", "published"))
        if wrong:
            raise UserError(self.env._(
                "%s is reserved or sold: cancel the sale order first.", ", ".join(wrong.mapped("display_name"))
            ))
        self._flow_write({"state": "delisted"})
        self._after_offer_change()
        return True

    def action_reset_to_draft(self):
        self.check_access("write")
        wrong = self.filtered(lambda listing: listing.state != "delisted")
        if wrong:
            raise UserError(self.env._("Only delisted listings go back to draft."))
        self._flow_write({"state": "draft"})
        return True

    def action_apply_price_drop(self):
        """Set each published listing's price to its suggested drop (never below its floor)."""
        for listing in self.filtered(lambda listing: listing.state == "published"):
            if float_compare(listing.drop_price, listing.price, precision_rounding=listing.currency_id.rounding) < 0:
                listing.price = listing.drop_price
        return True

    def action_use_suggested_price(self):
        for listing in self:
            listing.price = listing.suggested_price
        return True

    def action_reprice(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reprice Listings"),
            "res_model": "resale.listing.reprice.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_listing_ids": [Command.set(self.ids)]},
        }

    def _log_events(self, event_type, describe=None):
        """One traceability event per unit of the listing, on the return it came from."""
        values = []
        for listing in self:
            for disposition in listing.disposition_ids:
                values.append({
                    "order_id": disposition.order_id.id,
                    "line_id": disposition.line_id.id,
                    "product_id": listing.product_id.id,
                    "lot_id": listing.lot_id.id,
                    "event_type": event_type,
                    "grade_id": listing.grade_id.id,
                    "location_id": listing.location_id.id,
                    "description": describe(listing) if describe else False,
                    "res_model": self._name,
                    "res_id": listing.id,
                })
        self.env["return.event"]._record(values)

    # ------------------------------------------------------------------
    # Selling: reservation under a row lock, then delivery
    # ------------------------------------------------------------------
    def _check_sellable(self):
        """A sale order line may sell only a published listing with a unit left: else say why not."""
        for listing in self:
            if listing.state == "draft":
                raise UserError(self.env._(
                    "%(unit)s is not for sale yet: it is not published. Publish it, or choose another unit.",
                    unit=listing.display_name,
                ))
            if listing.state == "published" and listing.quantity_available > 0:
                continue
            why = {
                "delisted": self.env._("it was delisted"),
                "reserved": self.env._("it is reserved on a confirmed order"),
                "sold": self.env._("it was sold"),
            }.get(listing.state) or self.env._(
                "no unit of it is left in secondary-market stock (scrapped, moved or sold elsewhere)"
            )
            raise UserError(self.env._(
                "%(unit)s is no longer for sale: %(why)s. Remove it from the order and choose another unit.",
                unit=listing.display_name, why=why,
            ))

    def _lock_for_sale(self):
        """Lock the listings' rows: of two orders selling the same unit at this moment, one is refused."""
        self._lock_rows_or_refuse(self.env._(
            "%s is being sold in another order at this very moment: it is gone. Remove it from this order.",
            ", ".join(self.mapped("display_name")),
        ))

    def _reserve(self, quantities):
        """Reserve ``quantities`` ({listing: qty}) for confirmed orders; refused when a unit is gone."""
        listings = self.browse([listing.id for listing in quantities])
        listings._lock_for_sale()
        gone = []
        for listing in listings:
            wanted = quantities[listing]
            rounding = listing.product_id.uom_id.rounding
            if listing.state != "published" or float_compare(
                wanted, listing.quantity_available, precision_rounding=rounding
            ) > 0:
                gone.append(self.env._(
                    "%(listing)s: %(wanted)s wanted, %(available)s available (%(state)s).",
                    listing=listing.display_name, wanted=wanted, available=listing.quantity_available,
                    state=dict(LISTING_STATES)[listing.state],
                ))
        if gone:
            raise UserError(self.env._("These units are no longer for sale:\n%s", "\n".join(gone)))
        for listing in listings:
            reserved = listing.quantity_reserved + quantities[listing]
            left = listing.quantity - listing.quantity_sold - reserved
            values = {"quantity_reserved": reserved}
            if float_is_zero(left, precision_rounding=listing.product_id.uom_id.rounding):
                values["state"] = "reserved"
            listing._flow_write(values)
        listings._after_offer_change()

    def _release(self, quantities):
        """Cancelled orders give their units back to the channels."""
        for listing, quantity in quantities.items():
            listing = self.browse(listing.id)
            values = {"quantity_reserved": max(0.0, listing.quantity_reserved - quantity)}
            if listing.state == "reserved":
                values["state"] = "published"
            listing._flow_write(values)
        self.browse([listing.id for listing in quantities])._after_offer_change()

    def _on_delivered(self, moves):
        """Delivery of units sold from the listings: the revenue, the recovery, and the ``sold`` events."""
        now = fields.Datetime.now()
        by_listing = moves.grouped("resale_listing_id")
        sold = self.browse()
        for listing, listing_moves in by_listing.items():
            delivered = sum(listing_moves.mapped("quantity"))
            revenue = 0.0
            for move in listing_moves:
                line = move.sale_line_id
                order = line.order_id
                unit_price = line.price_subtotal / line.product_uom_qty if line.product_uom_qty else 0.0
                revenue += order.currency_id._convert(
                    unit_price * move.quantity, listing.currency_id, listing.company_id, order.date_order or now
                )
            quantity_sold = listing.quantity_sold + delivered
            channel = listing_moves.sale_line_id.order_id.resale_channel_id[:1]
            sold_amount = listing.sold_amount + revenue
            predicted = listing.predicted_value * quantity_sold
            values = {
                "quantity_sold": quantity_sold,
                "quantity_reserved": max(0.0, listing.quantity_reserved - delivered),
                "sold_amount": sold_amount,
                "sold_channel_id": channel.id or listing.sold_channel_id.id,
                "sold_predicted_value": predicted,
                "realised_vs_predicted": sold_amount - predicted,
                "margin": sold_amount - listing.cost_basis * quantity_sold,
                "recovery_rate": float(pricing.recovery_rate(
                    Decimal(str(sold_amount / quantity_sold)), Decimal(str(listing.reference_price))
                )) if quantity_sold and listing.reference_price > 0 else 0.0,
            }
            rounding = listing.product_id.uom_id.rounding
            if float_compare(quantity_sold, listing.quantity, precision_rounding=rounding) >= 0:
                values.update(state="sold", date_sold=now,
                              days_to_sell=(now - (listing.date_published or now)).days)
            listing._flow_write(values)
            sold |= listing
        sold._log_events("sold", lambda listing: ", ".join(
            listing.sale_line_ids.order_id.filtered(lambda o: o.state == "sale").mapped("name")
        ) or False)
        sold._after_offer_change()
