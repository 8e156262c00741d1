from odoo import api, fields, models


class CustomsDeclarationPart(models.AbstractModel):
    """What a declaration's message is built from besides its own fields: items, packages, documents...

    A change to any of them after the check sends the declaration back to draft (it must be checked
    again), and none may change once customs have the declaration.
    """

    _name = "customs.declaration.part"
    _description = "Part of a Customs Declaration"

    declaration_id = fields.Many2one("customs.declaration", required=True, ondelete="cascade", index=True)
    # Stored and indexed: the multi-company record rule filters on it.
    company_id = fields.Many2one(related="declaration_id.company_id", store=True, index=True)

    @api.model_create_multi
    def create(self, vals_list):
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
