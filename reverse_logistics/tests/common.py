import os
from datetime import timedelta
from pathlib import Path

from odoo import Command, fields
from odoo.tests import TransactionCase


class ReturnsCase(TransactionCase):
    """Delivered sale orders to return, built through the real sale and stock flows."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_notrack=True))
        cls.company = cls.env.company
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.category = cls.env["product.category"].create({"name": "Returnable goods"})
        cls.policy = cls.env["return.policy"].create(
            {
                "name": "Test policy",
                "company_id": cls.company.id,
                "window_days": 30,
                "sequence": 1,
                "category_ids": [Command.link(cls.category.id)],
            }
        )
        cls.reason_defect = cls.env.ref("reverse_logistics.reason_defective")
        cls.reason_changed = cls.env.ref("reverse_logistics.reason_changed_mind")
        cls.customer = cls.env["res.partner"].create(
            {"name": "Kunde GmbH", "country_id": cls.env.ref("base.de").id, "email": "kunde@example.com"}
        )
        cls.other_customer = cls.env["res.partner"].create(
            {"name": "Client SARL", "country_id": cls.env.ref("base.fr").id}
        )
        cls.product = cls._create_product("Returnable chair", list_price=100.0)
        cls.product_b = cls._create_product("Returnable lamp", list_price=40.0)
        cls.product_serial = cls._create_product("Phone", list_price=500.0, tracking="serial")
        cls.serials = cls.env["stock.lot"].create(
            [{"name": f"SN-{i}", "product_id": cls.product_serial.id, "company_id": cls.company.id} for i in range(3)]
        )
        for product in (cls.product, cls.product_b):
            cls.env["stock.quant"]._update_available_quantity(product, cls.stock_location, 100)
        for lot in cls.serials:
            cls.env["stock.quant"]._update_available_quantity(cls.product_serial, cls.stock_location, 1, lot_id=lot)

    @classmethod
    def _set_up_customs_parties(cls):
        """The company imports in Spain (EORI, office, address); the customer is in the US; the
        chair is a Chinese computer part with a weight, as customs declarations need."""
        cls.company.write({"customs_eori": "ESB12345674", "customs_office_code": "ES004641"})
        cls.company.partner_id.write({"country_id": cls.env.ref("base.es").id, "zip": "50001", "city": "Zaragoza",
                                      "street": "Calle Mayor 1"})
        cls.warehouse.partner_id = cls.company.partner_id
        cls.customer.write({"country_id": cls.env.ref("base.us").id, "zip": "78701", "city": "Austin",
                            "street": "1 Main Street"})
        cls.product.write({"hs_code": "8471300000", "country_of_origin": cls.env.ref("base.cn").id, "weight": 1.5})

    @classmethod
    def _create_hub(cls, name, country, zip_code, city, areas=None, modes=(), location=None, address=None, **values):
        """A return hub of the company at a partner's site: its address (``address``: more partner values),
        a receiving location in the warehouse unless ``location`` is given, the origins it serves (``areas``:
        return.hub.area values, by default its own country) and its outbound ``modes`` (return.hub.mode values)."""
        country_id = cls.env.ref(f"base.{country}").id
        partner = cls.env["res.partner"].create({
            "name": name, "zip": zip_code, "city": city, "country_id": country_id, "company_id": cls.company.id,
            **(address or {}),
        })
        location = location or cls.env["stock.location"].create({
            "name": name, "usage": "internal", "location_id": cls.warehouse.view_location_id.id,
        })
        return cls.env["return.hub"].create({
            "name": name, "partner_id": partner.id, "location_id": location.id,
            "area_ids": [Command.create(area) for area in (areas or [{"country_id": country_id}])],
            "mode_ids": [Command.create(mode) for mode in modes],
            **values,
        })

    @classmethod
    def _create_product(cls, name, list_price, tracking="none"):
        return cls.env["product.product"].create(
            {
                "name": name,
                "is_storable": True,
                "tracking": tracking,
                "list_price": list_price,
                "categ_id": cls.category.id,
                "hs_code": "94017100",
                "country_of_origin": cls.env.ref("base.es").id,
            }
        )

    @classmethod
    def _deliver_sale(cls, partner, lines, days_ago=2, lots=None):
        """Confirm a sale order and validate its delivery in full, ``days_ago`` days ago."""
        order = cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "warehouse_id": cls.warehouse.id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": qty, "price_unit": product.list_price})
                    for product, qty in lines
                ],
            }
        )
        order.action_confirm()
        picking = order.picking_ids
        for move in picking.move_ids:
            if move.has_tracking == "serial":
                move.move_line_ids.unlink()
                for lot in (lots or cls.serials)[: int(move.product_uom_qty)]:
                    cls.env["stock.move.line"].create(
                        {**move._prepare_move_line_vals(quantity=1), "lot_id": lot.id}
                    )
            else:
                move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        picking.button_validate()
        delivered_at = fields.Datetime.now() - timedelta(days=days_ago)
        picking.move_ids.write({"date": delivered_at})
        picking.date_done = delivered_at
        return order

    @staticmethod
    def _confirm_deliver_invoice(order, **invoice_values):
        """Confirm ``order``, deliver all of it, invoice it (with ``invoice_values``) and post the invoice."""
        order.action_confirm()
        for move in order.picking_ids.move_ids:
            move.quantity = move.product_uom_qty
        order.picking_ids.move_ids.picked = True
        order.picking_ids.button_validate()
        invoice = order._create_invoices()
        if invoice_values:
            invoice.write(invoice_values)
        invoice.action_post()
        return invoice

    @classmethod
    def _return_from_sale(cls, order, lines, **values):
        """Create a return of ``lines`` [(product, qty, extra line values)] from ``order``."""
        return cls.env["return.order"].create(
            {
                "partner_id": order.partner_id.id,
                "sale_order_id": order.id,
                "line_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "reason_id": cls.reason_defect.id,
                            **extra,
                        }
                    )
                    for product, qty, extra in lines
                ],
                **values,
            }
        )

    @staticmethod
    def _approve(rma):
        """Submit ``rma`` and approve it when its policy does not approve it by itself."""
        rma.action_submit()
        if rma.state == "to_approve":
            rma.action_approve()
        return rma

    @classmethod
    def _approve_and_receive(cls, rma):
        cls._approve(rma).action_receive()
        return rma

    def _row_counts(self):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT (SELECT count(*) FROM return_order), (SELECT count(*) FROM return_order_line),"
            " (SELECT count(*) FROM stock_picking WHERE return_order_id IS NOT NULL)"
        )
        return self.env.cr.fetchone()

    def assertRefused(self, exception, regex, func, *args, **kwargs):
        """``func`` must raise ``exception`` before writing anything.

        Unlike Odoo's assertRaises, no savepoint is rolled back here: a row written
        before the refusal is still counted, as it would be where a caller catches
        the error and the transaction goes on.
        """
        before = self._row_counts()
        try:
            func(*args, **kwargs)
        except exception as error:
            self.assertRegex(str(error), regex)
        else:
            self.fail(f"{exception.__name__} not raised")
        self.assertEqual(self._row_counts(), before, "a refused request must leave nothing behind")


SHARED = Path(os.environ.get("RL_SHARED_DIR") or Path(__file__).resolve().parents[3] / "shared")
SCHEMAS = SHARED / "customs-schemas"


class CustomsCase(ReturnsCase):
    """A Spanish company whose goods went to a customer in the US, delivered with an export MRN.

    The company validates its messages against the shared official schema set where it is found:
    every declaration checked in the suite is then schema-valid too.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_up_customs_parties()
        if SCHEMAS.is_dir():
            cls.company.customs_schema_folder = str(SCHEMAS)
        cls.order = cls._deliver_sale(cls.customer, [(cls.product, 3)])
        cls.delivery = cls.order.picking_ids
        cls.delivery.export_mrn = "24ES004641100000A2"

    def _tariff(self, code, **values):
        """The tariff code, created or updated (demo data may hold it already)."""
        Tariff = self.env["customs.tariff.code"]
        tariff = Tariff.search([("code", "=", code), ("territory_code", "=", "EU")])
        values = {"name": code, "duty_rate": 0.0, "vat_rate": 0.0, **values}
        if tariff:
            tariff.write(values)
            return tariff
        return Tariff.create({"code": code, "territory_code": "EU", **values})

    def _approved_return(self, qty=1, order=None, product=None):
        rma = self._return_from_sale(order or self.order, [(product or self.product, qty, {})])
        self._approve(rma)
        return rma

    def _prepare(self, rma):
        action = rma.action_prepare_customs_declaration()
        declaration = rma.customs_declaration_ids
        self.assertEqual(len(declaration), 1)
        self.assertEqual(action["res_model"], "customs.declaration")
        return declaration
