# pylint: disable=consider-merging-classes-inherited
# Returns of kind "packaging": pallets and crates coming back against the partner's packaging balance.
"""A packaging return needs no reason, no policy and no source document: what may come back is what
the partner holds (their packaging balance, less what their other open packaging returns announce).
Each line says in what condition the packaging came back: reusable packaging waits in the warehouse's
packaging location for its next trip; damaged packaging is graded at once and goes on to the usual
dispositions (refurbishment, recycling). The deposit is credited by the packaging ledger, never by
the returns' own credit notes, so that it is credited once."""

from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..returns_lib import policy as policy_lib
from .return_states import PENDING_STATES

PACKAGING_CONDITIONS = [
    ("reusable", "Reusable"),
    ("repair", "To Repair"),
    ("scrap", "Scrap"),
]
# The grade a damaged packaging unit gets on receipt; the disposition engine proposes what to do with it.
CONDITION_GRADES = {"repair": "reverse_logistics.grade_d", "scrap": "reverse_logistics.grade_scrap"}


class ReturnOrder(models.Model):
    _inherit = "return.order"

    def _evaluate_policy(self):
        # Packaging is owed back whatever the return policies say: nothing to approve beyond the balance.
        if self.return_kind == "packaging":
            return policy_lib.Verdict(findings=())
        return super()._evaluate_policy()

    # At approval a packaging return is priced as its direct shipment and never routed through a hub
    # (``_plannable`` and ``_route_alone`` in return_route_planning.py).

    def _prepare_receipt_picking_values(self):
        values = super()._prepare_receipt_picking_values()
        if self.return_kind == "packaging":
            values["location_dest_id"] = self.warehouse_id._get_packaging_location().id
        return values


class ReturnOrderLine(models.Model):
    _inherit = "return.order.line"

    packaging_condition = fields.Selection(
        PACKAGING_CONDITIONS, default="reusable", groups="base.group_user",
        help="On a packaging return: reusable packaging goes back into the packaging stock; packaging to repair or "
        "to scrap is graded on receipt and goes on to refurbishment or recycling.",
    )

    def _prepare_receipt_move_values(self):
        values = super()._prepare_receipt_move_values()
        for line, vals in zip(self, values, strict=True):
            if line.order_id.return_kind == "packaging":
                vals["location_dest_id"] = line.order_id.warehouse_id._get_packaging_location().id
        return values

    def _credit_due_qty(self):
        # The deposit of returned packaging is credited by the packaging ledger (returnable_packaging_deposit.py).
        if self.order_id.return_kind == "packaging":
            return 0.0
        return super()._credit_due_qty()

    @api.model
    def _validate_request_values(self, pairs, exclude_lines=None):
        # The products of the batch, looked up once (exists() per line was a query per line).
        existing = self.env["product.product"].browse(
            {vals["product_id"] for _order, vals in pairs if isinstance(vals.get("product_id"), int)}
        ).exists()
        for order, vals in pairs:
            product = self.env["product.product"].browse(vals.get("product_id") or []) & existing
            if order.return_kind == "packaging" and product and not product.returnable_packaging:
                raise ValidationError(self.env._(
                    "%s is not returnable packaging: return it on a customer return.", product.display_name))
            if order.return_kind != "packaging" and product and product.returnable_packaging:
                # Its deposit is credited by the packaging ledger: an ordinary return would credit it again.
                raise ValidationError(self.env._(
                    "%(product)s is returnable packaging: it comes back on a packaging return (Returns > Packaging "
                    "> Packaging Returns), which settles it against the packaging balance and credits its deposit "
                    "once. Remove it from this return.", product=product.display_name))
        return super()._validate_request_values(pairs, exclude_lines=exclude_lines)

    @api.model
    def _check_requested_quantities(self, pairs, exclude_lines):
        """Packaging lines draw on the partner's packaging balance; other lines on their source documents."""
        packaging = [(order, vals) for order, vals in pairs if order.return_kind == "packaging"]
        others = [(order, vals) for order, vals in pairs if order.return_kind != "packaging"]
        if others or not packaging:
            super()._check_requested_quantities(others, exclude_lines)
        if not packaging:
            return
        Ledger = self.env["returnable.packaging.move"]
        partners = {order.partner_id.commercial_partner_id.id for order, _vals in packaging}
        Ledger._lock_balances(partners)
        requests = [
            (order.partner_id.commercial_partner_id, self.env["product.product"].browse(vals["product_id"]),
             "customer", self.env["stock.lot"].browse(vals.get("lot_id") or []), vals.get("product_uom_qty", 1.0))
            for order, vals in packaging
        ]
        Ledger._check_can_take_back(requests, claimed=self._packaging_claimed(partners, exclude_lines))

    @api.model
    def _packaging_claimed(self, partner_ids, exclude_lines):
        """{(partner, product, "customer"[, lot]): units open packaging returns still expect}, one query.

        sudo: another clerk's open return of the same partner counts too; only quantities are read.
        """
        domain = [
            ("order_id.return_kind", "=", "packaging"),
            ("order_id.commercial_partner_id", "in", list(partner_ids)),
            ("state", "in", PENDING_STATES),
        ]
        if exclude_lines:
            domain.append(("id", "not in", exclude_lines.ids))
        claimed = defaultdict(float)
        for line in self.sudo().search(domain):
            left = max(line.product_uom_qty - line.qty_received, 0.0)
            key = (line.order_id.commercial_partner_id.id, line.product_id.id, "customer")
            claimed[key] += left
            if line.lot_id:
                claimed[(*key, line.lot_id.id)] += left
        return claimed


class ReturnInspection(models.Model):
    _inherit = "return.inspection"

    @api.model
    def _create_from_receipt_moves(self, moves):
        """Reusable packaging needs no inspection; damaged packaging is graded from its condition at once."""
        reusable = moves.filtered(lambda m: m.return_line_id.order_id.return_kind == "packaging"
                                  and m.return_line_id.packaging_condition == "reusable")
        inspections = super()._create_from_receipt_moves(moves - reusable)
        damaged = inspections.filtered(lambda i: i.state == "to_inspect" and i.line_id.order_id.return_kind
                                       == "packaging" and i.line_id.packaging_condition in CONDITION_GRADES)
        for condition, units in damaged.grouped(lambda i: i.line_id.packaging_condition).items():
            units.write({"grade_id": self.env.ref(CONDITION_GRADES[condition]).id})
            units._complete(source="system")
        return inspections
