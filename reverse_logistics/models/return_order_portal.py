# pylint: disable=consider-merging-classes-inherited
# return.order is extended per business concept, one file each.
import math
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, formatLang
from odoo.tools.mimetypes import guess_mimetype

from .return_states import ABANDONED_STATES, LABEL_STATES

PORTAL_PHOTO_MAX_BYTES = 10 * 1024 * 1024
PORTAL_PHOTO_MAX_COUNT = 10
# Raster formats browsers display; no SVG (it can carry scripts).
PORTAL_PHOTO_MIMETYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")
PORTAL_COMMENT_MAX_LENGTH = 5_000
# Most recent delivered orders offered for return in the portal: returns are time-limited,
# and a customer with thousands of orders must still get the form quickly.
PORTAL_CANDIDATE_ORDERS_LIMIT = 80


class ReturnOrder(models.Model):
    _inherit = "return.order"

    # ------------------------------------------------------------------
    # What a portal customer may return
    # ------------------------------------------------------------------
    @api.model
    def _get_portal_return_sale_orders(self, partner):
        """Confirmed sale orders of the customer's commercial entity with a done delivery.

        sudo: the caller may be a portal user; the search is restricted to the customer's
        own commercial entity (never wider than what the sale portal shows them).
        """
        commercial = partner.commercial_partner_id
        return self.env["sale.order"].sudo().search(
            [
                ("partner_id", "child_of", commercial.id),
                ("state", "=", "sale"),
                ("picking_ids.state", "=", "done"),
            ],
            order="date_order desc, id desc",
            limit=PORTAL_CANDIDATE_ORDERS_LIMIT,
        )

    @api.model
    def _get_portal_return_candidates(self, partner, include_exhausted=False):
        """Delivered products the customer can still return, one row per sale line and lot.

        sudo: portal users read their sale orders but not stock moves, lots or other
        open returns, which the returnable quantities depend on. Only the customer's own
        orders are searched, and only product, lot, order, date and quantities are shown.
        ``include_exhausted`` keeps rows with nothing left, to tell the customer why.
        """
        orders = self._get_portal_return_sale_orders(partner)
        candidates = self.env["return.order.line"].sudo()._get_returnable_candidates(sale_orders=orders)
        return [
            candidate for candidate in candidates
            if include_exhausted or float_compare(
                candidate["returnable_qty"], 0.0, precision_rounding=candidate["product_id"].uom_id.rounding
            ) > 0
        ]

    @api.model
    def _get_portal_reasons(self, companies):
        """Return reasons a customer can choose: shared ones and those of ``companies``."""
        return self.env["return.reason"].sudo().search(
            [("company_id", "in", [False, *companies.ids])], order="sequence, id"
        )

    # ------------------------------------------------------------------
    # Creating returns from the portal
    # ------------------------------------------------------------------
    @api.model
    def _check_portal_photos(self, photos):
        """Photos are images of reasonable size: refuse anything else before writing.

        The type is read from the content, not from what the browser declared.
        Returns the photos with their detected mimetype.
        """
        if len(photos) > PORTAL_PHOTO_MAX_COUNT:
            raise UserError(
                self.env._("Send at most %(count)s photos with one request.", count=PORTAL_PHOTO_MAX_COUNT)
            )
        checked = []
        for photo in photos:
            content = photo["content"]
            if len(content) > PORTAL_PHOTO_MAX_BYTES:
                raise UserError(
                    self.env._("%(file)s is larger than 10 MB: send a smaller photo.", file=photo["name"])
                )
            mimetype = guess_mimetype(content) if content else None
            if mimetype not in PORTAL_PHOTO_MIMETYPES:
                raise UserError(
                    self.env._("%(file)s is not a photo: send JPEG, PNG or WebP images.", file=photo["name"])
                )
            checked.append({**photo, "mimetype": mimetype})
        return checked

    @api.model
    def _check_portal_comment(self, comment):
        """A comment is text of reasonable length: refuse anything else before writing."""
        comment = (comment or "").strip()
        if "\x00" in comment:
            raise UserError(self.env._("Your comment contains a character that cannot be saved: remove it."))
        if len(comment) > PORTAL_COMMENT_MAX_LENGTH:
            raise UserError(
                self.env._("Your comment is too long: write at most %(max)s characters (%(length)s written).",
                           max=PORTAL_COMMENT_MAX_LENGTH, length=len(comment))
            )
        return comment

    @api.model
    def _prepare_portal_return_values(self, partner, sale_order, line_values, comment):
        """Values of one return requested in the portal; override to add fields."""
        return {
            "partner_id": partner.id,
            "company_id": sale_order.company_id.id,
            "sale_order_id": sale_order.id,
            "requested_via_portal": True,
            "customer_note": comment or False,
            # The salesperson of the order follows the request up, if any.
            "user_id": sale_order.user_id.id or False,
            "line_ids": [fields.Command.create(values) for values in line_values],
        }

    @api.model
    def _prepare_portal_line_values(self, partner, requests):
        """Check every requested row against the customer's returnable goods.

        ``requests``: dicts with sale_line_id, lot_id, quantity, reason_id, requested_outcome.
        Returns {sale.order: [return line values]}; raises UserError on the first bad row.
        """
        if not requests:
            raise UserError(self.env._("Choose at least one product and the quantity to return."))
        commercial = partner.commercial_partner_id
        candidates = {
            (candidate["sale_line_id"].id, candidate["lot_id"].id): candidate
            for candidate in self._get_portal_return_candidates(partner, include_exhausted=True)
        }
        reasons = self._get_portal_reasons(self.env["res.company"].browse(
            {candidate["sale_line_id"].company_id.id for candidate in candidates.values()}
        ))
        outcomes = dict(self.env["return.order.line"]._fields["requested_outcome"].selection)
        lines_by_order = defaultdict(list)
        seen = set()
        for request in requests:
            key = (request["sale_line_id"], request.get("lot_id") or False)
            candidate = candidates.get(key)
            sale_line = candidate and candidate["sale_line_id"]
            # Explicit guard before the sudo create: the line must be one of this customer's
            # delivered lines (a forged form could name any sale line id).
            if not candidate or sale_line.order_id.partner_id.commercial_partner_id != commercial:
                raise UserError(self.env._("This product cannot be returned from your account."))
            product = candidate["product_id"]
            if key in seen:
                raise UserError(self.env._("%s is listed twice: enter its quantity once.", product.display_name))
            seen.add(key)
            qty = request["quantity"]
            rounding = product.uom_id.rounding
            if not math.isfinite(qty) or float_compare(qty, 0.0, precision_rounding=rounding) <= 0:
                raise UserError(self.env._("Enter a positive quantity of %s to return.", product.display_name))
            if float_compare(candidate["returnable_qty"], 0.0, precision_rounding=rounding) <= 0:
                raise UserError(
                    self.env._("%s is already being returned in full: nothing is left to return.",
                               product.display_name)
                )
            if float_compare(qty, candidate["returnable_qty"], precision_rounding=rounding) > 0:
                raise UserError(
                    self.env._(
                        "You can return at most %(max)s of %(product)s.",
                        max=self._portal_format_qty(candidate["returnable_qty"], product.uom_id),
                        product=product.display_name,
                    )
                )
            reason = reasons.browse(request.get("reason_id") or []) & reasons
            if not reason or (reason.company_id and reason.company_id != sale_line.company_id):
                raise UserError(self.env._("Tell us why you return %s.", product.display_name))
            outcome = request.get("requested_outcome")
            lines_by_order[sale_line.order_id].append(
                {
                    "product_id": product.id,
                    "sale_line_id": sale_line.id,
                    "lot_id": candidate["lot_id"].id or False,
                    "product_uom_qty": qty,
                    "reason_id": reason.id,
                    "requested_outcome": outcome if outcome in outcomes else "refund",
                }
            )
        return lines_by_order

    @api.model
    def _create_from_portal(self, partner, requests, comment=None, photos=()):
        """Create and submit the returns a customer asks for, one per sale order.

        ``partner``: the logged-in customer (request.env.user.partner_id), who becomes the
        returns' customer. ``photos``: dicts with name and content (bytes).
        Everything is checked before anything is written: on any error nothing is created.
        """
        photos = self._check_portal_photos(list(photos))
        comment = self._check_portal_comment(comment)
        lines_by_order = self._prepare_portal_line_values(partner, requests)
        # sudo: portal users have no create right on returns (and submitting creates the
        # receipt and activities). Safe because every value comes from the customer's own
        # delivered lines checked just above, and the customer is the logged-in partner.
        returns = self.sudo().create(
            [
                self._prepare_portal_return_values(partner, order, line_values, comment)
                for order, line_values in lines_by_order.items()
            ]
        )
        if photos:
            # Passed as content (not as attachment ids): message_post creates the attachments
            # on each return, linked to the customer's message in the chatter.
            for rma in returns:
                rma.message_post(
                    body=self.env._("Photos sent by the customer."),
                    attachments=[(photo["name"], photo["content"], {"mimetype": photo["mimetype"]})
                                 for photo in photos],
                    author_id=partner.id,
                    message_type="comment",
                    subtype_xmlid="mail.mt_note",
                )
        returns.action_submit()
        return returns.with_env(self.env)

    # ------------------------------------------------------------------
    # Following a return in the portal
    # ------------------------------------------------------------------
    def _portal_label_available(self):
        self.ensure_one()
        return self.state in LABEL_STATES

    @api.model
    def _portal_format_qty(self, quantity, uom):
        """Quantity in the customer's language, no useless decimals: 3, 2.5, 0.125."""
        digits = max(0, math.ceil(-math.log10(uom.rounding))) if uom and uom.rounding else 2
        quantity = round(quantity, digits)
        shown = next(d for d in range(digits + 1) if round(quantity, d) == quantity)
        return formatLang(self.env, quantity, digits=shown)

    def _get_portal_progress(self):
        """Steps shown to the customer: list of (label, status) with status done/current/todo.

        Empty for refused and cancelled returns, which have no progress to show.
        """
        self.ensure_one()
        if self.state in ABANDONED_STATES:
            return []
        steps = [
            (("draft", "to_approve"), self.env._("Requested")),
            (("approved",), self.env._("Approved")),
            (("in_transit",), self.env._("On its way")),
            (("received",), self.env._("Received")),
            (("done",), self.env._("Completed")),
        ]
        current = next(index for index, (states, _label) in enumerate(steps) if self.state in states)
        return [
            (label, "done" if index < current or self.state == "done" else "current" if index == current else "todo")
            for index, (_states, label) in enumerate(steps)
        ]
