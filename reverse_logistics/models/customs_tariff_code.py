from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..returns_lib.customs.declaration import HS_CODE_FORMAT


class CustomsTariffCode(models.Model):
    """A commodity code of a customs tariff, with the rates used to estimate duty and import VAT.

    Users maintain the codes they trade in (or import a tariff extract); once any code of a
    territory is loaded, declarations into that territory must use codes that exist in it.

    Shared by all companies, without a company field: a tariff is public law, its codes and
    rates are the same for every importer into the territory, and each company's declarations
    are checked against the one tariff loaded for it.
    """

    _name = "customs.tariff.code"
    _description = "Customs Tariff Code"
    _order = "territory_code, code"
    _rec_names_search = ["code", "name"]

    code = fields.Char(required=True, index=True, help="8-digit combined nomenclature or 10-digit TARIC code.")
    name = fields.Char("Description", required=True, translate=True)
    territory_code = fields.Char("Customs Territory", required=True, default="EU")
    duty_rate = fields.Float("Third-Country Duty (%)", digits=(5, 2))
    vat_rate = fields.Float("Import VAT (%)", digits=(5, 2))
    supplementary_unit = fields.Char(help="Unit of the supplementary quantity, e.g. p/st (pieces), l, m2.")
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("code_territory_uniq", "unique(code, territory_code)", "A tariff code appears once per customs territory."),
    ]

    @api.depends("code", "name")
    def _compute_display_name(self):
        for tariff in self:
            tariff.display_name = f"{tariff.code} {tariff.name or ''}".strip()

    @api.constrains("code", "duty_rate", "vat_rate")
    def _check_code(self):
        for tariff in self:
            if not HS_CODE_FORMAT.match(tariff.code or ""):
                raise ValidationError(self.env._("Tariff code %s must have 8 or 10 digits.", tariff.code))
            if not (0 <= tariff.duty_rate <= 100 and 0 <= tariff.vat_rate <= 100):
                raise ValidationError(self.env._("Rates of tariff code %s must be between 0 and 100 %%.", tariff.code))

    @api.model
    def _find_rates(self, codes, territory_code):
        """Tariff codes by code, matching 10-digit codes on their 8-digit heading when only that is loaded."""
        candidates = {code for code in codes if code} | {code[:8] for code in codes if code}
        tariffs = self.search([("territory_code", "=", territory_code), ("code", "in", list(candidates))])
        by_code = {tariff.code: tariff for tariff in tariffs}
        return {code: by_code.get(code) or by_code.get((code or "")[:8]) for code in codes}
