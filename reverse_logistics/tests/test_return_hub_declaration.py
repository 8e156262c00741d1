"""The one import declaration of a hub's load crossing a customs border, as customs receive it:
checked, rendered to its DEC-DMS message and validated against the shared official schema set."""

import base64

from lxml import etree

from odoo.tests import tagged

from ..returns_lib.customs import mrn as mrn_lib
from ..returns_lib.customs import wco
from .common import SCHEMAS, CustomsCase

NS = {"md": wco.NS_METADATA, "d": wco.NS_DEC}


def _mrn(number):
    first_17 = f"24ES0046411{number:05d}A"
    return first_17 + mrn_lib.check_digit(first_17)


@tagged("post_install", "-at_install")
class TestConsolidationDeclaration(CustomsCase):
    """A Spanish company's returns from Great Britain gather at its London hub and cross into the EU together."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hub = cls._create_hub("Hub London", "uk", "E16 2QU", "London", address={"street": "1 Dock Road"},
                                  modes=[{"mode": "sea", "vehicle_class": "container_short_sea"}])
        cls.hub_location = cls.hub.location_id
        # A lamp made in Spain and the chair (a Chinese computer part) made in Taiwan: same HS code as the
        # chair, another origin.
        cls.product_b.weight = 2.0
        cls.chair_tw = cls._create_product("Returnable chair (TW)", list_price=80.0)
        cls.chair_tw.write({"hs_code": "8471300000", "country_of_origin": cls.env.ref("base.tw").id,
                            "weight": 1.5})
        cls.env["stock.quant"]._update_available_quantity(cls.chair_tw, cls.stock_location, 10)

    def setUp(self):
        super().setUp()
        # The tariff may be loaded (demo data): the check then wants every HS code of the items in it.
        self._tariff("84713000", name="Portable computers")
        self._tariff("94017100", name="Upholstered seats")

    def _uk_customer(self, name):
        return self.env["res.partner"].create({
            "name": name, "street": "10 Downing Street", "zip": "SW1A 2AA", "city": "London",
            "country_id": self.env.ref("base.uk").id, "email": "customer@example.com",
        })

    def _arrived_return(self, name, delivered, returned, mrn=None):
        """A customer in Great Britain returns ``returned`` [(product, qty)] of what was ``delivered``
        (with the export declaration ``mrn``, if any); the parcel arrives at the London hub."""
        order = self._deliver_sale(self._uk_customer(name), delivered)
        order.picking_ids.export_mrn = mrn or False
        rma = self._approve(self._return_from_sale(order, [(product, qty, {}) for product, qty in returned]))
        self.assertEqual((rma.state, rma.hub_id), ("approved", self.hub))
        rma.action_arrived_at_hub()
        return rma

    def _message(self, declaration):
        """The DEC-DMS message as the addon submits it: checked (schema included), built, kept as attachment."""
        declaration.action_check()
        self.assertEqual(declaration.state, "checked", declaration.check_result)
        declaration.action_generate_xml()
        xml = base64.b64decode(declaration.xml_attachment_id.datas)
        self.assertEqual(wco.validate_declaration_xml(xml, SCHEMAS), [])
        return etree.fromstring(xml)

    @staticmethod
    def _xml_items(root):
        """{(HS code, origin, procedures): (value, [previous documents' (ID, line)])} of the message's items."""
        items = {}
        for item in root.iterfind(".//d:GoodsShipment/d:GovernmentAgencyGoodsItem", NS):
            main, *additional = item.iterfind("d:GovernmentProcedure", NS)
            key = (item.findtext("d:Commodity/d:Classification/d:ID", namespaces=NS),
                   item.findtext("d:Origin/d:CountryCode", namespaces=NS),
                   main.findtext("d:CurrentCode", namespaces=NS) + main.findtext("d:PreviousCode", namespaces=NS),
                   tuple(procedure.findtext("d:CurrentCode", namespaces=NS) for procedure in additional))
            documents = [(doc.findtext("d:ID", namespaces=NS), doc.findtext("d:LineNumeric", namespaces=NS))
                         for doc in item.iterfind("d:PreviousDocument", NS)]
            items[key] = (float(item.findtext("d:CustomsValueAmount", namespaces=NS)), sorted(documents))
        return items

    def test_load_declaration_merges_items_and_is_schema_valid(self):
        if not SCHEMAS.is_dir():
            self.skipTest(f"WCO schema set not found at {SCHEMAS} (set RL_SHARED_DIR)")
        mrn_a, mrn_b = _mrn(1), _mrn(2)
        # Return A: chair, lamp and the Taiwanese chair, exported under mrn_a (items 1, 2, 3 of its delivery).
        first = self._arrived_return("Customer A", [(self.product, 2), (self.product_b, 2), (self.chair_tw, 1)],
                                     [(self.product, 1), (self.product_b, 1), (self.chair_tw, 1)], mrn_a)
        # Return B: chairs and a lamp exported under mrn_b (items 1 and 2).
        second = self._arrived_return("Customer B", [(self.product, 3), (self.product_b, 1)],
                                      [(self.product, 2), (self.product_b, 1)], mrn_b)
        # Return C: a chair whose export declaration is not known: no relief, a plain import of its own.
        third = self._arrived_return("Customer C", [(self.product, 1)], [(self.product, 1)])
        returns = first | second | third
        load = returns.consolidation_id
        self.assertEqual(len(load), 1, "same hub, destination and goods: one load")
        self.assertTrue(load.crosses_border)

        load.action_ship()
        declaration = load.customs_declaration_ids
        self.assertEqual(len(declaration), 1, "one declaration for the whole load")
        self.assertEqual((declaration.category, declaration.territory_code, declaration.state), ("IM", "EU", "draft"))
        self.assertEqual(declaration.exporter_id, self.hub.partner_id, "the load is sent from the hub")
        self.assertEqual(declaration.importer_id, self.company.partner_id)
        self.assertEqual(sorted(declaration.line_ids.mapped("sequence")), [1, 2, 3, 4])

        def item(product, procedure):
            found = declaration.line_ids.filtered(
                lambda line: line.hs_code == (product.hs_code or "")
                and line.origin_country_id == product.country_of_origin and line.procedure_code == procedure)
            self.assertEqual(len(found), 1, f"one item of {product.display_name} under {procedure}")
            return found

        chairs, lamps = item(self.product, "6110"), item(self.product_b, "6110")
        chairs_tw, chairs_plain = item(self.chair_tw, "6110"), item(self.product, "4000")
        lines = returns.line_ids

        def returned(product, orders):
            of = lines.filtered(lambda line: line.product_id == product and line.order_id in orders)
            return sum(of.mapped("product_uom_qty")), sum(of.mapped("price_subtotal"))

        self.assertEqual((chairs.quantity, chairs.customs_value), returned(self.product, first | second),
                         "the chairs of A and B: one item, quantities and values summed")
        self.assertAlmostEqual(chairs.net_mass, 3 * 1.5)
        self.assertEqual((lamps.quantity, lamps.customs_value), returned(self.product_b, first | second))
        self.assertEqual((chairs_tw.quantity, chairs_plain.quantity), (1, 1))
        self.assertEqual(chairs.additional_procedure_codes, "F05")
        self.assertNotEqual(chairs_plain.additional_procedure_codes, "F05")
        self.assertFalse(chairs_plain.document_ids)
        self.assertAlmostEqual(sum(declaration.line_ids.mapped("customs_value")), sum(lines.mapped("price_subtotal")),
                               msg="every returned line is declared once")

        root = self._message(declaration)
        self.assertEqual(root.findtext("d:Declaration/d:GoodsItemQuantity", namespaces=NS), "4")
        self.assertEqual(root.findtext("d:Declaration/d:Exporter/d:Name", namespaces=NS), "Hub London")
        relief = ("6110", ("F05",))
        self.assertEqual(self._xml_items(root), {
            # Each merged item quotes the export declaration (and item) of every return in it.
            ("84713000", "CN", *relief): (chairs.customs_value, [(mrn_a, "1"), (mrn_b, "1")]),
            ("94017100", "ES", *relief): (lamps.customs_value, [(mrn_a, "2"), (mrn_b, "2")]),
            ("84713000", "TW", *relief): (chairs_tw.customs_value, [(mrn_a, "3")]),
            ("84713000", "CN", "4000", tuple(chairs_plain._additional_codes())): (chairs_plain.customs_value, []),
        })

    def test_load_of_1000_distinct_items_splits_at_999(self):
        if not SCHEMAS.is_dir():
            self.skipTest(f"WCO schema set not found at {SCHEMAS} (set RL_SHARED_DIR)")
        # 1,000 products of as many HS codes, delivered on one order and all returned.
        products = self.env["product.product"].create([
            {"name": f"Spare part {index:04d}", "is_storable": True, "categ_id": self.category.id,
             "list_price": 10.0, "weight": 0.5, "hs_code": f"8473{index:04d}",
             "country_of_origin": self.env.ref("base.cn").id}
            for index in range(1000)
        ])
        self.env["stock.quant"].create([
            {"product_id": product.id, "location_id": self.stock_location.id, "quantity": 1.0} for product in products
        ])
        rma = self._arrived_return("Customer with many parts", [(product, 1) for product in products],
                                   [(product, 1) for product in products], _mrn(3))
        load = rma.consolidation_id
        load.action_ship()
        declarations = load.customs_declaration_ids.sorted(lambda d: -len(d.line_ids))
        self.assertEqual([len(d.line_ids) for d in declarations], [999, 1],
                         "at most 999 goods items per declaration: a second one takes the rest")
        self.assertEqual(len(set(declarations.mapped("lrn"))), 2, "each declaration has its own LRN")
        self.assertEqual(declarations.line_ids.product_id, products, "every item in one of them")
        for declaration in declarations:
            self.assertEqual(declaration.line_ids.mapped("sequence"), list(range(1, len(declaration.line_ids) + 1)))
            # Rendered as submitted (the tariff of the test database does not hold these HS codes: no Check).
            xml = wco.build_declaration_xml(declaration._to_declaration())
            self.assertEqual(wco.validate_declaration_xml(xml, SCHEMAS), [])
            root = etree.fromstring(xml)
            self.assertEqual(root.findtext("d:Declaration/d:GoodsItemQuantity", namespaces=NS),
                             str(len(declaration.line_ids)))

    def test_load_inside_the_customs_territory_has_no_declaration(self):
        de = self.env.ref("base.de")
        self._create_hub("Hub Frankfurt", "de", "60549", "Frankfurt", location=self.hub_location,
                         modes=[{"mode": "road", "vehicle_class": "artic_34_40t"}])
        customer = self.env["res.partner"].create({
            "name": "Kundin", "street": "Unter den Linden 1", "zip": "10117", "city": "Berlin", "country_id": de.id,
        })
        order = self._deliver_sale(customer, [(self.product, 2)])
        rma = self._approve(self._return_from_sale(order, [(self.product, 2, {})]))
        self.assertEqual(rma.hub_id.name, "Hub Frankfurt")
        rma.action_arrived_at_hub()
        load = rma.consolidation_id
        self.assertFalse(load.crosses_border, "Germany to Spain: inside the EU")
        load.action_ship()
        self.assertEqual(load.state, "shipped")
        self.assertFalse(load.customs_declaration_ids)
        self.assertEqual(load.customs_declaration_count, 0)

    def test_units_recycled_at_a_grading_hub_are_not_declared(self):
        """London inspects and grades: the lamps recycled there stay in Great Britain; the chairs restocked
        in Spain are all the load declares."""
        local = {name: self.env["stock.location"].create({
            "name": name, "usage": "internal", "location_id": self.warehouse.view_location_id.id})
            for name in ("London resale", "London recycling")}
        self.hub.write({"service_level": "inspect", "resale_location_id": local["London resale"].id,
                        "recycling_location_id": local["London recycling"].id})
        order = self._deliver_sale(self._uk_customer("Mr Graded"), [(self.product, 3), (self.product_b, 2)])
        order.picking_ids.export_mrn = _mrn(77)
        rma = self._approve(self._return_from_sale(order, [(self.product, 3, {}), (self.product_b, 2, {})]))
        rma.action_arrived_at_hub()
        chairs = rma.inspection_ids.filtered(lambda i: i.product_id == self.product)
        lamps = rma.inspection_ids - chairs
        chairs.grade_id = self.env.ref("reverse_logistics.grade_a")
        lamps.grade_id = self.env.ref("reverse_logistics.grade_c")
        (chairs | lamps).action_done()
        types = {t.code: t for t in self.env["return.disposition.type"].search([])}
        lamps.disposition_ids._decide(types["recycle"], "Broken shades: the local recycler takes them")
        chairs.disposition_ids._decide(types["restock"], "As new")
        load = rma.consolidation_id
        self.assertAlmostEqual(load.weight, 3 * 1.5, msg="only the chairs weigh in the load")
        load.action_ship()
        declaration = load.customs_declaration_ids
        self.assertEqual(len(declaration), 1)
        self.assertEqual(declaration.line_ids.product_id, self.product, "the recycled lamps never cross")
        self.assertEqual(sum(declaration.line_ids.mapped("quantity")), 3)
        self._message(declaration)
