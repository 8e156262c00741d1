# pylint: disable=consider-merging-classes-inherited
# sale.order is extended per business concept: returns from a sale, and resale of graded units.
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    resale_listing_id = fields.Many2one(
        "resale.listing", "Refurbished Unit", index="btree_not_null", copy=False, check_company=True,
        domain="[('state', '=', 'published'), ('company_id', '=', company_id)]", groups="base.group_user",
        help="The listed unit this line sells: the delivery takes exactly this unit from secondary-market stock.",
    )
    resale_lot_id = fields.Many2one(related="resale_listing_id.lot_id", string="Serial Sold", groups="base.group_user")
    resale_grade_id = fields.Many2one(related="resale_listing_id.grade_id", string="Grade", groups="base.group_user")

    @api.model_create_multi
    def create(self, vals_list):
        Listing = self.env["resale.listing"]
        listings = Listing.browse([vals["resale_listing_id"] for vals in vals_list if vals.get("resale_listing_id")])
        listings._check_sellable()
        # The caller's values stay as they were: the product of the unit is set on a copy.
        vals_list = [
            dict(vals, product_id=Listing.browse(vals["resale_listing_id"]).product_id.id)
            if vals.get("resale_listing_id") else vals
            for vals in vals_list
        ]
        lines = super().create(vals_list)
        priced = lines.filtered(lambda line: line.resale_listing_id)
        if priced and any("price_unit" in vals or "discount" in vals for vals in vals_list):
            priced._check_resale_prices()
        return lines

    def write(self, vals):
        if "resale_listing_id" in vals or ("product_id" in vals and self.resale_listing_id):
            confirmed = self.filtered(lambda line: line.state == "sale" and line.resale_listing_id)
            if confirmed:
                raise UserError(self.env._(
                    "The unit sold on a confirmed order cannot change: cancel the order to sell another unit."
                ))
            if vals.get("resale_listing_id"):
                listing = self.env["resale.listing"].browse(vals["resale_listing_id"])
                listing._check_sellable()
                vals = dict(vals, product_id=listing.product_id.id)  # a copy: the caller's values stay
            elif "product_id" in vals and vals["product_id"] not in self.resale_listing_id.product_id.ids:
                vals = dict(vals, resale_listing_id=False)
        if {"price_unit", "discount"} & set(vals) and not vals.get("resale_listing_id"):
            # Checked before anything is written.
            self.filtered("resale_listing_id")._check_resale_prices(vals)
        result = super().write(vals)
        if vals.get("resale_listing_id"):
            self._check_resale_prices()
        return result

    @api.onchange("resale_listing_id")
    def _onchange_resale_listing_id(self):
        if self.resale_listing_id:
            self.product_id = self.resale_listing_id.product_id

    @api.depends("resale_listing_id")
    def _compute_price_unit(self):
        """A listed unit sells at its listing price, in the order's currency."""
        listed = self.filtered(lambda line: line.resale_listing_id and line.order_id and not line.qty_invoiced)
        result = super(SaleOrderLine, self - listed)._compute_price_unit()
        for line in listed:
            listing = line.resale_listing_id
            line.price_unit = listing.currency_id._convert(
                listing.price, line.currency_id or listing.currency_id, line.company_id or listing.company_id,
                line.order_id.date_order or fields.Date.context_today(line),
            )
            line.technical_price_unit = line.price_unit
        return result

    @api.depends("resale_listing_id")
    def _compute_discount(self):
        """A listed unit's price is set on its listing: no pricelist rule discounts it (a person still may)."""
        listed = self.filtered("resale_listing_id")
        result = super(SaleOrderLine, self - listed)._compute_discount()
        listed.discount = 0.0
        return result

    @api.depends("resale_listing_id")
    def _compute_name(self):
        result = super()._compute_name()
        for line in self.filtered("resale_listing_id"):
            listing = line.resale_listing_id
            details = [listing.grade_id.name, listing.lot_id.name and self.env._("Serial %s", listing.lot_id.name)]
            if listing.warranty_months:
                details.append(self.env._("%s months warranty", listing.warranty_months))
            line.name = "\n".join([line.name, ", ".join(part for part in details if part)])
        return result

    def _prepare_procurement_values(self, group_id=False):
        values = super()._prepare_procurement_values(group_id=group_id)
        if self.resale_listing_id:
            values["resale_listing_id"] = self.resale_listing_id
        return values

    def _check_resale_prices(self, vals=None):
        """A listed unit sold under its floor (and under its listing price) needs a sales manager.

        The line's price can be edited like any other: without this check a discount would sell below
        the floor that the listing protects. Checked when the price is set, by whoever sets it, so that a
        sales manager's discount stands when the customer later accepts the quotation on the portal.
        """
        if self.env.user.has_group("sales_team.group_sale_manager"):
            return
        problems = []
        for line in self.filtered("resale_listing_id"):
            listing = line.resale_listing_id
            price_unit = (vals or {}).get("price_unit", line.price_unit)
            discount = (vals or {}).get("discount", line.discount)
            net = price_unit * (1 - (discount or 0.0) / 100.0)
            net = line.currency_id._convert(net, listing.currency_id, listing.company_id,
                                            line.order_id.date_order or fields.Date.context_today(line))
            lowest = min(listing.floor_price, listing.price or listing.floor_price)
            if listing.currency_id.compare_amounts(net, lowest) < 0:
                problems.append(self.env._(
                    "%(unit)s: %(price)s is below the lowest price allowed, %(lowest)s.",
                    unit=listing.display_name, price=listing.currency_id.format(net),
                    lowest=listing.currency_id.format(lowest),
                ))
        if problems:
            raise UserError(self.env._(
                "Only a sales manager may sell these refurbished units at this price:\n%s", "\n".join(problems)
            ))

    def _resale_quantities(self, undelivered=False):
        """{listing: quantity in the product's unit} sold by the lines (only what is not delivered yet)."""
        quantities = defaultdict(float)
        for line in self.filtered("resale_listing_id"):
            quantity = line.product_uom_qty - (line.qty_delivered if undelivered else 0.0)
            if quantity > 0:
                quantities[line.resale_listing_id] += line.product_uom._compute_quantity(
                    quantity, line.resale_listing_id.product_id.uom_id
                )
        return quantities


class SaleOrder(models.Model):
    _inherit = "sale.order"

    resale_channel_id = fields.Many2one(
        "resale.channel", check_company=True, index="btree_not_null", groups="base.group_user",
        help="The marketplace or shop the order came from, for the refurbished sales figures.",
    )

    def action_confirm(self):
        # Reserved before Odoo writes the order's state: a refusal leaves the order as it was.
        # sudo: confirming an order reserves its listed units for whoever confirms it (a salesperson, the
        # customer accepting on the portal, the web shop's public user paying); the row lock and the
        # availability check decide, not their rights.
        quantities = self.order_line._resale_quantities()
        if quantities:
            self.env["resale.listing"].sudo()._reserve(quantities)
        return super().action_confirm()

    def _action_cancel(self):
        reserved = self.filtered(lambda order: order.state == "sale").order_line._resale_quantities(undelivered=True)
        result = super()._action_cancel()
        if reserved:
            # sudo: as for the reservation, the cancellation gives the units back whatever the user's rights.
            self.env["resale.listing"].sudo()._release(
                {listing: quantity for listing, quantity in reserved.items() if listing.state != "sold"}
            )
        return result
