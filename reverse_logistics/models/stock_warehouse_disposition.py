# pylint: disable=consider-merging-classes-inherited
# stock.warehouse is extended per business concept: receipt of returns, and their disposition.
from odoo import fields, models

# Disposition locations of every warehouse: field, name, barcode suffix, why it exists.
DISPOSITION_LOCATIONS = (
    ("quarantine_location_id", "Quarantine", "QUAR", "Units held until inspected or cleared (hazard, fraud, customs)."),
    ("refurbish_location_id", "Refurbishment", "REFURB", "Units being repaired or refurbished."),
    ("secondary_market_location_id", "Secondary-market Stock", "SECOND",
     "Refurbished and graded units sold on secondary markets."),
    ("recycling_location_id", "Recycling", "RECYCLE", "Units waiting for the recycler."),
)


class StockWarehouse(models.Model):
    _inherit = "stock.warehouse"

    quarantine_location_id = fields.Many2one(
        "stock.location", check_company=True, copy=False, help=DISPOSITION_LOCATIONS[0][3]
    )
    refurbish_location_id = fields.Many2one(
        "stock.location", "Refurbishment Location", check_company=True, copy=False, help=DISPOSITION_LOCATIONS[1][3]
    )
    secondary_market_location_id = fields.Many2one(
        "stock.location", "Secondary-market Location", check_company=True, copy=False,
        help=DISPOSITION_LOCATIONS[2][3],
    )
    recycling_location_id = fields.Many2one(
        "stock.location", check_company=True, copy=False, help=DISPOSITION_LOCATIONS[3][3]
    )

    def _get_locations_values(self, vals, code=False):
        values = super()._get_locations_values(vals, code=code)
        code = (vals.get("code") or code or "").replace(" ", "").upper()
        company_id = vals.get("company_id", self.default_get(["company_id"])["company_id"])
        names = {
            "quarantine_location_id": self.env._("Quarantine"),
            "refurbish_location_id": self.env._("Refurbishment"),
            "secondary_market_location_id": self.env._("Secondary-market Stock"),
            "recycling_location_id": self.env._("Recycling"),
        }
        for field_name, _label, suffix, _help in DISPOSITION_LOCATIONS:
            values[field_name] = {
                "name": names[field_name],
                "active": True,
                "usage": "internal",
                "barcode": self._valid_barcode(code + suffix, company_id),
            }
        return values

    def _create_returns_locations_and_types(self):
        missing = self.filtered(
            lambda w: not all(w[field_name] for field_name, *_rest in DISPOSITION_LOCATIONS)
        )
        for warehouse in missing:
            warehouse._create_missing_locations({})
        return super()._create_returns_locations_and_types()
