from odoo import api, fields, models


class CustomsDeclarationPart(models.AbstractModel):
    """What a declaration's message is built from besides its own fields: items, packages, documents...

    A change to any of them after the check sends the declaration back to draft (it must be checked
    again), and none may change once customs have the declaration.
    """

    _name = "customs.declaration.part"
    _description = "Part of a Customs Declaration"
    # The guard: bad numbers and text are refused with a clear message before anything is written, and
    # computed fields (estimates, the relief note, the company) are never written by hand.
    _inherit = ["return.input.guard"]

    declaration_id = fields.Many2one("customs.declaration", required=True, ondelete="cascade", index=True)
    # Stored and indexed: the multi-company record rule filters on it.
    company_id = fields.Many2one(related="declaration_id.company_id", store=True, index=True)

    @api.model_create_multi
    def create(self, vals_list):
        self._check_guarded_values(vals_list)
        records = super().create(vals_list)
        records.declaration_id._message_data_changed()
        return records

    def write(self, vals):
        self.declaration_id._message_data_changed()
        result = super().write(vals)
        self.declaration_id._message_data_changed()
        return result

    def unlink(self):
        declarations = self.declaration_id
        declarations._message_data_changed()
        return super().unlink()


class CustomsDeclarationHeaderOrItemPart(models.AbstractModel):
    """A part of the whole declaration or of one of its goods items (documents, statements)."""

    _name = "customs.declaration.header.or.item.part"
    _inherit = ["customs.declaration.part"]
    _description = "Part of a Customs Declaration or of One of its Goods Items"
    _order = "declaration_id, line_id, id"
    _check_company_auto = True

    # An item's part belongs to the item's declaration, also when the item is copied.
    declaration_id = fields.Many2one(compute="_compute_declaration_id", store=True, readonly=False, precompute=True)
    line_id = fields.Many2one(
        "customs.declaration.line", "Goods Item", ondelete="cascade", index="btree_not_null",
        domain="[('declaration_id', '=', declaration_id)]",
        help="Empty: it concerns the whole declaration.",
    )

    @api.depends("line_id")
    def _compute_declaration_id(self):
        for record in self.filtered("line_id"):
            record.declaration_id = record.line_id.declaration_id
