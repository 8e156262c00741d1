from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare

from .return_order import OPEN_STATES

REQUESTED_OUTCOMES = [
    ("refund", "Refund"),
    ("replacement", "Replacement"),
    ("repair", "Repair"),
    ("exchange", "Exchange"),
]


class ReturnOrderLine(models.Model):
    _name = "return.order.line"
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
    product_categ_id = fields.Many2one(related="product_id.categ_id", store=True, string="Product Category")
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
    reason_id = fields.Many2one("return.reason", "Reason", index=True)
    requested_outcome = fields.Selection(REQUESTED_OUTCOMES, default="refund", required=True)
    sale_line_id = fields.Many2one("sale.order.line", "Sale Order Line", index="btree_not_null", check_company=True)
    origin_move_id = fields.Many2one(
        "stock.move", "Delivered Move", index="btree_not_null", check_company=True,
        help="The delivery move the goods left with.",
    )
    invoice_line_id = fields.Many2one(
        "account.move.line", "Invoice Line", index="btree_not_null", check_company=True
    )
    policy_id = fields.Many2one("return.policy", "Policy", compute="_compute_policy_id", store=True)
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
    move_ids = fields.One2many("stock.move", "return_line_id", "Receipt Moves", readonly=True)
    qty_received = fields.Float(
        "Received", digits="Product Unit of Measure", compute="_compute_qty_received", store=True
    )

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
            if line.sale_line_id:
                sale_line = line.sale_line_id
                qty = sale_line.product_uom_qty or 1.0
                price = sale_line.price_subtotal / qty
                line.price_unit = sale_line.product_uom._compute_price(price, line.product_id.uom_id)
            elif line.invoice_line_id:
                inv_line = line.invoice_line_id
                line.price_unit = inv_line.price_subtotal / (inv_line.quantity or 1.0)
            else:
                line.price_unit = line.product_id.lst_price

    @api.depends("price_unit", "product_uom_qty", "reason_id.customer_fault", "policy_id.restocking_fee_percent")
    def _compute_price_subtotal(self):
        for line in self:
            line.price_subtotal = line.price_unit * line.product_uom_qty
            fee_percent = line.policy_id.restocking_fee_percent if line.reason_id.customer_fault else 0.0
            line.restocking_fee_amount = line.price_subtotal * fee_percent / 100.0

    @api.depends("move_ids.state", "move_ids.quantity")
    def _compute_qty_received(self):
        for line in self:
            line.qty_received = sum(
                move.product_uom._compute_quantity(move.quantity, line.product_id.uom_id)
                for move in line.move_ids
                if move.state == "done"
            )

    # ------------------------------------------------------------------
    # Source linking and validation
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._link_source_lines()
        return lines

    def write(self, vals):
        res = super().write(vals)
        if "product_id" in vals:
            self._link_source_lines()
        return res

    def _link_source_lines(self):
        """Link each line to the line of its return's source document that carries the same product.

        A product missing from the source document is refused: it was not sold there.
        """
        for line in self:
            order = line.order_id
            if line.origin_move_id or line.sale_line_id or line.invoice_line_id:
                continue
            if order.picking_id:
                move = order.picking_id.move_ids.filtered(
                    lambda m, p=line.product_id: m.product_id == p and m.state == "done"
                )[:1]
                line.write({"origin_move_id": move.id, "sale_line_id": move.sale_line_id.id})
            elif order.sale_order_id:
                sale_line = order.sale_order_id.order_line.filtered(lambda sl, p=line.product_id: sl.product_id == p)[
                    :1
                ]
                line.sale_line_id = sale_line
            elif order.invoice_id:
                inv_line = order.invoice_id.invoice_line_ids.filtered(
                    lambda il, p=line.product_id: il.product_id == p
                )[:1]
                line.write({"invoice_line_id": inv_line.id, "sale_line_id": inv_line.sale_line_ids[:1].id})

    @api.constrains("product_id", "sale_line_id", "origin_move_id", "invoice_line_id", "order_id")
    def _check_source_document(self):
        for line in self:
            order = line.order_id
            if order.picking_id and line.origin_move_id.picking_id != order.picking_id:
                raise ValidationError(
                    self.env._(
                        "%(product)s was not delivered with %(doc)s.",
                        product=line.product_id.display_name,
                        doc=order.picking_id.name,
                    )
                )
            if order.sale_order_id and line.sale_line_id.order_id != order.sale_order_id:
                raise ValidationError(
                    self.env._(
                        "%(product)s is not on sale order %(doc)s.",
                        product=line.product_id.display_name,
                        doc=order.sale_order_id.name,
                    )
                )
            if order.invoice_id and line.invoice_line_id.move_id != order.invoice_id:
                raise ValidationError(
                    self.env._(
                        "%(product)s is not on invoice %(doc)s.",
                        product=line.product_id.display_name,
                        doc=order.invoice_id.name,
                    )
                )
            for source in (line.sale_line_id, line.origin_move_id, line.invoice_line_id):
                if source and source.product_id != line.product_id:
                    raise ValidationError(
                        self.env._(
                            "The line returns %(product)s but its source line is for %(other)s.",
                            product=line.product_id.display_name,
                            other=source.product_id.display_name,
                        )
                    )

    @api.constrains("product_uom_qty", "lot_id", "product_id")
    def _check_quantity(self):
        for line in self:
            if float_compare(line.product_uom_qty, 0.0, precision_rounding=line.product_id.uom_id.rounding) <= 0:
                raise ValidationError(
                    self.env._(
                        "The quantity of %(product)s to return must be positive (%(qty)s given).",
                        product=line.product_id.display_name,
                        qty=line.product_uom_qty,
                    )
                )
            if line.product_id.tracking == "serial" and line.lot_id and line.product_uom_qty != 1:
                raise ValidationError(
                    self.env._(
                        "Serial number %(lot)s identifies one unit of %(product)s: return it on a line of quantity 1.",
                        lot=line.lot_id.name,
                        product=line.product_id.display_name,
                    )
                )
        self._check_returnable_quantity()

    # Quantities returned so far, per source line, are counted across every open return.
    def _returned_quantities(self, source_field, source_ids):
        groups = self._read_group(
            [(source_field, "in", list(source_ids)), ("order_id.state", "in", OPEN_STATES)],
            [source_field],
            ["product_uom_qty:sum"],
        )
        return {source.id: qty for source, qty in groups}

    def _check_returnable_quantity(self):
        """Refuse returning more than was delivered (or invoiced), counting every other open return."""
        lines = self.filtered(lambda line: line.order_id.state in OPEN_STATES)
        if not lines:
            return
        self.env["return.order.line"].flush_model(["product_uom_qty", "order_id", "sale_line_id", "origin_move_id",
                                                   "invoice_line_id"])
        self.env["return.order"].flush_model(["state"])
        checks = (
            ("sale_line_id", lines.sale_line_id, self._delivered_qty_by_sale_line),
            ("origin_move_id", lines.origin_move_id, self._delivered_qty_by_move),
            ("invoice_line_id", lines.invoice_line_id, self._invoiced_qty_by_invoice_line),
        )
        for source_field, sources, available_getter in checks:
            if not sources:
                continue
            available = available_getter(sources)
            returned = self._returned_quantities(source_field, sources.ids)
            lines_by_source = defaultdict(lambda: self.env["return.order.line"])
            for line in lines:
                if line[source_field]:
                    lines_by_source[line[source_field].id] |= line
            for source in sources:
                source_lines = lines_by_source[source.id]
                product = source_lines[:1].product_id
                delivered = available.get(source.id, 0.0)
                total = returned.get(source.id, 0.0)
                if float_compare(total, delivered, precision_rounding=product.uom_id.rounding) > 0:
                    requested = sum(source_lines.mapped("product_uom_qty"))
                    already = total - requested
                    raise ValidationError(
                        self.env._(
                            "Cannot return %(qty)s %(uom)s of %(product)s: %(available)s were delivered on "
                            "%(doc)s and %(already)s are already being returned, so at most %(left)s can be returned.",
                            qty=requested,
                            uom=product.uom_id.name,
                            product=product.display_name,
                            available=delivered,
                            doc=source.display_name,
                            already=already,
                            left=max(delivered - already, 0.0),
                        )
                    )

    def _delivered_qty_by_sale_line(self, sale_lines):
        """Net delivered quantity per sale line, in the product's unit.

        Returns made outside return authorisations (Odoo's own picking returns) are
        deducted; ours are not, since they are counted as open returns.
        """
        moves = self.env["stock.move"].search(
            [("sale_line_id", "in", sale_lines.ids), ("state", "=", "done")]
        )
        result = defaultdict(float)
        for move in moves:
            qty = move.product_uom._compute_quantity(move.quantity, move.product_id.uom_id)
            if move.location_dest_id.usage == "customer":
                result[move.sale_line_id.id] += qty
            elif move.location_id.usage == "customer" and not move.return_line_id:
                result[move.sale_line_id.id] -= qty
        return result

    def _delivered_qty_by_move(self, moves):
        result = {}
        for move in moves:
            qty = move.product_uom._compute_quantity(move.quantity, move.product_id.uom_id) if move.state == "done" else 0
            returned = move.returned_move_ids.filtered(lambda m: m.state == "done" and not m.return_line_id)
            qty -= sum(m.product_uom._compute_quantity(m.quantity, m.product_id.uom_id) for m in returned)
            result[move.id] = qty
        return result

    def _invoiced_qty_by_invoice_line(self, invoice_lines):
        return {
            line.id: line.product_uom_id._compute_quantity(line.quantity, line.product_id.uom_id)
            for line in invoice_lines
        }

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
