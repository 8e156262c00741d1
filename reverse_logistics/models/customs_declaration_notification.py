from odoo import api, fields, models


class CustomsDeclarationNotification(models.Model):
    _name = "customs.declaration.notification"
    _description = "Customs Declaration Notification"
    _order = "declaration_id, sequence"

    declaration_id = fields.Many2one("customs.declaration", required=True, ondelete="cascade", index=True)
    # Stored and indexed: the multi-company record rule filters on it.
    company_id = fields.Many2one(related="declaration_id.company_id", store=True, index=True)
    sequence = fields.Integer(required=True)
    function_code = fields.Char(required=True)
    kind = fields.Char(required=True)
    issued_at = fields.Datetime()
    mrn = fields.Char("MRN")
    errors = fields.Text()
    tax_ids = fields.One2many("customs.declaration.tax", "notification_id", "Taxes Assessed")

    @api.depends("declaration_id.lrn", "sequence", "kind")
    def _compute_display_name(self):
        for notification in self:
            notification.display_name = self.env._(
                "%(lrn)s, notification %(sequence)s (%(kind)s)", lrn=notification.declaration_id.lrn or "",
                sequence=notification.sequence, kind=notification.kind or "")


class CustomsDeclarationTax(models.Model):
    """A duty or tax customs assessed (tax-calculation notification), kept for the accounts."""

    _name = "customs.declaration.tax"
    _description = "Customs Duty or Tax Assessed"
    _order = "declaration_id, notification_id, id"

    declaration_id = fields.Many2one("customs.declaration", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="declaration_id.company_id", store=True, index=True)
    notification_id = fields.Many2one("customs.declaration.notification", ondelete="cascade", index=True)
    tax_type = fields.Char(required=True, help="DE 4/3 tax type: A00 customs duty, B00 import VAT...")
    tax_kind = fields.Selection(
        [("duty", "Customs duty"), ("vat", "Import VAT"), ("excise", "Excise"), ("other", "Other")],
        compute="_compute_tax_kind", store=True,
    )
    item_number = fields.Integer("Goods Item")
    base_amount = fields.Monetary("Tax Base")
    amount = fields.Monetary(required=True)
    currency_id = fields.Many2one("res.currency", required=True)

    @api.depends("tax_type")
    def _compute_tax_kind(self):
        for tax in self:
            code = (tax.tax_type or "").upper()
            tax.tax_kind = ("duty" if code.startswith("A") else "vat" if code.startswith("B")
                            else "excise" if code[:1] in ("E", "Q", "1", "2", "3", "4") else "other")

    @api.depends("declaration_id.lrn", "tax_type", "item_number")
    def _compute_display_name(self):
        for tax in self:
            tax.display_name = self.env._(
                "%(lrn)s, item %(item)s: %(tax_type)s", lrn=tax.declaration_id.lrn or "", item=tax.item_number or "-",
                tax_type=tax.tax_type or "")
