"""What a portal customer can read over RPC: exactly the fields decided for customers, nothing else.

The portal pages read through the controllers (with sudo, for the customer's own records); RPC
is the way around them. Every field this addon adds, on its own models and on Odoo's, is either
in the allow-list below or hidden from portal users (``groups=``). A new field fails this test
until someone decides which it is.
"""

from odoo.exceptions import AccessError
from odoo.models import MAGIC_COLUMNS
from odoo.tests import new_test_user, tagged

from .common import ReturnsCase

MAGIC_FIELDS = {*MAGIC_COLUMNS, "display_name"}

# Fields a customer may read on records the record rules give them (their own returns, the
# public events of those returns, the reasons they choose from, their own documents).
PORTAL_READABLE = {
    "return.order": {
        "name", "company_id", "partner_id", "commercial_partner_id", "partner_return_address_id", "country_id",
        "return_kind", "origin_type", "sale_order_id", "picking_id", "invoice_id", "warehouse_id", "user_id", "state",
        "date_requested", "date_approved", "date_received", "requested_via_portal", "line_ids", "refuse_reason",
        "return_shipping_payer", "currency_id", "amount_total", "restocking_fee_amount", "customer_note",
        "event_ids", "carrier_id", "carrier_tracking_ref",
    },
    "return.order.line": {
        "order_id", "sequence", "company_id", "partner_id", "country_id", "state", "date_requested", "product_id",
        "product_uom_id", "tracking", "product_uom_qty", "lot_id", "reason_id", "requested_outcome",
        "sale_line_id", "invoice_line_id", "delivery_date", "currency_id", "price_unit", "price_subtotal",
        "restocking_fee_amount", "qty_received",
    },
    "return.event": {
        "order_id", "line_id", "company_id", "partner_id", "product_id", "lot_id", "date", "event_type",
        "description", "place", "source", "public", "carrier_id",
    },
    "return.reason": {"name", "code", "sequence", "active", "company_id", "description", "customer_fault"},
    # Odoo's models: what the addon adds to the customer's own documents and products.
    "sale.order": {"return_order_ids", "return_order_count"},
    "account.move": {"return_order_count"},
    "stock.picking": {"return_order_id", "return_order_count"},
    "res.partner": {"customs_eori"},
    "res.company": {"customs_eori"},
    "product.template": {"return_hazardous"},
    "product.product": {"return_hazardous"},
}


@tagged("post_install", "-at_install")
class TestPortalReadability(ReturnsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = new_test_user(cls.env, "readability_portal", groups="base.group_portal")
        partner = cls.portal_user.partner_id
        order = cls._deliver_sale(partner, [(cls.product, 2)])
        cls.own_return = cls._return_from_sale(order, [(cls.product, 1, {})])
        cls.own_return.note = "<p>Customer is difficult</p>"
        cls.own_return.action_submit()

    def _addon_fields(self):
        """{model: {field names}} of every field this addon defines, on its models and on Odoo's.

        Fields that mixins bring (mail, portal), the ORM's own columns and fields delegated to a
        parent record (a user's partner fields) are the business of those modules.
        """
        fields_by_model = {}
        for model_name in self.registry:
            model = self.env[model_name]
            if model._abstract or model._transient:
                continue
            for name, field in model._fields.items():
                if field._module == "reverse_logistics" and not field.inherited and name not in MAGIC_FIELDS:
                    fields_by_model.setdefault(model_name, set()).add(name)
        return fields_by_model

    def test_portal_reads_only_the_fields_decided_for_customers(self):
        portal_env = self.env(user=self.portal_user)
        leaks = {}
        for model, names in self._addon_fields().items():
            if model not in portal_env or not portal_env[model].has_access("read"):
                continue
            visible = set(portal_env[model].fields_get(attributes=["type"])) & names
            extra = visible - PORTAL_READABLE.get(model, set())
            if extra:
                leaks[model] = sorted(extra)
        self.assertEqual(leaks, {}, "fields a portal user can read over RPC: allow them here or hide them")

    def test_internal_fields_of_own_returns_cannot_be_read(self):
        own = self.own_return.with_user(self.portal_user)
        self.assertEqual(own.read(["name"])[0]["name"], self.own_return.name, "the customer reads their return")
        internal = {
            "return.order": ["note", "override_reason", "override_user_id", "policy_summary", "out_of_policy",
                             "tracking_poll_error", "customs_decision_note", "picking_ids"],
            "return.order.line": ["policy_id", "origin_move_id", "inspection_state", "move_ids"],
            "return.event": ["grade_id", "location_id", "user_id", "external_ref", "res_model"],
        }
        records = {"return.order": own, "return.order.line": own.line_ids,
                   "return.event": own.event_ids.filtered("public")[:1]}
        self.assertTrue(records["return.event"], "the customer reads the public events of their return")
        for model, names in internal.items():
            for name in names:
                with self.subTest(model=model, field=name), self.assertRaises(AccessError):
                    records[model].read([name])
        # Nor anyone else's return, nor the non-public events of their own.
        other = self._return_from_sale(self._deliver_sale(self.other_customer, [(self.product, 1)]),
                                       [(self.product, 1, {})])
        with self.assertRaises(AccessError):
            other.with_user(self.portal_user).read(["name"])
        private = self.env["return.event"]._record([{"order_id": self.own_return.id, "event_type": "moved"}])
        self.assertFalse(private.public)
        with self.assertRaises(AccessError):
            private.with_user(self.portal_user).read(["event_type"])
