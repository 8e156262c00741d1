from odoo import api, fields, models

# Disposition locations of every warehouse: field, name, barcode suffix, why it exists.
DISPOSITION_LOCATIONS = (
    ("quarantine_location_id", "Quarantine", "QUAR", "Units held until inspected or cleared (hazard, fraud, customs)."),
    ("refurbish_location_id", "Refurbishment", "REFURB", "Units being repaired or refurbished."),
    ("secondary_market_location_id", "Secondary-market Stock", "SECOND",
     "Refurbished and graded units sold on secondary markets."),
    ("recycling_location_id", "Recycling", "RECYCLE", "Units waiting for the recycler."),
)


class StockWarehouse(models.Model):
    """Every warehouse receives returns in a Returns location of its own, and holds the locations where
    returned units go once disposed of (quarantine, refurbishment, secondary-market stock, recycling)."""

    _inherit = "stock.warehouse"

    return_location_id = fields.Many2one(
        "stock.location",
        "Returns Location",
        check_company=True,
        copy=False,
        help="Returned goods are received here, apart from sellable stock, until they are inspected.",
    )
    return_type_id = fields.Many2one(
        "stock.picking.type", "Customer Returns Operation Type", check_company=True, copy=False
    )
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
    # Customs of the warehouse's territory; empty: the company's settings.
    customs_office_code = fields.Char(
        "Customs Office", groups="base.group_user",
        help="Office where goods entering or leaving this warehouse are declared, e.g. GB000074 (Liverpool) or "
        "XI000142 (Belfast). Empty: the company's.",
    )
    customs_supervising_office_code = fields.Char(
        "Supervising Office", groups="base.group_user", help="DE 5/27, where procedures need one."
    )
    customs_eori = fields.Char(
        "Customs EORI", groups="base.group_user",
        help="The company's EORI in this warehouse's customs territory (an XI number in Northern Ireland, a GB "
        "number in Great Britain). Empty: the company's.",
    )
    customs_representative_id = fields.Many2one(
        "res.partner", groups="base.group_user",
        help="Broker declaring here on the company's behalf. Empty: the company's.",
    )
    customs_representative_status = fields.Selection(
        [("2", "Direct representation"), ("3", "Indirect representation")], "Representation",
        groups="base.group_user",
    )

    def _customs_settings(self, company=None):
        """Office, EORI and representative to declare with here: the warehouse's, else the company's."""
        company = self.company_id or company or self.env.company
        representative = self.customs_representative_id or company.customs_representative_id
        if self.customs_representative_id:
            status = self.customs_representative_status or company.customs_representative_status or "2"
        else:
            status = company.customs_representative_status or "2"
        return {
            "office": (self.customs_office_code or company.customs_office_code or "").strip().upper(),
            "supervising_office": (self.customs_supervising_office_code or "").strip().upper() or False,
            "eori": (self.customs_eori or company.customs_eori or "").replace(" ", "").upper(),
            # The warehouse's own EORI only: the company's is read when the message is built.
            "own_eori": (self.customs_eori or "").replace(" ", "").upper() or False,
            "representative": representative,
            "representative_status": status,
        }

    def _get_locations_values(self, vals, code=False):
        values = super()._get_locations_values(vals, code=code)
        code = (vals.get("code") or code or "").replace(" ", "").upper()
        company_id = vals.get("company_id", self.default_get(["company_id"])["company_id"])
        values["return_location_id"] = {
            "name": self.env._("Returns"),
            "active": True,
            "usage": "internal",
            "barcode": self._valid_barcode(code + "RETURNS", company_id),
        }
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

    def _get_sequence_values(self, name=False, code=False):
        values = super()._get_sequence_values(name=name, code=code)
        values["return_type_id"] = {
            "name": self.env._("%(name)s Sequence customer returns", name=name or self.name),
            "prefix": (code or self.code) + "/" + (self.return_type_id.sequence_code or "RET") + "/",
            "padding": 5,
            "company_id": self.company_id.id,
        }
        return values

    def _get_picking_type_create_values(self, max_sequence):
        data, next_sequence = super()._get_picking_type_create_values(max_sequence)
        data["return_type_id"] = {
            "name": self.env._("Customer Returns"),
            "code": "incoming",
            "use_create_lots": True,
            "use_existing_lots": True,
            "default_location_src_id": self.env.ref("stock.stock_location_customers").id,
            "default_location_dest_id": self.return_location_id.id,
            "sequence": next_sequence + 1,
            "sequence_code": "RET",
            "company_id": self.company_id.id,
        }
        return data, next_sequence + 2

    def _get_picking_type_update_values(self):
        data = super()._get_picking_type_update_values()
        data["return_type_id"] = {
            "active": self.active,
            "default_location_dest_id": self.return_location_id.id,
            "barcode": self.code.replace(" ", "").upper() + "RET",
        }
        return data

    @api.model
    def _ensure_returns_setup(self):
        """Complete every warehouse, on install and on each update of the module (data file)."""
        warehouses = self.with_context(active_test=False).search([("company_id", "!=", False)])
        warehouses._create_returns_locations_and_types()

    def _create_returns_locations_and_types(self):
        """Create the Returns and disposition locations and the returns operation type of warehouses that
        lack them.

        Used when the module is installed into a database that already has warehouses.
        """
        for warehouse in self:
            if not warehouse.return_location_id or not all(
                warehouse[field_name] for field_name, *_rest in DISPOSITION_LOCATIONS
            ):
                warehouse._create_missing_locations({})
            if not warehouse.return_type_id:
                warehouse.write(warehouse._create_or_update_sequences_and_picking_types())
