# pylint: disable=consider-merging-classes-inherited
# customs.declaration is extended per business concept, one file each: this is the conversation with customs.
import base64
import logging
import threading
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..returns_lib.customs import gateway as gateway_lib
from .return_input_guard import flow_writes

_logger = logging.getLogger(__name__)

# What each DMS notification does to the declaration.
NOTIFICATION_STATES = {
    "accepted": "accepted",
    "rejected": "rejected",
    "control": "control",
    "documents_required": "control",
    "information_requested": "control",
    "released": "released",
    "cleared": "cleared",
    "invalidated": "cancelled",
}
# Declarations with customs, whose notifications are polled.
POLLED_STATES = ("submitted", "accepted", "control", "released")
WITH_CUSTOMS_STATES = ("submitted", "accepted", "control")


class CustomsDeclaration(models.Model):
    _inherit = "customs.declaration"

    gateway_id = fields.Many2one("customs.gateway", check_company=True,
                                 default=lambda self: self.env["customs.gateway"]._for_company(self.env.company))
    submission_pending = fields.Boolean(readonly=True, copy=False, index=True,
                                        help="Queued: the scheduled job submits it, retrying with back-off.")
    submission_attempts = fields.Integer(readonly=True, copy=False)
    next_attempt_at = fields.Datetime(readonly=True, copy=False)
    submitted_at = fields.Datetime(readonly=True, copy=False)
    conversation_id = fields.Char(readonly=True, copy=False)
    last_notification_sequence = fields.Integer(readonly=True, copy=False)
    exchange_ids = fields.One2many("customs.exchange", "declaration_id", "Exchanges", readonly=True)
    notification_ids = fields.One2many("customs.declaration.notification", "declaration_id", "Notifications",
                                       readonly=True)

    # ------------------------------------------------------------------
    # Submission
    # ------------------------------------------------------------------
    def action_submit(self):
        """Check again, then queue checked declarations and submit them now; failures are retried by the
        scheduled job. A declaration that no longer passes its check goes back to draft instead."""
        for declaration in self:
            if declaration.state != "checked":
                raise UserError(self.env._("Check declaration %s before submitting it.", declaration.lrn))
            if not declaration.gateway_id:
                raise UserError(self.env._("Choose the customs gateway of declaration %s.", declaration.lrn))
        # Sent before (a stopped or timed-out attempt): the very same message again, the LRN's only one.
        resent = self.filtered(lambda d: d.submission_attempts and d.xml_attachment_id)
        failed = (self - resent)._recheck_before_use()
        ready = self - failed
        # A first submission rebuilds the message: what is sent is what was just checked.
        (ready - resent)._build_message()
        ready._flow_write({"submission_pending": True, "next_attempt_at": fields.Datetime.now()})
        for declaration in ready:
            declaration._submit_now()
        return self._problems_notification(failed) if failed else True

    def _payload(self):
        self.ensure_one()
        return base64.b64decode(self.xml_attachment_id.datas)

    def _archive_exchange(self, exchange):
        if exchange is not None and (exchange.request or exchange.response):
            self.env["customs.exchange"].sudo().create(self.env["customs.exchange"]._prepare_values(self, exchange))

    def _submit_now(self):
        """One submission attempt. The LRN never changes: a retry after a timeout is safe."""
        self.ensure_one()
        try:
            result = self.gateway_id._get_adapter().submit(self.lrn, self._payload())
        except gateway_lib.GatewayError as error:
            self._archive_exchange(error.exchange)
            attempts = self.submission_attempts + 1
            values = {"submission_attempts": attempts}
            if error.retryable and attempts < (self.gateway_id.max_attempts or 8):
                delay = gateway_lib.backoff_delay(attempts)
                values["next_attempt_at"] = fields.Datetime.now() + timedelta(seconds=delay)
                note = self.env._("Submission attempt %(attempt)s failed: %(error)s Next attempt in %(minutes)s min.",
                                  attempt=attempts, error=error, minutes=round(delay / 60))
            else:
                values["submission_pending"] = False
                note = self.env._("Submission stopped: %(error)s", error=error)
                self.activity_schedule("mail.mail_activity_data_todo", summary=self.env._("Customs submission failed"),
                                       note=note, user_id=self.create_uid.id or self.env.uid)
            self._flow_write(values)
            self.message_post(body=note, subtype_xmlid="mail.mt_note")
            return False
        self._archive_exchange(result.exchange)
        ack = result.value
        self._flow_write({
            "state": "submitted",
            "submission_pending": False,
            "submission_attempts": self.submission_attempts + 1,
            "submitted_at": fields.Datetime.now(),
            "conversation_id": ack.conversation_id,
        })
        self.message_post(
            body=self.env._("Submitted to %(gateway)s (%(status)s).", gateway=self.gateway_id.name, status=ack.status),
            subtype_xmlid="mail.mt_note",
        )
        return True

    # ------------------------------------------------------------------
    # After a rejection: a correction under a new LRN
    # ------------------------------------------------------------------
    def _lock_for_correction(self):
        """Lock the rejected declaration's row: two people correcting it at once make one correction."""
        self.env.cr.execute(SQL("SELECT id FROM customs_declaration WHERE id IN %s FOR UPDATE", tuple(self.ids)),
                            log_exceptions=False)  # contention is retried by Odoo: no ERROR line
        self.invalidate_recordset(["state", "superseded_by_id"])

    def _prepare_correction_values(self):
        """Values of the correction of this rejected declaration; override to carry national fields."""
        self.ensure_one()
        return {"replaces_declaration_id": self.id, "lrn": self.env._("New")}

    def action_resubmit(self):
        """Correct a rejected declaration: customs hold a rejected declaration as never lodged, and its LRN
        as used. The correction is a copy under a new LRN, linked to the rejected one (kept as it was, with
        its notifications and exchanges), checked at once; open it, fix what customs refused and submit."""
        if not self:
            return True
        self._lock_for_correction()
        for declaration in self:
            if declaration.state != "rejected":
                raise UserError(self.env._("Only a rejected declaration is corrected: %s is not.", declaration.lrn))
            if declaration.superseded_by_id:
                raise UserError(self.env._("Declaration %(lrn)s was corrected already by %(correction)s.",
                                           lrn=declaration.lrn, correction=declaration.superseded_by_id.lrn))
        corrections = self.browse()
        for declaration in self:
            with flow_writes():
                correction = declaration.copy(declaration._prepare_correction_values())
                declaration.write({"superseded_by_id": correction.id})
            rejection = declaration.check_result or ""
            declaration.message_post(
                body=self.env._("Corrected by %(lrn)s, to be submitted under that new LRN.", lrn=correction.lrn),
                subtype_xmlid="mail.mt_note",
            )
            correction.message_post(
                body=self.env._("Correction of %(lrn)s, which customs rejected:\n%(errors)s",
                                lrn=declaration.lrn, errors=rejection),
                subtype_xmlid="mail.mt_note",
            )
            if declaration.return_order_id:
                declaration.return_order_id.message_post(
                    body=self.env._("Customs declaration %(old)s was rejected; its correction is %(new)s.",
                                    old=declaration.lrn, new=correction.lrn),
                    subtype_xmlid="mail.mt_note",
                )
            corrections |= correction
        corrections.action_check()
        if len(corrections) == 1:
            return {
                "type": "ir.actions.act_window",
                "res_model": self._name,
                "res_id": corrections.id,
                "view_mode": "form",
                "name": self.env._("Correction"),
            }
        return corrections._get_records_action(name=self.env._("Corrections"))

    # ------------------------------------------------------------------
    # Notifications
    # ------------------------------------------------------------------
    def _poll_notifications(self):
        self.ensure_one()
        try:
            result = self.gateway_id._get_adapter().notifications(self.lrn, self.last_notification_sequence)
        except gateway_lib.GatewayError as error:
            self._archive_exchange(error.exchange)
            _logger.warning("Polling customs declaration %s failed: %s", self.lrn, error)
            return False
        self._archive_exchange(result.exchange)
        if result.value:
            self._apply_notifications(result.value)
        return True

    def _prepare_tax_values(self, notification, record):
        """Rows of the duties and taxes a tax-calculation notification assessed, one per tax type and item."""
        currency_by_name = {}
        rows = []
        for tax in getattr(notification, "taxes", ()) or ():
            name = (tax.currency or notification.currency or self.currency_id.name or "").upper()
            if name not in currency_by_name:
                currency_by_name[name] = self.env["res.currency"].with_context(active_test=False).search(
                    [("name", "=", name)], limit=1) or self.currency_id
            rows.append({
                "declaration_id": self.id,
                "notification_id": record.id,
                "tax_type": tax.type_code,
                "item_number": tax.item or 0,
                "amount": float(tax.amount),
                "base_amount": float(tax.base_amount) if tax.base_amount is not None else 0.0,
                "currency_id": currency_by_name[name].id,
            })
        return rows

    def _apply_notifications(self, notifications):
        """Record the DMS notifications and move the declaration (and tell the return) accordingly."""
        Notification = self.env["customs.declaration.notification"]
        for notification in sorted(notifications, key=lambda n: n.sequence):
            if notification.sequence <= self.last_notification_sequence:
                continue
            errors = "\n".join(
                f"{e.code}: {e.description} ({e.pointer})" if e.pointer else f"{e.code}: {e.description}"
                for e in notification.errors
            )
            record = Notification.create({
                "declaration_id": self.id,
                "sequence": notification.sequence,
                "function_code": notification.function_code,
                "kind": notification.kind,
                "issued_at": fields.Datetime.to_datetime(notification.issued_at.replace(tzinfo=None))
                if notification.issued_at else False,
                "mrn": notification.mrn or False,
                "errors": errors or False,
            })
            taxes = self._prepare_tax_values(notification, record)
            if taxes:
                self.env["customs.declaration.tax"].create(taxes)
            values = {"last_notification_sequence": notification.sequence}
            if notification.mrn and not self.mrn:
                values["mrn"] = notification.mrn
            new_state = NOTIFICATION_STATES.get(notification.kind)
            if new_state:
                values["state"] = new_state
            if notification.kind == "rejected":
                values["check_result"] = self.env._("Rejected by customs:\n%s", errors)
            self._flow_write(values)
            mrn = f" (MRN {notification.mrn})" if notification.mrn else ""
            summary = self.env._("Customs: %(kind)s%(mrn)s", kind=notification.kind.replace("_", " "), mrn=mrn)
            self.message_post(body=summary + (f"\n{errors}" if errors else ""), subtype_xmlid="mail.mt_note")
            if self.return_order_id:
                self.return_order_id.message_post(body=summary, subtype_xmlid="mail.mt_note")
                self.return_order_id._log_event(
                    "customs",
                    source="customs",
                    description=summary,
                    date=record.issued_at or fields.Datetime.now(),
                    res_model=self._name,
                    res_id=self.id,
                )

    # ------------------------------------------------------------------
    # Scheduled job
    # ------------------------------------------------------------------
    @api.model
    def _lock_due(self, domain, limit):
        """Ids of due declarations, locked; rows another worker holds are skipped, never waited for."""
        candidates = self.search(domain, limit=limit * 4, order="id")
        if not candidates:
            return self.browse()
        self.env.cr.execute(SQL(
            "SELECT id FROM customs_declaration WHERE id IN %s ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
            tuple(candidates.ids), limit,
        ))
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    @api.model
    def _cron_process(self, limit=50):
        """Submit due declarations and poll those with customs, each in its own transaction."""
        now = fields.Datetime.now()
        # Tests run in one transaction that must not be committed.
        testing = getattr(threading.current_thread(), "testing", False)
        commit = not (testing or self.env.context.get("customs_no_commit"))
        due = [("submission_pending", "=", True), ("next_attempt_at", "<=", now), ("gateway_id", "!=", False)]
        for _round in range(limit):
            declaration = self._lock_due(due, 1)
            if not declaration:
                break
            declaration._submit_now()
            if commit:
                # Each declaration in its own transaction: the lock is released and the
                # gateway's answer kept, whatever happens to the next one.
                self.env.cr.commit()  # pylint: disable=invalid-commit
        polled = self._lock_due([("state", "in", POLLED_STATES), ("gateway_id", "!=", False)], limit)
        for declaration in polled:
            declaration._poll_notifications()
        if commit:
            self.env.cr.commit()  # pylint: disable=invalid-commit
        return True

    # ------------------------------------------------------------------
    # Cancellation
    # ------------------------------------------------------------------
    def action_cancel(self):
        """Cancel drafts at once; ask customs to invalidate what they hold already."""
        if any(declaration.state in ("released", "cleared") for declaration in self):
            raise UserError(self.env._("A released or cleared declaration cannot be cancelled."))
        with_customs = self.filtered(lambda d: d.state in WITH_CUSTOMS_STATES)
        for declaration in with_customs:
            try:
                result = declaration.gateway_id._get_adapter().cancel(declaration.lrn, self.env._("Return cancelled"))
            except gateway_lib.GatewayError as error:
                declaration._archive_exchange(error.exchange)
                raise UserError(self.env._("Customs could not be asked to cancel %(lrn)s: %(error)s",
                                           lrn=declaration.lrn, error=error)) from error
            declaration._archive_exchange(result.exchange)
            declaration.message_post(
                body=self.env._("Cancellation requested from customs: %s.", result.value), subtype_xmlid="mail.mt_note"
            )
        (self - with_customs)._flow_write({"state": "cancelled", "submission_pending": False})
        return True
