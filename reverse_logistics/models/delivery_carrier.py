import secrets

from odoo import fields, models


class DeliveryCarrier(models.Model):
    """How a carrier tells us where returned parcels are: webhook in, tracking URL polled out."""

    _inherit = "delivery.carrier"

    return_webhook_secret = fields.Char(
        "Webhook Secret", copy=False, groups="base.group_system",
        help="Shared secret of the HMAC-SHA256 signature (header X-Signature: sha256=<hex>) the carrier puts "
        "on every event it posts. Without a secret, every posted event is refused.",
    )
    return_webhook_url = fields.Char("Webhook Address", compute="_compute_return_webhook_url")
    return_tracking_url = fields.Char(
        "Tracking URL",
        help="Polled by the scheduled job for returns in transit, with {tracking_ref} replaced by the parcel's "
        "tracking number, e.g. https://api.carrier.example/track/{tracking_ref}. It answers the same JSON "
        "events as the webhook.",
    )
    return_tracking_timeout = fields.Integer(
        "Tracking Timeout (s)", default=10, help="How long one poll waits for the carrier's answer."
    )

    def _compute_return_webhook_url(self):
        # The address to give the carrier: it depends on nothing stored, only on the server.
        for carrier in self:
            carrier.return_webhook_url = (
                f"{carrier.get_base_url()}/reverse_logistics/carrier/{carrier.id}/events" if carrier.id else False
            )

    def action_generate_return_webhook_secret(self):
        for carrier in self:
            carrier.return_webhook_secret = secrets.token_urlsafe(32)
        return True
