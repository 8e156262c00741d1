from odoo import fields, models

# What a customs declaration says of a party: a change sends checked declarations back to their check.
CUSTOMS_PARTY_FIELDS = frozenset({
    "name", "street", "street2", "city", "zip", "country_id", "state_id", "vat", "customs_eori", "parent_id",
})


class ResPartner(models.Model):
    _inherit = "res.partner"

    customs_eori = fields.Char("EORI Number", help="Needed on customs declarations where this partner is a party.")

    def write(self, vals):
        result = super().write(vals)
        if CUSTOMS_PARTY_FIELDS & set(vals):
            self.env["customs.declaration"]._parties_changed(partners=self)
        return result
