from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

REQUESTED_OUTCOMES = ("refund", "replacement", "repair", "exchange")


class ReturnPortal(CustomerPortal):
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "return_count" in counters:
            Return = request.env["return.order"]
            values["return_count"] = (
                Return.search_count(self._prepare_returns_domain(request.env.user.partner_id))
                if Return.has_access("read") else 0
            )
        return values

    def _prepare_returns_domain(self, partner):
        return [("commercial_partner_id", "=", partner.commercial_partner_id.id)]

    def _get_returns_searchbar_sortings(self):
        return {
            "date": {"label": request.env._("Newest"), "order": "date_requested desc, id desc"},
            "name": {"label": request.env._("Reference"), "order": "name desc"},
            "state": {"label": request.env._("Status"), "order": "state, date_requested desc"},
        }

    @http.route(["/my/returns", "/my/returns/page/<int:page>"], type="http", auth="user", website=True)
    def portal_my_returns(self, page=1, sortby="date", **kwargs):
        Return = request.env["return.order"]
        partner = request.env.user.partner_id
        domain = self._prepare_returns_domain(partner)
        sortings = self._get_returns_searchbar_sortings()
        sortby = sortby if sortby in sortings else "date"
        pager = portal_pager(
            url="/my/returns", url_args={"sortby": sortby}, total=Return.search_count(domain), page=page,
            step=self._items_per_page,
        )
        returns = Return.search(domain, order=sortings[sortby]["order"], limit=self._items_per_page,
                                offset=pager["offset"])
        request.session["my_returns_history"] = returns.ids[:100]
        values = self._prepare_portal_layout_values()
        values.update({
            "returns": returns, "page_name": "returns", "pager": pager, "default_url": "/my/returns",
            "searchbar_sortings": sortings, "sortby": sortby,
        })
        return request.render("reverse_logistics.portal_my_returns", values)

    @http.route(["/my/returns/<int:return_id>"], type="http", auth="public", website=True)
    def portal_return_page(self, return_id, access_token=None, message=None, **kwargs):
        try:
            order = self._document_check_access("return.order", return_id, access_token=access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        values = self._get_page_view_values(
            order, access_token, {"return_order": order, "page_name": "return", "message": message},
            "my_returns_history", False,
        )
        return request.render("reverse_logistics.portal_return_page", values)

    @http.route(["/my/returns/<int:return_id>/label"], type="http", auth="public", website=True)
    def portal_return_label(self, return_id, access_token=None, **kwargs):
        try:
            order = self._document_check_access("return.order", return_id, access_token=access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        if not order._portal_label_available():
            return request.redirect(order.get_portal_url(query_string="&message=label_unavailable"))
        return self._show_report(order, "pdf", "reverse_logistics.action_report_return_label", download=True)

    # ------------------------------------------------------------------
    # Requesting a return
    # ------------------------------------------------------------------
    def _prepare_new_return_values(self, error=None, posted=None):
        Return = request.env["return.order"]
        partner = request.env.user.partner_id
        values = self._prepare_portal_layout_values()
        values.update({
            "candidates": Return._get_portal_return_candidates(partner),
            "reasons": Return._get_portal_reasons(partner),
            "outcomes": [
                (key, label) for key, label in Return.env["return.order.line"]._fields[
                    "requested_outcome"]._description_selection(request.env)
            ],
            "page_name": "new_return",
            "error": error,
            "posted": posted or {},
        })
        return values

    @http.route(["/my/returns/new"], type="http", auth="user", website=True, methods=["GET"])
    def portal_new_return(self, **kwargs):
        return request.render("reverse_logistics.portal_new_return", self._prepare_new_return_values())

    def _parse_return_request(self, form):
        """Rows of the form with a quantity, as requests for ``_create_from_portal``."""
        requests = []
        for key, value in form.items():
            if not key.startswith("qty_") or not (value or "").strip():
                continue
            row = key[len("qty_"):]
            try:
                quantity = float(value.replace(",", "."))
                sale_line_id, lot_id = (int(part) for part in form.get(f"line_{row}", "").split(":"))
                reason_id = int(form.get(f"reason_{row}") or 0)
            except ValueError as error:
                raise UserError(request.env._("The form was not filled in correctly.")) from error
            if quantity == 0:
                continue
            outcome = form.get("outcome") if form.get("outcome") in REQUESTED_OUTCOMES else "refund"
            requests.append({
                "sale_line_id": sale_line_id, "lot_id": lot_id or False, "quantity": quantity,
                "reason_id": reason_id, "requested_outcome": outcome,
            })
        return requests

    @http.route(["/my/returns/new"], type="http", auth="user", website=True, methods=["POST"])
    def portal_new_return_submit(self, **form):
        photos = [
            {"name": upload.filename, "mimetype": upload.mimetype, "content": upload.read()}
            for upload in request.httprequest.files.getlist("photos")
            if upload and upload.filename
        ]
        try:
            requests = self._parse_return_request(form)
            returns = request.env["return.order"]._create_from_portal(
                request.env.user.partner_id, requests, comment=form.get("comment"), photos=photos
            )
        except UserError as error:
            request.env.cr.rollback()
            values = self._prepare_new_return_values(error=error.args[0], posted=form)
            return request.render("reverse_logistics.portal_new_return", values)
        return request.redirect(returns[0].get_portal_url(query_string="&message=requested"))
