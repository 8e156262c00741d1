from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .return_states import DELETABLE_STATES, EDITABLE_STATES

# The documents a line may come from; a line draws on each it names (see return_order_line_returnable.py).
SOURCE_FIELDS = ("sale_line_id", "origin_move_id", "invoice_line_id")

REQUESTED_OUTCOMES = [
    ("refund", "Refund"),
    ("replacement", "Replacement"),
    ("repair", "Repair"),
    ("exchange", "Exchange"),
]


class ReturnOrderLine(models.Model):
    _name = "return.order.line"
    _inherit = ["return.input.guard"]
    _description = "Return Authorisation Line"
    _order = "order_id, sequence, id"
    _check_company_auto = True

    order_id = fields.Many2one("return.order", "Return", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(related="order_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(related="order_id.partner_id", store=True)
    country_id = fields.Many2one(related="order_id.country_id", store=True, string="Customer Country")
    state = fields.Selection(related="order_id.state", store=True, index=True)
    date_requested = fields.Datetime(related="order_id.date_requested", store=True)
    product_id = fields.Many2one(
        "product.product", required=True, index=True, check_company=True, domain="[('type', '=', 'consu')]"
    )
    product_categ_id = fields.Many2one(
        related="product_id.categ_id", store=True, string="Product Category", groups="base.group_user"
    )
    product_uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    tracking = fields.Selection(related="product_id.tracking")
    product_uom_qty = fields.Float("Quantity", digits="Product Unit of Measure", required=True, default=1.0)
    lot_id = fields.Many2one(
        "stock.lot",
        "Lot/Serial Number",
        check_company=True,
        domain="[('product_id', '=', product_id)]",
        help="Lot or serial number announced by the customer or found on the original delivery.",
    )
    reason_id = fields.Many2one("return.reason", index=True)
    requested_outcome = fields.Selection(REQUESTED_OUTCOMES, default="refund", required=True)
    sale_line_id = fields.Many2one("sale.order.line", "Sale Order Line", index="btree_not_null", check_company=True)
    origin_move_id = fields.Many2one(
        "stock.move", "Delivered Move", index="btree_not_null", check_company=True,
        help="The delivery move the goods left with.", groups="base.group_user")
    invoice_line_id = fields.Many2one("account.move.line", index="btree_not_null", check_company=True)
    policy_id = fields.Many2one("return.policy", compute="_compute_policy_id", store=True, groups="base.group_user")
    delivery_date = fields.Date(
        compute="_compute_delivery_date", store=True, help="When the goods were delivered; starts the return window."
    )
    currency_id = fields.Many2one(related="order_id.currency_id")
    price_unit = fields.Monetary(
        "Unit Value", compute="_compute_price_unit", store=True, readonly=False, precompute=True,
        help="Value of one returned unit, as sold.",
    )
    price_subtotal = fields.Monetary("Value", compute="_compute_price_subtotal", store=True)
    restocking_fee_amount = fields.Monetary(compute="_compute_price_subtotal", store=True)
    move_ids = fields.One2many("stock.move", "return_line_id", "Receipt Moves", readonly=True, groups="base.group_user")
    qty_received = fields.Float(
        "Received", digits="Product Unit of Measure", compute="_compute_qty_received", store=True
    )
    inspection_ids = fields.One2many(
        "return.inspection", "line_id", "Inspections", readonly=True, groups="base.group_user"
    )
    disposition_ids = fields.One2many(
        "return.disposition", "line_id", "Dispositions", readonly=True, groups="base.group_user"
    )
    inspection_state = fields.Selection(
        [
            ("pending", "Not Received"),
            ("to_inspect", "To Inspect"),
            ("inspected", "Inspected"),
            ("disposed", "Disposed Of"),
        ],
        "Unit Progress",
        compute="_compute_inspection_state",
        store=True,
        index=True, groups="base.group_user")

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("product_id", "order_id.company_id")
    def _compute_policy_id(self):
        by_company = defaultdict(lambda: self.browse())
        for line in self:
            by_company[line.order_id.company_id or self.env.company] |= line
        for company, lines in by_company.items():
            policies = self.env["return.policy"]._get_policies_by_product(lines.product_id, company)
            for line in lines:
                line.policy_id = policies.get(line.product_id, False)

    @api.depends("origin_move_id.date", "sale_line_id.move_ids.date", "invoice_line_id.move_id.invoice_date")
    def _compute_delivery_date(self):
        for line in self:
            if line.origin_move_id:
                date = line.origin_move_id.state == "done" and line.origin_move_id.date
            elif line.sale_line_id:
                done = line.sale_line_id.move_ids.filtered(
                    lambda m: m.state == "done" and m.location_dest_id.usage == "customer"
                )
                date = max(done.mapped("date")) if done else False
            elif line.invoice_line_id:
                date = line.invoice_line_id.move_id.invoice_date
            else:
                date = False
            line.delivery_date = fields.Date.to_date(date) if date else False

    @api.depends("product_id", "sale_line_id", "invoice_line_id")
    def _compute_price_unit(self):
        for line in self:
            price = line._source_price_unit(line.product_id, line.sale_line_id, line.invoice_line_id)
            line.price_unit = line.product_id.lst_price if price is None else price

    @api.depends("price_unit", "product_uom_qty", "reason_id.customer_fault", "reason_id.restocking_fee_override",
                 "reason_id.restocking_fee_percent", "reason_id.restocking_fee_fixed",
                 "policy_id.restocking_fee_percent", "policy_id.restocking_fee_fixed")
    def _compute_price_subtotal(self):
        """The restocking fee: the reason's own when it has one, else the policy's for customer-fault reasons; a
        percentage of the value plus a fixed amount per unit, never more than the value."""
        for line in self:
            line.price_subtotal = line.price_unit * line.product_uom_qty
            reason = line.reason_id
            source = reason if reason.restocking_fee_override else line.policy_id if reason.customer_fault else None
            fee = (line.price_subtotal * source.restocking_fee_percent / 100.0
                   + source.restocking_fee_fixed * line.product_uom_qty) if source else 0.0
            line.restocking_fee_amount = min(fee, line.price_subtotal)

    @api.depends("move_ids.state", "move_ids.quantity")
    def _compute_qty_received(self):
        for line in self:
            line.qty_received = sum(
                move.product_uom._compute_quantity(move.quantity, line.product_id.uom_id)
                for move in line.move_ids
                if move.state == "done"
            )

    @api.depends("inspection_ids.state", "disposition_ids.state")
    def _compute_inspection_state(self):
        for line in self:
            inspections = line.inspection_ids
            if not inspections:
                line.inspection_state = "pending"
            elif any(i.state == "to_inspect" for i in inspections):
                line.inspection_state = "to_inspect"
            elif line.disposition_ids and all(d.state in ("done", "cancelled") for d in line.disposition_ids):
                line.inspection_state = "disposed"
            else:
                line.inspection_state = "inspected"

    # ------------------------------------------------------------------
    # ORM: every line is checked before it is written (see return_order_line_returnable.py)
    # ------------------------------------------------------------------
    _CHECKED_FIELDS = ("product_id", "product_uom_qty", "lot_id", "price_unit", *SOURCE_FIELDS)

    @api.model_create_multi
    def create(self, vals_list):
        self = self._prepare_guarded_create(vals_list)
        if any(not vals.get("order_id") for vals in vals_list):
            raise ValidationError(self.env._("A return line is created on its return."))
        orders = self.env["return.order"].browse([vals["order_id"] for vals in vals_list])
        if not self._in_flow():
            orders._check_lines_editable()
        records = self._fetch_line_records(vals_list)
        vals_list = [self._complete_source_links(vals, order, records)
                     for vals, order in zip(vals_list, orders, strict=True)]
        self._validate_request_values(list(zip(orders, vals_list, strict=True)))
        return super().create(vals_list)

    def write(self, vals):
        self._check_input_values(vals)
        if not self._in_flow():
            # Who may not write return lines at all is told so, not that this return is frozen.
            self.check_access("write")
            if "order_id" in vals and any(line.order_id.id != vals["order_id"] for line in self):
                raise UserError(self.env._("A return line stays on its return: add the product to the other "
                                           "return instead."))
            self.order_id._check_lines_editable()
        if any(field in vals for field in self._CHECKED_FIELDS):
            pairs = []
            for line in self:
                merged = {field: line[field].id if line._fields[field].type == "many2one" else line[field]
                          for field in self._CHECKED_FIELDS if field != "price_unit"}
                merged.update(vals)
                if "product_id" in vals and not any(field in vals for field in SOURCE_FIELDS):
                    merged.update(dict.fromkeys(SOURCE_FIELDS, False))
                pairs.append((line.order_id, self._complete_source_links(merged, line.order_id)))
            self._validate_request_values(pairs, exclude_lines=self)
            if len(self) == 1:
                vals = {**vals, **{field: pairs[0][1][field] for field in SOURCE_FIELDS}}
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_editable(self):
        frozen = self.order_id.filtered(lambda order: order.state not in (*EDITABLE_STATES, *DELETABLE_STATES))
        if frozen and not self._in_flow():
            frozen._check_lines_editable()

    # ------------------------------------------------------------------
    # Receipt
    # ------------------------------------------------------------------
    def _prepare_receipt_move_values(self):
        """Values of the incoming moves, one per line; override to add fields."""
        values = []
        for line in self:
            order = line.order_id
            values.append(
                {
                    "name": order.name + ": " + line.product_id.display_name,
                    "product_id": line.product_id.id,
                    "product_uom_qty": line.product_uom_qty,
                    "product_uom": line.product_id.uom_id.id,
                    "location_id": order.partner_id.property_stock_customer.id,
                    "location_dest_id": order.warehouse_id.return_location_id.id,
                    "partner_id": order.partner_id.id,
                    "company_id": order.company_id.id,
                    "return_line_id": line.id,
                    "sale_line_id": line.sale_line_id.id,
                    "origin_returned_move_id": line.origin_move_id.id,
                    # A refund makes the sale order's delivered quantity go down, so the
                    # credit note can be invoiced from the sale order as usual.
                    "to_refund": line.requested_outcome == "refund" and bool(line.sale_line_id),
                    "price_unit": line.origin_move_id.price_unit or line.product_id.standard_price,
                }
            )
        return values

    @api.depends("order_id.name", "product_id.display_name", "lot_id.name")
    def _compute_display_name(self):
        # Named as a person names it in a message ("RMA/2026/00012: Office chair (SN-4)"), not by its id.
        for line in self:
            product = line.product_id.display_name or ""
            if line.lot_id:
                product = f"{product} ({line.lot_id.name})"
            line.display_name = ": ".join(part for part in (line.order_id.name, product) if part)
