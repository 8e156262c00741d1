from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from ..models.return_order_line import REQUESTED_OUTCOMES


class ReturnOrderWizard(models.TransientModel):
    _name = "return.order.wizard"
    _description = "Create a Return Authorisation from a Document"

    sale_order_id = fields.Many2one("sale.order", readonly=True)
    picking_id = fields.Many2one("stock.picking", readonly=True)
    invoice_id = fields.Many2one("account.move", readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", required=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    warehouse_id = fields.Many2one(
        "stock.warehouse", "Receiving Warehouse", required=True, domain="[('company_id', '=', company_id)]"
    )
    reason_id = fields.Many2one("return.reason", help="Applied to every line that has none.")
    requested_outcome = fields.Selection(REQUESTED_OUTCOMES, default="refund", required=True)
    line_ids = fields.One2many("return.order.wizard.line", "wizard_id", "Products")

    @api.model
    def _action_open_for_source(self, sale_order=None, picking=None, invoice=None):
        """Prepare the wizard for one document and open it."""
        document = sale_order or picking or invoice
        candidates = self.env["return.order.line"]._get_returnable_candidates(
            sale_orders=sale_order, pickings=picking, invoices=invoice
        )
        if not any(c["returnable_qty"] > 0 for c in candidates):
            raise UserError(
                self.env._(
                    "Nothing delivered on %s is left to return: it was not delivered yet or is already being returned.",
                    document.display_name,
                )
            )
        warehouse = (
            (picking and picking.picking_type_id.warehouse_id)
            or (sale_order and sale_order.warehouse_id)
            or self.env["stock.warehouse"].search([("company_id", "=", document.company_id.id)], limit=1)
        )
        wizard = self.create(
            {
                "sale_order_id": sale_order.id if sale_order else False,
                "picking_id": picking.id if picking else False,
                "invoice_id": invoice.id if invoice else False,
                "partner_id": document.partner_id.id,
                "company_id": document.company_id.id,
                "warehouse_id": warehouse.id,
                "line_ids": [
                    fields.Command.create(self.env["return.order.wizard.line"]._prepare_from_candidate(c))
                    for c in candidates
                    if c["returnable_qty"] > 0
                ],
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Return %s", document.display_name),
            "res_model": self._name,
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    def _prepare_return_order_values(self):
        self.ensure_one()
        return {
            "partner_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "warehouse_id": self.warehouse_id.id,
            "sale_order_id": self.sale_order_id.id or self.picking_id.sale_id.id,
            "picking_id": self.picking_id.id,
            "invoice_id": self.invoice_id.id,
            "line_ids": [
                fields.Command.create(line._prepare_return_line_values())
                for line in self.line_ids
                if line.quantity > 0
            ],
        }

    def action_create_return(self):
        self.ensure_one()
        lines = self.line_ids.filtered(lambda line: line.quantity > 0)
        if not lines:
            raise UserError(self.env._("Enter the quantity to return on at least one product."))
        for line in lines:
            rounding = line.product_id.uom_id.rounding
            if float_compare(line.quantity, line.returnable_qty, precision_rounding=rounding) > 0:
                raise UserError(
                    self.env._(
                        "At most %(left)s of %(product)s can be returned (%(qty)s entered).",
                        left=line.returnable_qty,
                        product=line.product_id.display_name,
                        qty=line.quantity,
                    )
                )
        order = self.env["return.order"].create(self._prepare_return_order_values())
        return {
            "type": "ir.actions.act_window",
            "res_model": "return.order",
            "res_id": order.id,
            "view_mode": "form",
            "target": "current",
        }


class ReturnOrderWizardLine(models.TransientModel):
    _name = "return.order.wizard.line"
    _description = "Product to Return"

    wizard_id = fields.Many2one("return.order.wizard", required=True, ondelete="cascade")
    product_id = fields.Many2one("product.product", required=True, readonly=True)
    lot_id = fields.Many2one("stock.lot", "Lot/Serial Number", readonly=True)
    sale_line_id = fields.Many2one("sale.order.line", readonly=True)
    origin_move_id = fields.Many2one("stock.move", readonly=True)
    invoice_line_id = fields.Many2one("account.move.line", readonly=True)
    delivered_qty = fields.Float("Delivered", digits="Product Unit of Measure", readonly=True)
    returnable_qty = fields.Float("Returnable", digits="Product Unit of Measure", readonly=True)
    quantity = fields.Float("To Return", digits="Product Unit of Measure")
    uom_id = fields.Many2one(related="product_id.uom_id")
    reason_id = fields.Many2one("return.reason")
    requested_outcome = fields.Selection(REQUESTED_OUTCOMES)

    @api.model
    def _prepare_from_candidate(self, candidate):
        return {
            "product_id": candidate["product_id"].id,
            "lot_id": candidate["lot_id"].id,
            "sale_line_id": candidate.get("sale_line_id") and candidate["sale_line_id"].id,
            "origin_move_id": candidate.get("origin_move_id") and candidate["origin_move_id"].id,
            "invoice_line_id": candidate.get("invoice_line_id") and candidate["invoice_line_id"].id,
            "delivered_qty": candidate["delivered_qty"],
            "returnable_qty": candidate["returnable_qty"],
            "quantity": 0.0,
        }

    def _prepare_return_line_values(self):
        self.ensure_one()
        return {
            "product_id": self.product_id.id,
            "product_uom_qty": self.quantity,
            "lot_id": self.lot_id.id,
            "sale_line_id": self.sale_line_id.id,
            "origin_move_id": self.origin_move_id.id,
            "invoice_line_id": self.invoice_line_id.id,
            "reason_id": (self.reason_id or self.wizard_id.reason_id).id,
            "requested_outcome": self.requested_outcome or self.wizard_id.requested_outcome,
        }
