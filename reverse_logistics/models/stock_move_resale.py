# pylint: disable=consider-merging-classes-inherited
# stock.move is extended per business concept: returns and dispositions, and resale of listed units.
from odoo import fields, models


class StockMove(models.Model):
    _inherit = "stock.move"

    resale_listing_id = fields.Many2one("resale.listing", "Listing Sold", index="btree_not_null", copy=False,
                                        readonly=True, groups="base.group_user")

    def _update_reserved_quantity(self, need, location_id, lot_id=None, package_id=None, owner_id=None,
                                  strict=True):
        # A listed unit is sold: reserve exactly its serial (or lot), never another unit of the product.
        if self.resale_listing_id.lot_id and not lot_id:
            lot_id = self.resale_listing_id.lot_id
        return super()._update_reserved_quantity(
            need, location_id, lot_id=lot_id, package_id=package_id, owner_id=owner_id, strict=strict
        )

    def _get_available_quantity(self, location_id, lot_id=None, package_id=None, owner_id=None, strict=False,
                                allow_negative=False):
        if self.resale_listing_id.lot_id and not lot_id:
            lot_id = self.resale_listing_id.lot_id
        return super()._get_available_quantity(
            location_id, lot_id=lot_id, package_id=package_id, owner_id=owner_id, strict=strict,
            allow_negative=allow_negative,
        )

    def _prepare_procurement_values(self):
        values = super()._prepare_procurement_values()
        if self.resale_listing_id:
            values["resale_listing_id"] = self.resale_listing_id
        return values

    def _prepare_merge_moves_distinct_fields(self):
        return [*super()._prepare_merge_moves_distinct_fields(), "resale_listing_id"]

    def _prepare_move_split_vals(self, qty):
        vals = super()._prepare_move_split_vals(qty)
        if self.resale_listing_id:
            vals["resale_listing_id"] = self.resale_listing_id.id
        return vals

    def _action_done(self, cancel_backorder=False):
        done_moves = super()._action_done(cancel_backorder=cancel_backorder)
        # sudo: the warehouse user validating the delivery need not manage listings; that the unit is
        # sold follows from the delivery, it is not something the user edits.
        delivered = done_moves.sudo().filtered(
            lambda m: m.resale_listing_id and m.state == "done" and m.location_dest_id.usage == "customer"
        )
        if delivered:
            delivered.resale_listing_id._on_delivered(delivered)
        self._resale_stock_left(done_moves.sudo() - delivered)
        return done_moves

    def _resale_stock_left(self, moves):
        """Units moved or scrapped out of secondary-market stock: their listings' channels must learn it."""
        leaving = moves.filtered(lambda m: m.state == "done" and m.location_id.usage == "internal")
        if not leaving:
            return
        listings = self.env["resale.listing"].sudo().search([
            ("state", "in", ("published", "reserved")),
            ("location_id", "in", leaving.location_id.ids),
            ("product_id", "in", leaving.product_id.ids),
        ])
        if listings:
            listings._after_offer_change()


class StockRule(models.Model):
    _inherit = "stock.rule"

    def _get_stock_move_values(self, product_id, product_qty, product_uom, location_dest_id, name, origin,
                               company_id, values):
        move_values = super()._get_stock_move_values(
            product_id, product_qty, product_uom, location_dest_id, name, origin, company_id, values
        )
        listing = values.get("resale_listing_id")
        if listing:
            move_values["resale_listing_id"] = listing.id
            # The step that takes goods from stock takes the listed unit from secondary-market stock.
            if self.procure_method != "make_to_order" and self.location_src_id == self.warehouse_id.lot_stock_id:
                move_values["location_id"] = listing.location_id.id
        return move_values
