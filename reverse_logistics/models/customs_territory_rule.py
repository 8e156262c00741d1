import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..returns_lib.customs import territory as territory_lib
from .return_states import PENDING_STATES


class CustomsTerritoryRule(models.Model):
    """Which customs territory an address belongs to.

    The EU customs union is one territory; some parts of member states are outside it
    and some other countries inside it. These are facts that change by treaty, so they are
    records a customs officer maintains, not code.

    Shared by all companies, without a company field: where a territory's border runs is
    law and geography, the same for every company (open returns of all companies follow a change).
    """

    _name = "customs.territory.rule"
    _description = "Customs Territory Rule"
    _order = "country_id, sequence, id"

    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    country_id = fields.Many2one("res.country", required=True, index=True)
    state_id = fields.Many2one(
        "res.country.state", domain="[('country_id', '=', country_id)]",
        help="Only addresses in this state or province.",
    )
    zip_pattern = fields.Char(
        "Postcodes Starting With",
        help="A regular expression matched at the start of the postcode, without spaces: "
        "e.g. 35 for Las Palmas, BT for Northern Ireland, 5[12] for Ceuta and Melilla.",
    )
    territory_code = fields.Char(
        "Customs Territory", required=True, help="Addresses matching the rule belong to this territory, e.g. EU."
    )
    note = fields.Char(help="Why this rule exists (treaty, special status).", translate=True)

    @api.constrains("zip_pattern")
    def _check_zip_pattern(self):
        for rule in self.filtered("zip_pattern"):
            try:
                re.compile(rule.zip_pattern)
            except re.error as error:
                raise ValidationError(
                    self.env._("The postcode pattern %(pattern)s is not valid: %(error)s",
                               pattern=rule.zip_pattern, error=error)
                ) from error

    def _to_rules(self):
        return [
            territory_lib.TerritoryRule(
                country_code=rule.country_id.code,
                territory_code=rule.territory_code.strip().upper(),
                state_code=rule.state_id.code or None,
                zip_pattern=rule.zip_pattern or None,
                note=rule.note or "",
            )
            for rule in self
        ]

    @api.model
    def _get_rules(self):
        return self.search([("territory_code", "!=", False)])._to_rules()

    @api.model
    def _address_of(self, partner):
        return territory_lib.Address(
            country_code=partner.country_id.code or "",
            state_code=partner.state_id.code or None,
            zip_code=partner.zip or None,
        )

    @api.model
    def _territory_of_partner(self, partner, rules=None):
        """The customs territory code of ``partner``'s address ("EU", "GB", "XI"...); False without a country."""
        if not partner.country_id:
            return False
        # sudo: the rules are reference data every user's returns and declarations depend on.
        rules = self.sudo()._get_rules() if rules is None else rules
        return territory_lib.territory_of(self._address_of(partner), rules).territory_code

    @api.model
    def _border_between(self, sender, receiver, rules=None):
        """Whether goods sent from ``sender`` to ``receiver`` cross a customs border: the one place this is
        decided, for returns coming back and units leaving for vendors. None when a country is unknown."""
        if not sender.country_id or not receiver.country_id:
            return None
        # sudo: as above, reference data read for whoever moves the goods.
        rules = self.sudo()._get_rules() if rules is None else rules
        return territory_lib.crosses_customs_border(self._address_of(sender), self._address_of(receiver), rules)

    @api.model_create_multi
    def create(self, vals_list):
        rules = super().create(vals_list)
        self._recompute_open_returns()
        return rules

    def write(self, vals):
        result = super().write(vals)
        self._recompute_open_returns()
        return result

    def unlink(self):
        result = super().unlink()
        self._recompute_open_returns()
        return result

    @api.model
    def _recompute_open_returns(self):
        """Returns not yet received follow rule changes; received ones keep the decision they travelled with."""
        orders = self.env["return.order"].sudo().search([("state", "in", PENDING_STATES)])
        if orders:
            self.env.add_to_compute(self.env["return.order"]._fields["customs_declaration_needed"], orders)

    @api.depends("country_id.name", "state_id.name", "zip_pattern", "territory_code")
    def _compute_display_name(self):
        for rule in self:
            where = ", ".join(filter(None, (rule.country_id.name, rule.state_id.name, rule.zip_pattern)))
            rule.display_name = f"{where} → {rule.territory_code}" if rule.territory_code else where
