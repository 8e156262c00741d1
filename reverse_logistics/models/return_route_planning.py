# pylint: disable=consider-merging-classes-inherited
"""Routes decided by the consolidation planner: Odoo records in, the planner's choices out.

The planner (``returns_lib.consolidation.planner``) knows nothing of the ORM: this file turns hubs, their
modes, warehouses and returns into its inputs, and its choices back into a return's hub and route figures.
Two uses: at approval each return is decided on its own, at the margin (``Planner.route``); the route
planner wizard plans every pending return at once (``Planner.plan``) and may send some direct because their
load would not pay for itself.
"""

from decimal import Decimal

from odoo import fields, models

from ..returns_lib.consolidation import planner as planner_lib
from ..returns_lib.consolidation.emissions import default_factors
from ..returns_lib.consolidation.geo import Point, default_centroids, great_circle_km
from ..returns_lib.customs import territory as territory_lib
from .return_hub import product_class_label
from .return_hub_mode import vehicle_class_label, vehicle_class_labels


def _point(partner):
    """A partner's coordinates when geolocated, else the centroid of its postal area or country."""
    if partner.partner_latitude or partner.partner_longitude:
        return Point(partner.partner_latitude, partner.partner_longitude)
    return default_centroids().locate(partner.country_id.code or "", partner.zip or "")[0]


def _money(value):
    return Decimal(repr(value))


class ReturnHubMode(models.Model):
    _inherit = "return.hub.mode"

    def _prepare_planner_option(self):
        self.ensure_one()
        return planner_lib.OutboundOption(
            mode=self.mode,
            vehicle_class=self.vehicle_class,
            transit_days=self.transit_days,
            per_shipment=_money(self.per_shipment),
            per_kg=_money(self.per_kg),
            per_pallet=_money(self.per_pallet),
            max_weight_kg=self.max_weight or None,
            max_volume_m3=self.max_volume or None,
            max_pallets=self.max_pallets or None,
            hazardous_allowed=self.hazardous_allowed,
            destinations=frozenset(str(warehouse.id) for warehouse in self.destination_warehouse_ids),
            carrier_g_per_tkm=self.carrier_intensity or None,
        )


class ReturnHub(models.Model):
    _inherit = "return.hub"

    def _prepare_planner_hub(self):
        self.ensure_one()
        areas = self.area_ids
        return planner_lib.Hub(
            key=str(self.id),
            location=_point(self.partner_id),
            country=self.partner_id.country_id.code,
            release=self._release_rule(),
            outbound=tuple(mode._prepare_planner_option() for mode in self.mode_ids.filtered("active")),
            countries=frozenset(area.country_id.code for area in areas if area.country_id and not area.zip_prefix),
            postal_areas=frozenset((area.country_id.code, area.zip_prefix) for area in areas if area.zip_prefix),
            territories=frozenset(area.territory_code for area in areas if area.territory_code),
            max_wait_days=self.max_wait_days,
            handling_per_return=_money(self.handling_cost),
            declaration_cost=_money(self.declaration_cost),
            accepts_hazardous=self.accepts_hazardous,
        )

    def _get_planner(self, company, countries=()):
        """A planner over these hubs for ``company``'s returns, or None without the company's parcel card.

        Customs territories as the company's rules say for whole countries (the planner works per country):
        of the hubs, the warehouses, ``countries`` (the returns') and every country the rules name.
        """
        card = self.env["return.parcel.rate"].sudo()._get_card(company)
        if card is None:
            return None
        hubs = self.filtered(lambda hub: hub.company_id == company and hub.mode_ids.filtered("active"))
        warehouses = self.env["stock.warehouse"].sudo().search([("company_id", "=", company.id)])
        rules = self.env["customs.territory.rule"].sudo()._get_rules()
        countries = {rule.country_code for rule in rules} | set(countries)
        countries |= set((hubs.partner_id | warehouses.partner_id).country_id.mapped("code"))
        unions = {
            code: territory_lib.territory_of(territory_lib.Address(country_code=code), rules).territory_code
            for code in countries if code
        }
        return planner_lib.Planner(
            [hub._prepare_planner_hub() for hub in hubs],
            [planner_lib.Warehouse(str(warehouse.id), _point(warehouse.partner_id or company.partner_id),
                                   (warehouse.partner_id or company.partner_id).country_id.code or "")
             for warehouse in warehouses],
            card,
            unions=unions,
        )


class ReturnOrder(models.Model):
    _inherit = "return.order"

    def _prepare_planner_return(self, ready_date):
        """The return as the planner sees it: who sends it from where, to which warehouse, how heavy and when."""
        self.ensure_one()
        sender = self.partner_return_address_id or self.partner_id
        located = sender.partner_latitude or sender.partner_longitude
        # sudo: product weights and hazard flags are product data every flow may read (the approver may be
        # a portal customer whose request the policy approves at once).
        lines = self.line_ids.sudo()
        carried = {}
        if self.graded_at_hub and self.consolidation_id:
            # Graded at its hub: the load takes only the units going home.
            quantities = {line: line._load_quantity() for line in lines}
            carried = {
                "carried_weight_kg": sum(line.product_id.weight * quantities[line] for line in lines),
                "carried_volume_m3": sum(line.product_id.volume * quantities[line] for line in lines),
            }
        return planner_lib.PendingReturn(
            ref=str(self.id),
            country=sender.country_id.code,
            destination=str(self.warehouse_id.id),
            weight_kg=sum(line.product_id.weight * line.product_uom_qty for line in lines),
            volume_m3=sum(line.product_id.volume * line.product_uom_qty for line in lines),
            value=_money(self.amount_total),
            ready_date=ready_date,
            max_days=self.company_id.return_route_max_days,
            customs_regime=self.customs_origin_territory or "",
            product_class=self._hub_product_class(),
            hazardous=self._is_hazardous(),
            postal_code=(sender.zip or "").replace(" ", "").upper(),
            location=Point(sender.partner_latitude, sender.partner_longitude) if located else None,
            **carried,
        )

    def _priceable(self):
        """Returns whose parcel the planner can price: a sender with a country and a warehouse."""
        return self.filtered(lambda order: (order.partner_return_address_id or order.partner_id).country_id
                             and order.warehouse_id)

    def _plannable(self):
        """Returns the planner can place, through a hub or direct: returnable packaging comes back direct to its
        warehouse, never through the hubs (it is only priced, see ``_route_alone``)."""
        return self._priceable().filtered(lambda order: order.return_kind != "packaging")

    def _route_values(self, line, hubs_by_key, templates=None):
        """A return's hub and route figures from the planner's line for it; ``templates``: the reasons'
        sentences (``_route_reason_templates``), translated once for a batch."""
        hub = hubs_by_key.get(line.hub)
        return {
            "hub_id": hub.id if hub else False,
            "route_cost": float(line.cost),
            "route_co2e_kg": line.co2e_kg,
            "route_declarations": line.declarations,
            "baseline_cost": float(line.baseline_cost),
            "baseline_co2e_kg": line.baseline_co2e_kg,
            "baseline_declarations": line.baseline_declarations,
            "route_reason": self._route_reason_text(line, hubs_by_key, templates),
        }

    def _route_reason_templates(self):
        """{reason code: sentence} in the user's language; a batch translates them once, not per return."""
        env = self.env
        return {
            planner_lib.ORIGIN_FROM_PARTNER: env._("Origin: the customer's coordinates."),
            planner_lib.ORIGIN_FROM_CENTROID: env._("Origin: the centre of the %(level)s (the customer's address "
                                                    "is not geolocated)."),
            planner_lib.NO_HUB_SERVES: env._("No hub serves %(country)s %(postal_code)s: shipped direct."),
            planner_lib.NO_HUB_FOR_CLASS: env._("No hub serving the origin takes these goods (%(product_class)s) "
                                                "to the warehouse: shipped direct."),
            planner_lib.HUB_TOO_SLOW: env._("Through hub %(hub)s it would arrive on %(earliest_arrival)s at the "
                                            "earliest, after its deadline %(deadline)s: shipped direct."),
            planner_lib.NO_HUB_CHEAPER: env._("Through hub %(hub)s it would cost at least %(via_hub)s, direct "
                                              "%(direct)s: shipped direct."),
            planner_lib.HUB_CHOSEN: env._("Through hub %(hub)s (%(distance_km)s km away): %(via_hub)s before "
                                          "sharing a load, against %(direct)s direct."),
            planner_lib.JOINED: env._("Joins a load leaving on %(departs)s (%(trigger)s)."),
            planner_lib.MODE_CHOSEN: env._("Out of the hub by %(mode)s (%(vehicle_class)s): the cheapest for the "
                                           "load (%(group_cost)s)."),
            planner_lib.HAZARDOUS_APART: env._("Hazardous goods: loaded only with hazardous goods of the same "
                                               "class."),
            planner_lib.WAIT_BREAKS_SERVICE: env._("The load at hub %(hub)s leaves on %(departs)s, after the "
                                                   "latest departure %(latest_departure)s that keeps its service "
                                                   "level and the hub's waiting limit: shipped direct."),
            planner_lib.TOO_BIG_FOR_MODE: env._("Too big for one load at hub %(hub)s: shipped direct."),
            planner_lib.CONSOLIDATION_COSTLIER: env._("The load it would join costs %(via_hub)s, its returns "
                                                      "direct %(direct)s: shipped direct."),
            planner_lib.DECLARATION_PER_RETURN: env._("Its parcel crosses the customs border %(from_territory)s "
                                                      "-> %(to_territory)s: one declaration of its own."),
            planner_lib.DECLARATION_CONSOLIDATED: env._("The load crosses %(from_territory)s -> %(to_territory)s "
                                                        "under one declaration."),
            planner_lib.SERVICE_LEVEL_UNREACHABLE: env._("Even direct it arrives on %(arrives)s, after its "
                                                         "deadline %(deadline)s."),
            planner_lib.NOT_FOR_HUBS: env._("Returnable packaging comes back direct to its warehouse, never "
                                            "through a hub."),
            planner_lib.ESTIMATED_ALONE: env._("Estimated alone: out by %(mode)s by %(departs)s at the latest; "
                                               "its share of the load's fixed freight and declaration is known "
                                               "when the load leaves."),
        }

    def _route_reason_names(self):
        """{reason parameter: a function naming its planner code for people}."""
        env = self.env
        modes = dict(self.env["return.hub.mode"]._fields["mode"]._description_selection(env))
        vehicles = vehicle_class_labels(env)
        triggers = {
            "calendar": env._("its calendar day"), "weight": env._("its weight limit"),
            "volume": env._("its volume limit"), "value": env._("its value limit"),
            "count": env._("its number of returns"), "capacity": env._("the vehicle's capacity"),
            "shipped": env._("shipped"),
        }

        def level(code):
            if code.startswith("postal_area:"):
                return env._("postal area %(prefix)s", prefix=code.partition(":")[2])
            return env._("country") if code == "country" else code

        return {
            "mode": lambda code: modes.get(code, code),
            "vehicle_class": lambda code: vehicle_class_label(env, code, vehicles),
            "product_class": lambda code: product_class_label(env, code),
            "trigger": lambda code: triggers.get(code, code),
            "level": level,
        }

    def _route_reason_text(self, line, hubs_by_key, templates=None):
        """The planner's reasons in the user's language (the planner speaks codes and parameters)."""
        templates = templates or self._route_reason_templates()
        names = self._route_reason_names()
        sentences = []
        for code, params in line.reasons:
            if code not in templates:
                continue
            shown = dict(params)
            if shown.get("hub") in hubs_by_key:
                shown["hub"] = hubs_by_key[shown["hub"]].name
            # The planner's codes (mode, vehicle class, product class, what closes a load, where the origin
            # is taken from) read as words.
            for name, table in names.items():
                if isinstance(shown.get(name), str):
                    shown[name] = table(shown[name])
            shown = {name: (", ".join(f"{key}: {value}" for key, value in value.items()) if isinstance(value, dict)
                            else str(value)) for name, value in shown.items()}
            sentences.append(templates[code] % shown)
        return "\n".join(sentences)

    def _route_alone(self, hubs, ready_dates=None):
        """Each return routed on its own at the margin (approval): its hub and figures, per the planner.

        Without hubs (none yet, or ``hubs`` empty on purpose) every return is priced as its parcel direct, and so
        is always a return that never goes through a hub (returnable packaging).
        ``ready_dates``: {return id: the day it was ready to leave}, today by default.
        """
        today = fields.Date.context_today(self)
        ready_dates = ready_dates or {}
        routed = {}
        # sudo: the planner reads what the route depends on (weights, customs territory, the company's service
        # level), internal fields a portal customer whose request the policy approves at once may not read.
        for company in self.sudo().company_id:
            orders = self.sudo().filtered(lambda order, company=company: order.company_id == company)._priceable()
            senders = orders.partner_return_address_id | orders.partner_id
            planner = hubs._get_planner(company, senders.country_id.mapped("code")) if orders else None
            if planner is None:
                continue
            hubs_by_key = {str(hub.id): hub for hub in hubs}
            # What may go through a hub is routed; the rest (returnable packaging) is priced as the direct
            # shipment it is, on the same card, so that the sustainability figures count it too.
            routable = orders._plannable()
            direct = orders - routable
            lines = dict(zip(routable, planner.route(
                [order._prepare_planner_return(ready_dates.get(order.id, today)) for order in routable]),
                strict=True))
            lines.update(zip(direct, planner.direct(
                [order._prepare_planner_return(ready_dates.get(order.id, today)) for order in direct]),
                strict=True))
            templates = self._route_reason_templates()
            for order in orders:
                routed[order] = order._route_values(lines[order], hubs_by_key, templates)
        return routed


class ReturnConsolidation(models.Model):
    _inherit = "return.consolidation"

    def _prepare_outbound_values(self):
        """The load's mode, freight, declaration and CO2e without the parcel card (nothing to compare the
        returns with, but the load itself is priced by its hub's rate cards): the cheapest mode taking it."""
        self.ensure_one()
        hub = self.hub_id.sudo()
        options = [(mode._prepare_planner_option(), mode) for mode in hub.mode_ids.filtered("active")]
        destination_key = str(self.warehouse_id.id)
        fitting = [(option.freight(self.weight, self.volume), mode.id, option, mode) for option, mode in options
                   if option.serves(destination_key, self.hazardous) and option.fits(self.weight, self.volume)]
        if not fitting:
            return {}
        freight, _mode_id, option, mode = min(fitting, key=lambda choice: choice[:2])
        destination = self.warehouse_id.partner_id or self.company_id.partner_id
        border = self.env["customs.territory.rule"]._border_between(hub.partner_id, destination)
        crosses = bool(border and border.declaration_needed)
        factors = default_factors()
        distance = factors.distance_km(option.mode, great_circle_km(_point(hub.partner_id), _point(destination)))
        return {
            "mode_id": mode.id,
            "freight_cost": float(freight),
            "declaration_cost": hub.declaration_cost if crosses else 0.0,
            "declarations": 1 if crosses else 0,
            "co2e_kg": option.co2e_kg(factors, self.weight, distance),
        }

    def _settle_route_figures(self):
        """The load leaves: its mode, freight, declaration and CO2e, and every return's real share of them.

        Without the company's parcel card the baseline cannot be priced: the figures stay empty and say
        nothing rather than something wrong.
        """
        today = fields.Date.context_today(self)
        for company in self.company_id:
            loads = self.filtered(lambda load, company=company: load.company_id == company)
            orders = loads.return_ids._plannable()
            senders = orders.partner_return_address_id | orders.partner_id
            # sudo: the hubs and modes are the company's routing configuration; whoever ships reads them whole.
            hubs = loads.hub_id.sudo()
            planner = hubs._get_planner(company, senders.country_id.mapped("code"))
            if planner is None:
                for load in loads:
                    load._flow_write(load._prepare_outbound_values())
                continue
            hubs_by_key = {str(hub.id): hub for hub in hubs}
            templates = None
            for load in loads:
                members = load.return_ids & orders
                if not members:
                    continue
                settled = planner.settle(
                    str(load.hub_id.id),
                    [order._prepare_planner_return(order.date_approved.date() if order.date_approved else today)
                     for order in members],
                    today, name=load.name)
                if settled is None:
                    load.message_post(body=self.env._(
                        "No outbound mode of hub %(hub)s takes this load (%(weight)s kg to %(warehouse)s): its cost "
                        "and CO2e are not known.", hub=load.hub_id.name, weight=round(load.weight, 1),
                        warehouse=load.warehouse_id.name))
                    continue
                figures, lines = settled
                mode = load.hub_id.mode_ids.filtered(
                    lambda m, figures=figures: m.active and (m.mode, m.vehicle_class) == (figures.mode,
                                                                                         figures.vehicle_class))[:1]
                load._flow_write({
                    "mode_id": mode.id,
                    "freight_cost": float(figures.freight_cost),
                    "declaration_cost": float(figures.declaration_cost),
                    "declarations": figures.declarations,
                    "co2e_kg": figures.co2e_kg,
                })
                templates = templates or members._route_reason_templates()
                for order, line in zip(members, lines, strict=True):
                    order._flow_write(order._route_values(line, hubs_by_key, templates))
        return True
