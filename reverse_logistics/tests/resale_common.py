from odoo import Command

from .common import ReturnsCase


class ResaleCase(ReturnsCase):
    """Returned units graded and disposed of into secondary-market stock, through the real flows, to list."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.category.write({"return_refurbish_cost": 40.0, "return_handling_cost": 2.0})
        cls.product_serial.standard_price = 200.0
        cls.product.standard_price = 30.0
        cls.grade_a = cls.env.ref("reverse_logistics.grade_a")
        cls.grade_b = cls.env.ref("reverse_logistics.grade_b")
        cls.grade_c = cls.env.ref("reverse_logistics.grade_c")
        cls.types = {t.code: t for t in cls.env["return.disposition.type"].search([])}
        cls.secondary = cls.warehouse.secondary_market_location_id
        cls.env["resale.channel"].search([]).auto_list = False
        cls.backmarket = cls.env["resale.channel"].create({
            "name": "Back Market", "kind": "backmarket", "fee_percent": 10.0, "min_margin_percent": 10.0,
            "auto_list": False,
        })
        cls.shop = cls.env["resale.channel"].create({
            "name": "Web shop", "kind": "website", "min_margin_percent": 5.0, "rounding": "0.99", "auto_list": True,
        })
        cls.buyer = cls.env["res.partner"].create({"name": "Second Life Buyer", "email": "buyer@example.com"})

    @classmethod
    def _dispose(cls, lot=None, grade=None, code="resell_as_is", product=None, qty=1):
        """Sell, return, receive, grade and dispose of a unit with ``code``: its disposition."""
        product = product or cls.product_serial
        order = cls._deliver_sale(cls.customer, [(product, qty)], lots=lot)
        extra = {"lot_id": lot.id} if lot else {}
        ret = cls._return_from_sale(order, [(product, qty, extra)])
        cls._approve_and_receive(ret)
        inspections = ret.inspection_ids
        inspections.answer_ids.filtered(lambda a: a.answer_type == "pass_fail").result = "pass"
        inspections.grade_id = grade or cls.grade_b
        inspections.action_done()
        dispositions = inspections.disposition_ids
        if dispositions.recommended_type_id.code != code or dispositions.state != "proposed":
            cls.env["return.disposition.override.wizard"].create({
                "disposition_ids": [Command.set(dispositions.ids)],
                "type_id": cls.types[code].id,
                "reason": "test: chosen disposition",
            }).action_apply()
        else:
            dispositions.action_accept()
        if code == "refurbish":
            dispositions.repair_id.action_repair_start()
            dispositions.repair_id.action_repair_end()
        return dispositions

    @classmethod
    def _listed_unit(cls, lot=None, grade=None, code="resell_as_is", price=None):
        """A published listing of a returned serial."""
        disposition = cls._dispose(lot or cls.serials[0], grade=grade, code=code)
        listing = disposition.resale_listing_id
        listing.price = price or listing.suggested_price
        listing.action_publish()
        return listing

    def _sell(self, listing, partner=None, qty=1):
        order = self.env["sale.order"].create({
            "partner_id": (partner or self.buyer).id,
            "warehouse_id": self.warehouse.id,
            "order_line": [Command.create({"resale_listing_id": listing.id, "product_uom_qty": qty})],
        })
        return order
