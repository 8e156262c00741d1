# pylint: disable=consider-merging-classes-inherited
# return.order is extended per business concept, one file each.
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

PORTAL_PHOTO_MAX_BYTES = 10 * 1024 * 1024
PORTAL_PHOTO_MIMETYPES = ("image/jpeg", "image/png", "image/webp", "image/gif", "image/heic")


class ReturnOrder(models.Model):
    _inherit = "return.order"

    # ------------------------------------------------------------------
    # What a portal customer may return
    # ------------------------------------------------------------------
    @api.model
    def _get_portal_return_candidates(self, partner):
        """Delivered products the customer can still return, one row per sale line and lot.

        sudo: portal users read their sale orders but not stock moves, lots or other
        customers' open returns, which the returnable quantities depend on. The search is
        restricted to the customer's own commercial entity, and only the candidates'
        product, lot, order, date and quantities are shown to them.
        """
        commercial = partner.commercial_partner_id
        orders = self.env["sale.order"].sudo().search(
            [("partner_id", "child_of", commercial.id), ("state", "=", "sale")], order="date_order desc", limit=50
        )
        orders = orders.filtered(lambda order: any(p.state == "done" for p in order.picking_ids))
        candidates = self.sudo()._get_return_candidates(sale_orders=orders)
        return [candidate for candidate in candidates if candidate["returnable_qty"] > 0]

    @api.model
    def _get_portal_reasons(self, partner):
        company = partner.company_id or self.env.company
        return self.env["return.reason"].sudo().search(
            [("company_id", "in", (False, company.id))], order="sequence, id"
        )

    # ------------------------------------------------------------------
    # Creating returns from the portal
    # ------------------------------------------------------------------
    @api.model
    def _check_portal_photos(self, photos):
        """Photos are images of reasonable size: refuse anything else before writing."""
        checked = []
        for photo in photos:
            content = photo["content"]
            if photo.get("mimetype") not in PORTAL_PHOTO_MIMETYPES:
                raise UserError(
                    self.env._("%(file)s is not a photo: send JPEG, PNG or WebP images.", file=photo["name"])
                )
            if len(content) > PORTAL_PHOTO_MAX_BYTES:
                raise UserError(
                    self.env._("%(file)s is larger than 10 MB: send a smaller photo.", file=photo["name"])
                )
            checked.append(photo)
        return checked

    @api.model
    def _prepare_portal_return_values(self, partner, sale_order, line_values, comment):
        """Values of one return requested in the portal; override to add fields."""
        return {
            "partner_id": partner.id,
            "company_id": sale_order.company_id.id,
            "sale_order_id": sale_order.id,
            "requested_via_portal": True,
            "customer_note": comment or False,
            "user_id": sale_order.user_id.id or False,
            "line_ids": [fields.Command.create(values) for values in line_values],
        }

    @api.model
    def _create_from_portal(self, partner, requests, comment=None, photos=()):
        """Create and submit the returns a customer asks for, one per sale order.

        ``requests``: dicts with sale_line_id, lot_id, quantity, reason_id, requested_outcome.
        Everything is checked before anything is written: on any error nothing is created.
        """
        if not requests:
            raise UserError(self.env._("Choose at least one product and the quantity to return."))
        photos = self._check_portal_photos(photos)
        candidates = {
            (candidate["sale_line_id"].id, candidate["lot_id"].id): candidate
            for candidate in self._get_portal_return_candidates(partner)
        }
        reasons = self._get_portal_reasons(partner)
        lines_by_order = defaultdict(list)
        for request in requests:
            candidate = candidates.get((request["sale_line_id"], request.get("lot_id") or False))
            if not candidate:
                # Not one of the customer's delivered products (or nothing left to return).
                raise UserError(self.env._("This product cannot be returned from your account."))
            product = candidate["product_id"]
            qty = request["quantity"]
            rounding = product.uom_id.rounding
            if float_compare(qty, 0.0, precision_rounding=rounding) <= 0:
                raise UserError(self.env._("Enter a positive quantity of %s to return.", product.display_name))
            if float_compare(qty, candidate["returnable_qty"], precision_rounding=rounding) > 0:
                raise UserError(
                    self.env._(
                        "You can return at most %(max)s of %(product)s.",
                        max=candidate["returnable_qty"],
                        product=product.display_name,
                    )
                )
            reason = reasons.browse(request.get("reason_id")) & reasons
            if not reason:
                raise UserError(self.env._("Tell us why you return %s.", product.display_name))
            sale_line = candidate["sale_line_id"]
            lines_by_order[sale_line.order_id].append(
                {
                    "product_id": product.id,
                    "sale_line_id": sale_line.id,
                    "lot_id": candidate["lot_id"].id or False,
                    "product_uom_qty": qty,
                    "reason_id": reason.id,
                    "requested_outcome": request.get("requested_outcome") or "refund",
                }
            )
        # sudo: portal users have no create right on returns; every value above comes from
        # the customer's own delivered lines, checked just before.
        Return = self.sudo().with_context(mail_create_nosubscribe=False)
        returns = Return.create(
            [
                self._prepare_portal_return_values(partner, order, line_values, comment)
                for order, line_values in lines_by_order.items()
            ]
        )
        if photos:
            # Passed as content (not as attachment ids): message_post creates them on the
            # return, which is how a portal author may attach files.
            returns[0].message_post(
                body=self.env._("Photos sent by the customer."),
                attachments=[(photo["name"], photo["content"], {"mimetype": photo["mimetype"]}) for photo in photos],
                author_id=partner.id,
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
        returns.action_submit()
        return returns.with_env(self.env)

    def _portal_label_available(self):
        self.ensure_one()
        return self.state in ("approved", "in_transit")
