from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..report.return_sustainability_report import OUTCOME_COLUMNS, RATIOS

# The report's measures that add up: the summary sums them with one grouped read, as the pivot does.
SUMMED = (
    "return_count", "parcels_avoided", "declarations_avoided",
    "route_cost", "baseline_cost", "saving", "route_co2e_kg", "baseline_co2e_kg", "co2e_avoided_kg",
    *(units for units, _percent in OUTCOME_COLUMNS.values()), "units_disposed", "units_diverted",
    "recovered_value",
)


class ReturnSustainabilitySummaryWizard(models.TransientModel):
    """A period's sustainability figures, printed: the same sums and ratios as the pivot for that period."""

    _name = "return.sustainability.summary.wizard"
    _description = "Returns Sustainability Summary"
    _check_company_auto = True

    @api.model
    def _default_period(self):
        """The calendar month of the company's latest approved return, so that the summary opens on figures;
        last month while the company has none."""
        latest = self.env["return.sustainability.report"]._read_group(
            [("company_id", "=", self.env.company.id)], [], ["date:max"])[0][0]
        start = (latest or fields.Date.context_today(self) - relativedelta(months=1)).replace(day=1)
        return start, start + relativedelta(months=1, days=-1)

    @api.model
    def _default_date_from(self):
        return self._default_period()[0]

    @api.model
    def _default_date_to(self):
        return self._default_period()[1]

    date_from = fields.Date("From", required=True, default=lambda self: self._default_date_from())
    date_to = fields.Date("To", required=True, default=lambda self: self._default_date_to())
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company,
                                 domain=lambda self: [("id", "in", self.env.companies.ids)])
    currency_id = fields.Many2one(related="company_id.currency_id")
    hub_id = fields.Many2one("return.hub", check_company=True,
                             help="Only the returns routed through this hub; empty: every return.")

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise ValidationError(self.env._("The period ends before it starts."))

    def _report_domain(self):
        self.ensure_one()
        domain = [("company_id", "=", self.company_id.id),
                  ("date", ">=", self.date_from), ("date", "<=", self.date_to)]
        if self.hub_id:
            domain.append(("hub_id", "=", self.hub_id.id))
        return domain

    @staticmethod
    def _with_ratios(figures):
        """The shares of a set of rows: sums over sums, as the pivot's (None when nothing was disposed of)."""
        for percent, (numerator, denominator) in RATIOS.items():
            figures[percent] = figures[numerator] * 100.0 / figures[denominator] if figures[denominator] else None
        return figures

    def _rounded(self, figures):
        """Sums rounded as printed (money to the currency, CO2e to 0.1 kg, counts to 0.01), and never -0.0:
        a saving or CO2e avoided of nothing prints 0.0 whatever the float arithmetic left."""
        for name, value in figures.items():
            if name in ("route_cost", "baseline_cost", "saving", "recovered_value"):
                value = self.currency_id.round(value)
            else:
                value = round(value, 1 if name.endswith("co2e_kg") else 2)
            figures[name] = value + 0.0  # -0.0 + 0.0 is 0.0
        return figures

    def _summary(self):
        """Totals, per hub and per mode, from one grouped read of the sustainability report."""
        self.ensure_one()
        Report = self.env["return.sustainability.report"]
        groups = Report._read_group(
            self._report_domain(), ["hub_id", "mode"], [f"{name}:sum" for name in SUMMED]
        )
        modes = dict(Report._fields["mode"]._description_selection(self.env))
        total = dict.fromkeys(SUMMED, 0.0)
        by_hub = defaultdict(lambda: dict.fromkeys(SUMMED, 0.0))
        by_mode = defaultdict(lambda: dict.fromkeys(SUMMED, 0.0))
        for hub, mode, *values in groups:
            for target in (total, by_hub[hub], by_mode[mode]):
                for name, value in zip(SUMMED, values, strict=True):
                    target[name] += value or 0.0
        for figures in (total, *by_hub.values(), *by_mode.values()):
            self._rounded(figures)
        direct = self.env._("Direct (no hub)")
        hubs = sorted(by_hub.items(), key=lambda item: (not item[0], item[0].name or ""))
        return {
            "total": self._with_ratios(total),
            "by_hub": [{"label": hub.name or direct, **self._with_ratios(figures)} for hub, figures in hubs],
            "by_mode": [{"label": modes.get(mode, mode), **self._with_ratios(figures)}
                        for mode, figures in sorted(by_mode.items(), key=lambda item: list(modes).index(item[0]))],
            "outcomes": [
                (Report._fields[units]._description_string(self.env), units, percent)
                for units, percent in OUTCOME_COLUMNS.values()
            ],
        }

    def action_print(self):
        self.ensure_one()
        # data={}: the action then carries no None, which XML-RPC cannot marshal.
        report = self.env.ref("reverse_logistics.action_report_return_sustainability_summary")
        return report.report_action(self, data={})
