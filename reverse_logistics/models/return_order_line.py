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
    reason_id = fields.Many2one("return.reason", index=True)
    requested_outcome = fields.Selection(REQUESTED_OUTCOMES, default="refund", required=True)
    sale_line_id = fields.Many2one("sale.order.line", "Sale Order Line", index="btree_not_null", check_company=True)
    origin_move_id = fields.Many2one(
        "stock.move", "Delivered Move", index="btree_not_null", check_company=True,
        help="The delivery move the goods left with.",
    )
    invoice_line_id = fields.Many2one(
        "account.move.line", index="btree_not_null", check_company=True
    )
    policy_id = fields.Many2one("return.policy", compute="_compute_policy_id", store=True)
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
    inspection_ids = fields.One2many("return.inspection", "line_id", "Inspections", readonly=True)
    disposition_ids = fields.One2many("return.disposition", "line_id", "Dispositions", readonly=True)
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
        index=True,
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
    # Source linking and validation
    #
    # Requests are validated on their values, before anything is written: a refused
    # request leaves no return behind, even where the caller catches the error
    # (the portal re-renders its form) and the transaction goes on.
    # ------------------------------------------------------------------
    _SOURCE_FIELDS = ("sale_line_id", "origin_move_id", "invoice_line_id")
    _CHECKED_FIELDS = ("product_id", "product_uom_qty", "lot_id", *_SOURCE_FIELDS)

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.context.get("_return_lines_validated"):
            orders = self.env["return.order"].browse([vals.get("order_id") for vals in vals_list])
            vals_list = [self._prepare_source_link(vals, order) for vals, order in zip(vals_list, orders, strict=True)]
            self._validate_request_values(list(zip(orders, vals_list, strict=True)))
        return super().create(vals_list)

    def write(self, vals):
        if any(field in vals for field in self._CHECKED_FIELDS):
            pairs = []
            for line in self:
                merged = {field: line[field].id if line._fields[field].type == "many2one" else line[field]
                          for field in self._CHECKED_FIELDS}
                merged.update(vals)
                if "product_id" in vals and not any(field in vals for field in self._SOURCE_FIELDS):
                    merged.update(dict.fromkeys(self._SOURCE_FIELDS, False))
                    merged = self._prepare_source_link(merged, line.order_id)
                pairs.append((line.order_id, merged))
            self._validate_request_values(pairs, exclude_lines=self)
            if len(self) == 1:
                vals = {**vals, **{field: pairs[0][1][field] for field in self._SOURCE_FIELDS}}
        return super().write(vals)

    @api.model
    def _prepare_source_link(self, vals, order):
        """Link a requested line to the line of its return's source document carrying the same product."""
        if not vals.get("product_id") or any(vals.get(field) for field in self._SOURCE_FIELDS):
            return vals
        product_id = vals["product_id"]
        vals = dict(vals)
        if order.picking_id:
            move = order.picking_id.move_ids.filtered(lambda m: m.product_id.id == product_id and m.state == "done")[:1]
            vals.update(origin_move_id=move.id, sale_line_id=move.sale_line_id.id)
        elif order.sale_order_id:
            sale_line = order.sale_order_id.order_line.filtered(lambda sl: sl.product_id.id == product_id)[:1]
            vals["sale_line_id"] = sale_line.id
        elif order.invoice_id:
            inv_line = order.invoice_id.invoice_line_ids.filtered(lambda il: il.product_id.id == product_id)[:1]
            vals.update(invoice_line_id=inv_line.id, sale_line_id=inv_line.sale_line_ids[:1].id)
        return vals

    @api.model
    def _validate_request_values(self, pairs, exclude_lines=None):
        """Check requested lines, given as (return, values) pairs, before they are written.

        Every check of a line's own values comes first, then the quantities: what is
        requested here plus what other open returns hold must not exceed what was
        delivered (or invoiced).
        """
        Product = self.env["product.product"]
        for order, vals in pairs:
            product = Product.browse(vals.get("product_id"))
            if not product:
                raise ValidationError(self.env._("Choose the product to return."))
            qty = vals.get("product_uom_qty", 1.0)
            if float_compare(qty, 0.0, precision_rounding=product.uom_id.rounding) <= 0:
                raise ValidationError(
                    self.env._(
                        "The quantity of %(product)s to return must be positive (%(qty)s given).",
                        product=product.display_name,
                        qty=qty,
                    )
                )
            lot = self.env["stock.lot"].browse(vals.get("lot_id"))
            if lot and lot.product_id != product:
                raise ValidationError(
                    self.env._("Lot %(lot)s is not a lot of %(product)s.", lot=lot.name, product=product.display_name)
                )
            if product.tracking == "serial" and lot and qty != 1:
                raise ValidationError(
                    self.env._(
                        "Serial number %(lot)s identifies one unit of %(product)s: return it on a line of quantity 1.",
                        lot=lot.name,
                        product=product.display_name,
                    )
                )
            self._check_line_source(order, product, vals)
        self._check_requested_quantities(pairs, exclude_lines or self.browse())

    @api.model
    def _check_line_source(self, order, product, vals):
        # sudo: a returns clerk must be able to check a return against a sale order or
        # invoice that sales rules hide from them ("own documents only"); only ownership
        # and product are read, and nothing is written.
        sale_line = self.env["sale.order.line"].sudo().browse(vals.get("sale_line_id"))
        move = self.env["stock.move"].sudo().browse(vals.get("origin_move_id"))
        inv_line = self.env["account.move.line"].sudo().browse(vals.get("invoice_line_id"))
        documents = (
            (order.picking_id, move.picking_id, self.env._("was not delivered with %s")),
            (order.sale_order_id, sale_line.order_id, self.env._("is not on sale order %s")),
            (order.invoice_id, inv_line.move_id, self.env._("is not on invoice %s")),
        )
        for document, line_document, message in documents:
            if document and line_document != document:
                raise ValidationError(product.display_name + " " + message % document.name)
        for source in (sale_line, move, inv_line):
            if source and source.product_id != product:
                raise ValidationError(
                    self.env._(
                        "The line returns %(product)s but its source line is for %(other)s.",
                        product=product.display_name,
                        other=source.product_id.display_name,
                    )
                )
            if source and order.company_id and source.company_id != order.company_id:
                raise ValidationError(
                    self.env._(
                        "%(doc)s belongs to company %(company)s: it cannot be returned to %(other)s.",
                        doc=source.display_name,
                        company=source.company_id.name,
                        other=order.company_id.name,
                    )
                )

    def _returned_quantities(self, source_field, source_ids, exclude_lines=None):
        """Quantities on open returns per source line, in the product's unit."""
        domain = [(source_field, "in", list(source_ids)), ("order_id.state", "in", OPEN_STATES)]
        if exclude_lines:
            domain.append(("id", "not in", exclude_lines.ids))
        groups = self._read_group(domain, [source_field], ["product_uom_qty:sum"])
        return {source.id: qty for source, qty in groups}

    @api.model
    def _check_requested_quantities(self, pairs, exclude_lines):
        getters = {
            "sale_line_id": ("sale.order.line", self._delivered_qty_by_sale_line),
            "origin_move_id": ("stock.move", self._delivered_qty_by_move),
            "invoice_line_id": ("account.move.line", self._invoiced_qty_by_invoice_line),
        }
        for source_field, (model, available_getter) in getters.items():
            requested = defaultdict(float)
            for _order, vals in pairs:
                if vals.get(source_field):
                    requested[vals[source_field]] += vals.get("product_uom_qty", 1.0)
            if not requested:
                continue
            # sudo: delivered quantities are checked whoever asks (see _check_line_source).
            sources = self.env[model].sudo().browse(list(requested))
            available = available_getter(sources)
            returned = self.sudo()._returned_quantities(source_field, sources.ids, exclude_lines)
            for source in sources:
                product = source.product_id
                delivered = available.get(source.id, 0.0)
                already = returned.get(source.id, 0.0)
                wanted = requested[source.id]
                if float_compare(already + wanted, delivered, precision_rounding=product.uom_id.rounding) > 0:
                    raise ValidationError(
                        self.env._(
                            "Cannot return %(qty)s %(uom)s of %(product)s: %(available)s were delivered on "
                            "%(doc)s and %(already)s are already being returned, so at most %(left)s can be returned.",
                            qty=wanted,
                            uom=product.uom_id.name,
                            product=product.display_name,
                            available=delivered,
                            doc=source.display_name,
                            already=already,
                            left=max(delivered - already, 0.0),
                        )
                    )

    def _check_returnable_quantity(self):
        """Re-check lines that exist already, e.g. when a cancelled return is submitted again."""
        lines = self.filtered(lambda line: line.order_id.state in OPEN_STATES)
        pairs = [
            (line.order_id, {field: line[field].id for field in ("product_id", *self._SOURCE_FIELDS)}
             | {"product_uom_qty": line.product_uom_qty})
            for line in lines
        ]
        self._check_requested_quantities(pairs, lines)

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
            qty = 0.0
            if move.state == "done":
                qty = move.product_uom._compute_quantity(move.quantity, move.product_id.uom_id)
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
