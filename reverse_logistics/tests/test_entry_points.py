"""Malformed values fired at every public entry point: a clear refusal, never a traceback, nothing written.

Entry points: the portal request form (a customer's browser, or a script posting it), and
XML-RPC / JSON-RPC create and write of returns and their lines (any client of the external API).
The carrier webhook has its own table in test_carrier_tracking.py.
"""

import json
import re
import xmlrpc.client

from odoo.tests import HttpCase, new_test_user, tagged

from .common import ReturnsCase

CLEAR_ERRORS = ("odoo.exceptions.UserError", "odoo.exceptions.ValidationError", "odoo.exceptions.AccessError")


@tagged("post_install", "-at_install")
class TestMalformedInput(HttpCase, ReturnsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_user = new_test_user(cls.env, "malformed_portal", groups="base.group_portal",
                                        email="malformed.portal@example.com")
        cls.order = cls._deliver_sale(cls.portal_user.partner_id, [(cls.product, 3)])
        cls.clerk = new_test_user(cls.env, "malformed_clerk", groups="reverse_logistics.group_returns_user",
                                  email="malformed.clerk@example.com")
        cls.customer_order = cls._deliver_sale(cls.customer, [(cls.product, 2)])

    # ------------------------------------------------------------------
    # Portal form
    # ------------------------------------------------------------------
    def _portal_form(self):
        page = self.url_open("/my/returns/new").text
        row, value = re.search(r'data-row="(\d+)" data-product-id="\d+">.*?name="line_\1" value="([\d:]+)"',
                               page, re.S).groups()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        return {"csrf_token": token, "outcome": "refund", "comment": "ok", f"line_{row}": value,
                f"qty_{row}": "1", f"reason_{row}": str(self.reason_defect.id)}, row

    def test_portal_form_refuses_malformed_fields(self):
        self.authenticate("malformed_portal", "malformed_portal")
        form, row = self._portal_form()
        sale_line = self.order.order_line
        cases = [
            ({f"qty_{row}": "nan"}, "Enter the quantities as numbers"),
            ({f"qty_{row}": "NaN"}, "Enter the quantities as numbers"),
            ({f"qty_{row}": "inf"}, "Enter the quantities as numbers"),
            ({f"qty_{row}": "-Infinity"}, "Enter the quantities as numbers"),
            ({f"qty_{row}": "1e309"}, "Enter the quantities as numbers"),
            ({f"qty_{row}": "two"}, "Enter the quantities as numbers"),
            ({f"qty_{row}": "-1"}, "Enter a positive quantity"),
            ({f"qty_{row}": "4"}, "at most 3"),
            ({f"line_{row}": "abc"}, "reload the page"),
            ({f"line_{row}": "1:2:3"}, "reload the page"),
            ({f"line_{row}": f"{sale_line.id}"}, "reload the page"),
            ({f"line_{row}": "99999999999999999999:0"}, "cannot be returned from your account"),
            ({f"line_{row}": f"{self.customer_order.order_line.id}:0"}, "cannot be returned from your account"),
            ({f"line_{row}": f"{sale_line.id}:{self.serials[0].id}"}, "cannot be returned from your account"),
            ({f"reason_{row}": "x"}, "reload the page"),
            ({f"reason_{row}": "99999999"}, "Tell us why"),
            ({"comment": "nul\x00byte"}, "cannot be saved"),
            ({"comment": "x" * 5_001}, "too long"),
        ]
        before = self._row_counts()
        for change, message in cases:
            with self.subTest(change=str(change)[:80]):
                response = self.url_open("/my/returns/new", data={**form, **change})
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.text)
                self.assertNotIn("Traceback", response.text)
                self.assertEqual(self._row_counts(), before)
        # A 2 MB comment never reaches the database either.
        response = self.url_open("/my/returns/new", data={**form, "comment": "y" * 2_000_000})
        self.assertIn(response.status_code, (400, 413))
        self.assertEqual(self._row_counts(), before)
        # The same form, well formed, is accepted.
        response = self.url_open("/my/returns/new", data=form)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self._row_counts()[0], before[0] + 1)

    # ------------------------------------------------------------------
    # External API
    # ------------------------------------------------------------------
    def _xmlrpc(self, model, method, *args):
        return self.xmlrpc_object.execute_kw(self.env.cr.dbname, self.clerk.id, "malformed_clerk", model, method,
                                             list(args))

    def _jsonrpc(self, model, method, *args):
        payload = {"jsonrpc": "2.0", "method": "call", "params": {
            "service": "object", "method": "execute_kw",
            "args": [self.env.cr.dbname, self.clerk.id, "malformed_clerk", model, method, list(args)],
        }}
        # allow_nan: Python's json, as Odoo's server reads it, carries NaN and Infinity.
        response = self.url_open("/jsonrpc", data=json.dumps(payload, allow_nan=True),
                                 headers={"Content-Type": "application/json"})
        return response.json()

    def _good_line(self, **values):
        return {"product_id": self.product.id, "product_uom_qty": 1,
                "sale_line_id": self.customer_order.order_line.id, "reason_id": self.reason_defect.id, **values}

    def test_xmlrpc_create_and_write_refuse_malformed_values(self):
        def with_qty(qty):
            return {"partner_id": self.customer.id, "line_ids": [[0, 0, self._good_line(product_uom_qty=qty)]]}

        creates = [
            with_qty(float("nan")),
            with_qty(float("inf")),
            with_qty(1e308),
            with_qty(1e9),
            {"partner_id": self.customer.id, "customer_note": "z" * 1_000_000},
            {"partner_id": self.customer.id, "carrier_tracking_ref": "T" * 200_000},
            {"partner_id": self.customer.id, "state": "done"},
            {"partner_id": self.customer.id, "date_requested": "1900-01-01 00:00:00"},
            {"partner_id": self.customer.id, "partner_return_address_id": "not an id"},
            {"partner_id": self.customer.id, "line_ids": [[0, 0, self._good_line(requested_outcome="cash")]]},
            {"partner_id": self.other_customer.id, "line_ids": [[0, 0, self._good_line()]]},
        ]
        before = self._row_counts()
        for vals in creates:
            with self.subTest(vals=str(vals)[:100]), self.assertRaises(xmlrpc.client.Fault) as caught:
                self._xmlrpc("return.order", "create", [vals])
            self.assertEqual(caught.exception.faultCode, 2, caught.exception.faultString[-500:])
            self.assertNotIn("psycopg2", caught.exception.faultString)
        self.assertEqual(self._row_counts(), before)

        (rma_id,) = self._xmlrpc("return.order", "create", [{
            "partner_id": self.customer.id, "line_ids": [[0, 0, self._good_line()]],
        }])
        (line_id,) = self._xmlrpc("return.order", "read", [rma_id], ["line_ids"])[0]["line_ids"]
        writes = [
            ("return.order", rma_id, {"state": "approved"}),
            ("return.order", rma_id, {"date_requested": "not a date"}),
            ("return.order", rma_id, {"date_requested": "9999-12-31 00:00:00"}),
            ("return.order", rma_id, {"amount_total": 0}),
            ("return.order", rma_id, {"carrier_tracking_ref": "T" * 200_000}),
            ("return.order.line", line_id, {"product_uom_qty": float("nan")}),
            ("return.order.line", line_id, {"product_uom_qty": -float("inf")}),
            ("return.order.line", line_id, {"product_uom_qty": 3}),
            ("return.order.line", line_id, {"price_unit": 0.01}),
            ("return.order.line", line_id, {"price_subtotal": 0}),
            ("return.order.line", line_id, {"sale_line_id": self.order.order_line.id}),
        ]
        for model, record_id, vals in writes:
            with self.subTest(model=model, vals=str(vals)[:100]), self.assertRaises(xmlrpc.client.Fault) as caught:
                self._xmlrpc(model, "write", [record_id], vals)
            self.assertEqual(caught.exception.faultCode, 2, caught.exception.faultString[-500:])
        rma = self.env["return.order"].browse(rma_id)
        self.assertEqual((rma.state, rma.line_ids.product_uom_qty, rma.line_ids.sale_line_id),
                         ("draft", 1, self.customer_order.order_line))

    def test_jsonrpc_refuses_what_xmlrpc_cannot_carry(self):
        before = self._row_counts()
        cases = [
            [{"partner_id": self.customer.id, "line_ids": [[0, 0, self._good_line(sequence=2**40)]]}],
            [{"partner_id": 2**63, "line_ids": []}],
            [{"partner_id": self.customer.id, "line_ids": [[0, 0, self._good_line(product_uom_qty=float("nan"))]]}],
            [{"partner_id": self.customer.id, "line_ids": [[0, 0, self._good_line(product_id=[1, 2])]]}],
            [{"partner_id": self.customer.id, "line_ids": "everything"}],
            # XML cannot carry a NUL character at all; JSON can.
            [{"partner_id": self.customer.id, "customer_note": "a\x00b"}],
            [{"partner_id": self.customer.id, "line_ids": [[0, 0, self._good_line(product_uom_qty=1, sequence=None)]],
              "carrier_tracking_ref": "\x00"}],
        ]
        for args in cases:
            with self.subTest(args=str(args)[:100]):
                answer = self._jsonrpc("return.order", "create", *args)
                self.assertIn("error", answer)
                self.assertIn(answer["error"]["data"]["name"], CLEAR_ERRORS, answer["error"]["data"]["message"])
        self.assertEqual(self._row_counts(), before)
