import math

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..models.return_states import ABANDONED_STATES, PENDING_STATES, RECEIVED_STATES


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

    # ------------------------------------------------------------------
    # List
    # ------------------------------------------------------------------
    def _prepare_returns_domain(self, partner):
        # The record rules restrict portal users already; the domain keeps internal users
        # browsing their own portal to their own entity as well.
        return [("commercial_partner_id", "=", partner.commercial_partner_id.id)]

    def _get_returns_searchbar_sortings(self):
        return {
            "date": {"label": request.env._("Newest"), "order": "date_requested desc, id desc"},
            "name": {"label": request.env._("Reference"), "order": "name desc, id desc"},
            "state": {"label": request.env._("Status"), "order": "state, date_requested desc, id desc"},
        }

    def _get_returns_searchbar_filters(self):
        return {
            "all": {"label": request.env._("All"), "domain": []},
            "open": {
                "label": request.env._("In progress"),
                "domain": [("state", "in", PENDING_STATES)],
            },
            "to_send": {
                "label": request.env._("To send back"),
                "domain": [("state", "=", "approved")],
            },
            "closed": {"label": request.env._("Received"), "domain": [("state", "in", RECEIVED_STATES)]},
            "refused": {
                "label": request.env._("Refused or cancelled"),
                "domain": [("state", "in", ABANDONED_STATES)],
            },
        }

    @http.route(["/my/returns", "/my/returns/page/<int:page>"], type="http", auth="user", website=True)
    def portal_my_returns(self, page=1, sortby="date", filterby="all", requested=None, **kwargs):
        Return = request.env["return.order"]
        partner = request.env.user.partner_id
        sortings = self._get_returns_searchbar_sortings()
        filters = self._get_returns_searchbar_filters()
        sortby = sortby if sortby in sortings else "date"
        filterby = filterby if filterby in filters else "all"
        domain = self._prepare_returns_domain(partner) + filters[filterby]["domain"]
        pager = portal_pager(
            url="/my/returns",
            url_args={"sortby": sortby, "filterby": filterby},
            total=Return.search_count(domain),
            page=page,
            step=self._items_per_page,
        )
        returns = Return.search(
            domain, order=sortings[sortby]["order"], limit=self._items_per_page, offset=pager["offset"]
        )
        request.session["my_returns_history"] = returns.ids[:100]
        values = self._prepare_portal_layout_values()
        values.update({
            "returns": returns,
            "page_name": "returns",
            "pager": pager,
            "default_url": "/my/returns",
            "searchbar_sortings": sortings,
            "sortby": sortby,
            "searchbar_filters": filters,
            "filterby": filterby,
            "requested_count": int(requested) if (requested or "").isdigit() else 0,
        })
        return request.render("reverse_logistics.portal_my_returns", values)

    # ------------------------------------------------------------------
    # One return: page and label
    # ------------------------------------------------------------------
    @http.route(["/my/returns/<int:return_id>"], type="http", auth="public", website=True)
    def portal_return_page(self, return_id, access_token=None, message=None, **kwargs):
        try:
            return_sudo = self._document_check_access("return.order", return_id, access_token=access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        values = self._get_page_view_values(
            return_sudo,
            access_token,
            {
                "return_order": return_sudo,
                "page_name": "return",
                "message": message,
                "progress": return_sudo._get_portal_progress(),
                "label_url": return_sudo.get_portal_url(suffix="/label")
                if return_sudo._portal_label_available() else False,
            },
            "my_returns_history",
            False,
        )
        return request.render("reverse_logistics.portal_return_page", values)

    @http.route(["/my/returns/<int:return_id>/label"], type="http", auth="public", website=True)
    def portal_return_label(self, return_id, access_token=None, **kwargs):
        try:
            return_sudo = self._document_check_access("return.order", return_id, access_token=access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        if not return_sudo._portal_label_available():
            return request.redirect(return_sudo.get_portal_url(query_string="&message=label_unavailable"))
        return_sudo._log_label_issued(source="portal")
        return self._show_report(return_sudo, "pdf", "reverse_logistics.action_report_return_label", download=True)

    # ------------------------------------------------------------------
    # Requesting a return
    # ------------------------------------------------------------------
    def _prepare_new_return_values(self, error=None, posted=None):
        Return = request.env["return.order"]
        partner = request.env.user.partner_id
        candidates = Return._get_portal_return_candidates(partner)
        companies = request.env["res.company"].browse(
            {candidate["sale_line_id"].company_id.id for candidate in candidates}
        ) or request.env.company
        values = self._prepare_portal_layout_values()
        values.update({
            "candidates": candidates,
            "reasons": Return._get_portal_reasons(companies),
            "outcomes": request.env["return.order.line"]._fields["requested_outcome"]._description_selection(
                request.env
            ),
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
                if not math.isfinite(quantity):
                    raise ValueError(value)
            except (ValueError, OverflowError) as error:
                raise UserError(
                    request.env._("Enter the quantities as numbers, for example 1 or 2.5.")
                ) from error
            try:
                sale_line_id, lot_id = (int(part) for part in form.get(f"line_{row}", "").split(":"))
                reason_id = int(form.get(f"reason_{row}") or 0)
            except ValueError as error:
                # Only a stale or edited form gets here: the page writes these fields itself.
                raise UserError(request.env._("This form is out of date: reload the page and try again.")) from error
            if quantity == 0:
                continue  # a row left at 0 is a product the customer keeps
            requests.append({
                "sale_line_id": sale_line_id,
                "lot_id": lot_id or False,
                "quantity": quantity,
                "reason_id": reason_id,
                "requested_outcome": form.get("outcome"),
            })
        return requests

    def _read_uploaded_photos(self):
        return [
            {"name": upload.filename, "content": upload.read()}
            for upload in request.httprequest.files.getlist("photos")
            if upload and upload.filename
        ]

    @http.route(["/my/returns/new"], type="http", auth="user", website=True, methods=["POST"])
    def portal_new_return_submit(self, **form):
        form.pop("photos", None)
        try:
            # Savepoint: a refused request leaves nothing behind, even if a later step failed.
            with request.env.cr.savepoint():
                returns = request.env["return.order"]._create_from_portal(
                    request.env.user.partner_id,
                    self._parse_return_request(form),
                    comment=(form.get("comment") or "").strip(),
                    photos=self._read_uploaded_photos(),
                )
        except UserError as error:
            # The form again, with what was wrong and what the customer entered; 400 tells
            # scripts and monitoring that nothing was created.
            values = self._prepare_new_return_values(error=error.args[0], posted=form)
            return request.render("reverse_logistics.portal_new_return", values, status=400)
        if len(returns) > 1:
            # One return per sale order: show them all.
            return request.redirect(f"/my/returns?requested={len(returns)}")
        return request.redirect(returns.get_portal_url(query_string="&message=requested"))
