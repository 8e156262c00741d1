import base64

from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .resale_common import ResaleCase


@tagged("post_install", "-at_install")
class TestResaleListing(ResaleCase):
    """Units resold as is or refurbished become listings the sales team prices, publishes and sells."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.seller = new_test_user(
            cls.env, "refurb_seller", groups="reverse_logistics.group_refurbished_sales", name="Refurb Seller"
        )
        cls.sales_manager = new_test_user(
            cls.env, "refurb_manager", groups="reverse_logistics.group_refurbished_sales,sales_team.group_sale_manager",
            name="Sales Manager",
        )

    def test_a_unit_resold_as_is_is_listed_as_a_draft_with_its_cost_and_prediction(self):
        serial = self.serials[0]
        order = self._deliver_sale(self.customer, [(self.product_serial, 1)], lots=serial)
        ret = self._return_from_sale(order, [(self.product_serial, 1, {"lot_id": serial.id})])
        self._approve_and_receive(ret)
        inspection = ret.inspection_ids
        photo = self.env["ir.attachment"].create({
            "name": "scratch.png", "datas": base64.b64encode(b"\x89PNG fake"), "res_model": "return.inspection",
            "res_id": inspection.id,
        })
        inspection.write({
            "grade_id": self.grade_b.id, "defects": "Scratch on the back", "photo_ids": [Command.link(photo.id)],
        })
        inspection.answer_ids.filtered(lambda a: a.answer_type == "pass_fail").result = "pass"
        inspection.action_done()
        disposition = inspection.disposition_ids
        self.assertEqual(disposition.recommended_type_id.code, "resell_as_is")
        disposition.action_accept()

        listing = disposition.resale_listing_id
        self.assertEqual(
            (listing.state, listing.product_id, listing.lot_id, listing.grade_id, listing.location_id),
            ("draft", self.product_serial, serial, self.grade_b, self.secondary),
        )
        self.assertFalse(listing.refurbished)
        self.assertEqual(listing.quantity_available, 1)
        self.assertEqual(listing.cost_basis, 200.0, "the unit's valuation, nothing refurbished")
        self.assertEqual(listing.reference_price, 500.0)
        self.assertAlmostEqual(listing.predicted_value, disposition.expected_value)
        self.assertEqual(listing.defects, "Scratch on the back")
        self.assertEqual(listing.photo_ids.res_model, "resale.listing", "sales users read their own copy of the photo")
        self.assertEqual(listing.photo_ids.raw, photo.raw)
        self.assertEqual(listing.channel_ids, self.shop, "channels that offer every new listing")
        # Grade B sells for its share of the price as new; the shop rounds to .99.
        share = self.grade_b.resale_value_percent
        self.assertEqual(listing.suggested_price, max(round(500 * share / 100) - 0.01, listing.floor_price))
        self.assertGreaterEqual(listing.floor_price, 200.0 * 1.05, "cost + the shop's 5 % minimum margin")

    def test_the_margin_scheme_shows_the_vat_included_in_the_margin(self):
        tax = self.env["account.tax"].create({"name": "VAT 21", "amount": 21.0, "type_tax_use": "sale"})
        self.product_serial.write({"resale_margin_scheme": True, "taxes_id": [Command.set(tax.ids)]})
        listing = self._listed_unit(self.serials[0], price=442.0)
        self.assertTrue(listing.margin_scheme, "the product's flag")
        order = self._sell(listing)
        order.order_line.tax_id = False  # invoiced with no VAT on the invoice, as the scheme wants
        order.action_confirm()
        order.picking_ids.move_ids.picked = True
        order.picking_ids.button_validate()
        self.assertAlmostEqual(listing.margin, 442.0 - 200.0)
        self.assertAlmostEqual(listing.margin_scheme_vat, round(242.0 * 21 / 121, 2))

    def test_a_refurbished_unit_is_listed_once_repaired_with_its_refurbishment_cost(self):
        disposition = self._dispose(self.serials[1], grade=self.grade_c, code="refurbish")
        listing = disposition.resale_listing_id
        self.assertTrue(listing.refurbished)
        self.assertEqual(listing.grade_id, self.grade_b, "refurbishment brings the unit to grade B")
        self.assertEqual(listing.refurbishment_cost, 40.0, "no parts on the repair: the category's estimate")
        self.assertEqual(listing.cost_basis, 240.0)
        self.assertEqual(listing.location_id, self.secondary)

    def test_publishing_checks_everything_first_and_writes_the_listed_event(self):
        as_is = self._dispose(self.serials[0]).resale_listing_id
        refurbished = self._dispose(self.serials[1], grade=self.grade_c, code="refurbish").resale_listing_id
        (as_is | refurbished).channel_ids = self.backmarket
        (as_is | refurbished).action_use_suggested_price()
        with self.assertRaisesRegex(UserError, "(?s)Nothing was published.*Back Market lists refurbished units only"):
            (as_is | refurbished).action_publish()
        self.assertEqual((as_is | refurbished).mapped("state"), ["draft", "draft"], "nothing half-published")
        refurbished.action_publish()
        self.assertEqual(refurbished.state, "published")
        self.assertEqual(refurbished.first_price, refurbished.price)
        listed = refurbished.disposition_ids.order_id.event_ids.filtered(lambda e: e.event_type == "listed")
        self.assertEqual((listed.lot_id, listed.description), (self.serials[1], "Back Market"))
        self.assertFalse(listed.public)

    def test_a_channel_added_to_a_published_listing_must_accept_its_condition(self):
        listing = self._listed_unit(self.serials[0])
        with self.assertRaisesRegex(UserError, "Back Market lists refurbished units only"):
            listing.channel_ids = [Command.link(self.backmarket.id)]

    def test_a_pricelist_discount_does_not_apply_to_a_listed_unit(self):
        self.env.user.groups_id += self.env.ref("sale.group_discount_per_so_line")
        pricelist = self.env["product.pricelist"].create({"name": "Minus 50", "item_ids": [Command.create({
            "compute_price": "percentage", "percent_price": 50, "applied_on": "3_global",
        })]})
        listing = self._listed_unit(self.serials[0], price=333.0)
        order = self._sell(listing)
        order.pricelist_id = pricelist
        order.action_update_prices()
        self.assertEqual((order.order_line.price_unit, order.order_line.discount), (333.0, 0.0))

    def test_below_the_floor_only_a_sales_manager_may_list_and_it_is_logged(self):
        listing = self._dispose(self.serials[0]).resale_listing_id
        low = listing.floor_price - 10
        with self.assertRaisesRegex(UserError, "below the floor.*only a sales manager"):
            listing.with_user(self.seller).price = low
        self.assertFalse(listing.price)
        with self.assertRaisesRegex(UserError, "greater than zero"):
            listing.with_user(self.sales_manager).price = 0
        listing.with_user(self.sales_manager).price = low
        self.assertEqual((listing.price, listing.price_approved_by_id), (low, self.sales_manager))
        self.assertIn("below the floor", listing.message_ids[:1].body)
        listing.with_user(self.seller).price = listing.suggested_price
        self.assertFalse(listing.price_approved_by_id)

    def test_states_costs_and_quantities_change_through_the_actions_only(self):
        listing = self._dispose(self.serials[0]).resale_listing_id
        for values in ({"state": "sold"}, {"cost_basis": 1.0}, {"quantity": 5}, {"grade_id": self.grade_a.id}):
            with self.assertRaises(UserError):
                listing.with_user(self.seller).write(values)
        salesman = new_test_user(self.env, "plain_salesman", groups="sales_team.group_sale_salesman")
        with self.assertRaises(AccessError):
            listing.with_user(salesman).price = 999
        with self.assertRaises(UserError):  # AccessError is a UserError
            self.env["resale.listing"].with_user(self.seller).create({"product_id": self.product_serial.id})
        self.assertFalse(self.env["resale.listing"].search([("id", ">", listing.id)]))

    def test_a_sold_unit_is_reserved_picked_by_its_serial_and_marked_sold_on_delivery(self):
        serial = self.serials[0]
        listing = self._listed_unit(serial, price=333.0)
        # Another unit of the same product in secondary-market stock must not be delivered instead.
        other = self.env["stock.lot"].create({"name": "SN-OTHER", "product_id": self.product_serial.id})
        self.env["stock.quant"]._update_available_quantity(self.product_serial, self.secondary, 1, lot_id=other)
        order = self._sell(listing)
        self.assertEqual(order.order_line.price_unit, 333.0)
        self.assertIn(serial.name, order.order_line.name)
        order.action_confirm()
        self.assertEqual((listing.state, listing.quantity_available), ("reserved", 0))
        picking = order.picking_ids
        self.assertEqual(picking.location_id, self.secondary)
        self.assertEqual(picking.move_ids.move_line_ids.lot_id, serial, "exactly the listed serial")
        with self.assertRaisesRegex(UserError, "no longer for sale: it is reserved"):
            self._sell(listing)
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(listing.state, "sold")
        self.assertEqual(listing.sold_amount, 333.0)
        self.assertEqual(listing.recovery_rate, round(333.0 / 500 * 100, 2))
        self.assertAlmostEqual(listing.realised_vs_predicted, 333.0 - listing.predicted_value)
        self.assertAlmostEqual(listing.margin, 333.0 - 200.0)
        sold = listing.disposition_ids.order_id.event_ids.filtered(lambda e: e.event_type == "sold")
        self.assertEqual((sold.lot_id, sold.description), (serial, order.name))

    def test_a_discount_below_the_floor_needs_a_sales_manager(self):
        listing = self._listed_unit(self.serials[0])
        salesman = new_test_user(self.env, "discounting_salesman", groups="sales_team.group_sale_salesman")
        order = self._sell(listing)
        order.user_id = salesman
        with self.assertRaisesRegex(UserError, "Only a sales manager"):
            order.with_user(salesman).order_line.discount = 60
        with self.assertRaisesRegex(UserError, "Only a sales manager"):
            order.with_user(salesman).order_line.price_unit = 1.0
        self.assertEqual(order.order_line.discount, 0.0)
        order.with_user(self.sales_manager).order_line.discount = 60
        # The manager's discount stands when the salesperson (or the customer, on the portal) confirms.
        order.with_user(salesman).action_confirm()
        self.assertEqual((order.state, listing.state), ("sale", "reserved"))

    def test_a_cancelled_order_gives_the_unit_back(self):
        listing = self._listed_unit(self.serials[0])
        order = self._sell(listing)
        order.action_confirm()
        self.assertEqual(listing.state, "reserved")
        order._action_cancel()
        self.assertEqual((listing.state, listing.quantity_reserved, listing.quantity_available), ("published", 0, 1))

    def test_a_unit_gone_from_secondary_stock_is_offered_nowhere(self):
        listing = self._listed_unit(self.serials[0])
        scrap = self.env["stock.scrap"].create({
            "product_id": self.product_serial.id, "lot_id": self.serials[0].id, "scrap_qty": 1,
            "location_id": self.secondary.id,
        })
        scrap.do_scrap()
        listing.invalidate_recordset(["quantity_available"])
        self.assertEqual(listing.quantity_available, 0)
        with self.assertRaisesRegex(UserError, "no longer for sale: no unit of it is left"):
            self._sell(listing)

    def test_a_salesperson_ordering_a_unit_scrapped_or_sold_is_told_it_is_no_longer_for_sale(self):
        salesperson = new_test_user(self.env, "lot_blind_salesman", groups="sales_team.group_sale_salesman")
        scrapped, sold = self._listed_unit(self.serials[0]), self._listed_unit(self.serials[1])
        # An available unit: the salesperson, who may not read lots, sells it, its serial on the line.
        self.env.invalidate_all()  # as in a request of their own: nothing read by the administrator before
        order = self.env["sale.order"].with_user(salesperson).create({
            "partner_id": self.buyer.id, "warehouse_id": self.warehouse.id,
            "order_line": [Command.create({"resale_listing_id": sold.id})],
        })
        self.assertIn(self.serials[1].name, order.order_line.name)
        order.action_confirm()
        picking = order.with_env(self.env).picking_ids  # delivered by the warehouse
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(sold.state, "sold")
        self.env["stock.scrap"].create({
            "product_id": self.product_serial.id, "lot_id": self.serials[0].id, "scrap_qty": 1,
            "location_id": self.secondary.id,
        }).do_scrap()
        for listing, why in ((scrapped, "no unit of it is left"), (sold, "it was sold")):
            self.env.invalidate_all()
            with self.assertRaises(UserError) as caught:
                self.env["sale.order"].with_user(salesperson).create({
                    "partner_id": self.buyer.id, "warehouse_id": self.warehouse.id,
                    "order_line": [Command.create({"resale_listing_id": listing.id})],
                })
            self.assertNotIsInstance(caught.exception, AccessError)
            message = caught.exception.args[0]
            self.assertIn(f"{listing.name} ", message)
            self.assertIn("is no longer for sale", message)
            self.assertIn(why, message)

    def test_the_kanban_columns_follow_the_flow_and_the_price_stands_apart_from_the_days_listed(self):
        self._listed_unit(self.serials[0])
        Listing = self.env["resale.listing"].with_user(self.seller)
        groups = Listing.web_read_group([], ["state"], ["state"])["groups"]
        self.assertEqual([group["state"] for group in groups], ["draft", "published", "reserved", "sold", "delisted"],
                         "as the flow goes, Delisted last; every column shown, even empty")
        arch = etree.fromstring(Listing.get_views([(False, "kanban")])["views"]["kanban"]["arch"])
        footer = arch.find(".//t[@t-name='card']/footer")
        cells = list(footer)
        self.assertEqual(cells[0].get("name"), "price", "the price opens the footer")
        badge = footer.find("span[@name='days_listed']")
        self.assertIn("ms-auto", badge.get("class").split(), "the days listed are pushed to the other end")
        self.assertEqual([cell.get("name") for cell in cells], ["price", "days_listed"],
                         "nothing else in the footer squeezes them together")
        self.assertIsNotNone(arch.find(".//t[@t-name='card']/field[@name='channel_ids']"), "channels above the footer")

    def test_untracked_units_of_one_product_and_grade_join_one_listing(self):
        first = self._dispose(product=self.product, qty=2)
        second = self._dispose(product=self.product, qty=1)
        listing = first.resale_listing_id
        self.assertEqual(second.resale_listing_id, listing)
        self.assertEqual(listing.quantity, 3)
        self.assertEqual(listing.quantity_available, 3)
        listing.price = listing.suggested_price
        listing.action_publish()
        order = self._sell(listing, qty=2)
        order.action_confirm()
        self.assertEqual((listing.state, listing.quantity_reserved, listing.quantity_available), ("published", 2, 1))
        with self.assertRaisesRegex(UserError, "no longer for sale"):
            self._sell(listing, qty=2).action_confirm()

    def test_reprice_wizard_checks_every_price_before_writing(self):
        first = self._listed_unit(self.serials[0])
        second = self._listed_unit(self.serials[1], grade=self.grade_a)
        prices = (first.price, second.price)
        wizard = self.env["resale.listing.reprice.wizard"].with_user(self.seller).create({
            "listing_ids": [Command.set((first | second).ids)], "method": "percent", "percent": -90,
        })
        with self.assertRaisesRegex(UserError, "below the floor"):
            wizard.action_apply()
        self.assertEqual((first.price, second.price), prices)
        wizard.percent = 10
        wizard.action_apply()
        self.assertEqual((first.price, second.price), tuple(round(p * 1.1, 2) for p in prices))
