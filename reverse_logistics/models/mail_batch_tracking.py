from contextlib import contextmanager

from markupsafe import escape

from odoo import models
from odoo.exceptions import MissingError
from odoo.tools import SQL


class MailBatchTracking(models.AbstractModel):
    """Tracking messages of a batch of records written in one go, the same messages as Odoo's.

    Odoo writes the tracking message of each changed record on its own: ``message_post`` when the
    change has a subtype (about a dozen queries: the thread's first message, alias domain, company,
    reply-to, the followers to notify), ``_message_log`` otherwise. Approving or receiving hundreds of
    returns at once then spends more on their chatter than on the work. Here the messages of the batch
    are prepared with the same values, created in one ``create``, and only the records whose followers
    are to be notified of the subtype go through ``_notify_thread`` (found with one query for the
    batch); those without anyone to notify end there, as ``_notify_thread`` would.

    What is not run: ``message_post`` overrides of other modules, which a tracking message does not
    call for (their keyword arguments are not passed by tracking).

    A model of ``mail.thread`` inherits this mixin and sends its batches here from its own
    ``_message_track`` (the mixin cannot override it: it sits after ``mail.thread`` in the model's
    classes), keeping Odoo's path for a single record::

        def _message_track(self, fields_iter, initial_values_dict):
            if len(self) < 2:
                return super()._message_track(fields_iter, initial_values_dict)
            return self._message_track_batch(fields_iter, initial_values_dict)

    A model of Odoo's own (``stock.picking``) batches only the addon's records and leaves the others
    on Odoo's path, with ``_tracking_notes_kept_for``.
    """

    _name = "return.batch.tracking.mixin"
    _description = "Batched tracking messages"

    @contextmanager
    def _tracking_notes_kept_for(self, others):
        """Inside, the tracking bodies and authors queued for this model leave out those of ``others``;
        they are queued again after. Odoo's tracking and the batch both take every entry of the model, so
        a batch of some records must not take the notes of the records tracked on Odoo's path after it."""
        data = self.env.cr.precommit.data
        kept = {}
        for key in (f"mail.tracking.message.{self._name}", f"mail.tracking.author.{self._name}"):
            entries = data.get(key)
            if entries and others:
                kept[key] = {record_id: entries.pop(record_id) for record_id in others._ids if record_id in entries}
        try:
            yield
        finally:
            for key, entries in kept.items():
                if entries:
                    data.setdefault(key, {}).update(entries)

    def _message_track_batch(self, fields_iter, initial_values_dict):
        """``mail.thread._message_track`` for a batch: the same tracking, its messages created at once."""
        if not fields_iter:
            return {}
        tracked_fields = self.fields_get(fields_iter, attributes=("string", "type", "selection", "currency_field"))
        tracking = {}
        for record in self:
            try:
                tracking[record.id] = record._mail_track(tracked_fields, initial_values_dict[record.id])
            except MissingError:
                continue
        bodies = self.env.cr.precommit.data.pop(f"mail.tracking.message.{self._name}", {})
        authors = self.env.cr.precommit.data.pop(f"mail.tracking.author.{self._name}", {})
        posted, logged = [], []
        existing_subtypes = {}
        for record in self:
            changes, tracking_value_ids = tracking.get(record.id, (None, None))
            if not changes:
                continue
            subtype = record._track_subtype({name: initial_values_dict[record.id][name] for name in changes})
            if subtype and subtype not in existing_subtypes:
                existing_subtypes[subtype] = bool(subtype.exists())
            entry = {
                "record": record,
                "author_id": authors[record.id].id if record.id in authors else None,
                "body": bodies[record.id] if record.id in bodies else record._track_get_default_log_message(changes),
                "tracking_value_ids": tracking_value_ids,
            }
            if subtype:
                if existing_subtypes[subtype]:
                    posted.append(dict(entry, subtype=subtype))
            elif tracking_value_ids:
                logged.append(entry)
        if posted:
            self._post_tracking_batch(posted)
        if logged:
            self._log_tracking_batch(logged)
        return tracking

    def _tracking_authors(self, entries, raise_on_email):
        """{author_id given: (author_id, email_from)}, computed once per author as message_post does."""
        return {
            given: self._message_compute_author(given, None, raise_on_email=raise_on_email)
            for given in {entry["author_id"] for entry in entries}
        }

    def _post_tracking_batch(self, entries):
        """What ``message_post(body, author_id, subtype_id, tracking_value_ids)`` does, for a batch."""
        records = self.browse([entry["record"].id for entry in entries])
        authors = self._tracking_authors(entries, raise_on_email=True)
        alias_domains = records.sudo()._mail_get_alias_domains(default_company=self.env.company)
        companies = records._mail_get_companies(default=self.env.company)
        reply_tos = {
            email_from: records._notify_get_reply_to(default=email_from)
            for email_from in {email_from for _author, email_from in authors.values()}
        }
        parents = self._tracking_thread_parents(records) if self._mail_flat_thread else {}
        values_list = []
        for entry in entries:
            record = entry["record"]
            author_id, email_from = authors[entry["author_id"]]
            values_list.append({
                "email_add_signature": True,
                "record_name": record.sudo().display_name,
                "author_id": author_id,
                "author_guest_id": False,
                "email_from": email_from,
                "model": self._name,
                "res_id": record.id,
                "body": escape(entry["body"]),
                "message_type": "notification",
                "parent_id": parents.get(record.id, False),
                "subject": False,
                "subtype_id": entry["subtype"].id,
                "partner_ids": [],
                "record_alias_domain_id": alias_domains[record.id].id,
                "record_company_id": companies[record.id].id,
                "reply_to": reply_tos[email_from][record.id],
            })
        messages = self._message_create(values_list)
        self._create_tracking_values(messages, entries)
        to_notify = self._tracking_records_to_notify(entries, values_list)
        for entry, message, values in zip(entries, messages, values_list, strict=True):
            record = entry["record"]
            record._message_post_after_hook(message, values)
            if record.id in to_notify:
                record._notify_thread(message, values)

    def _log_tracking_batch(self, entries):
        """What ``_message_log(body, author_id, tracking_value_ids)`` does, for a batch."""
        authors = self._tracking_authors(entries, raise_on_email=False)
        reply_tos = {
            email_from: self.env["mail.thread"]._notify_get_reply_to(default=email_from)[False]
            for email_from in {email_from for _author, email_from in authors.values()}
        }
        note = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
        values_list = []
        for entry in entries:
            author_id, email_from = authors[entry["author_id"]]
            values_list.append({
                "author_id": author_id,
                "email_from": email_from,
                "model": self._name,
                "res_id": entry["record"].id,
                "record_alias_domain_id": False,
                "record_company_id": False,
                "record_name": False,
                "attachment_ids": False,
                "message_type": "notification",
                "is_internal": True,
                "subject": False,
                "subtype_id": note,
                "email_add_signature": False,
                "partner_ids": False,
                "reply_to": reply_tos[email_from],
                "body": escape(entry["body"]),
            })
        messages = self.sudo()._message_create(values_list)
        self._create_tracking_values(messages, entries)
        return messages

    def _create_tracking_values(self, messages, entries):
        """The messages' tracking values in one create (``mail.message.create`` makes one per message)."""
        self.env["mail.tracking.value"].sudo().create([
            dict(command[2], mail_message_id=message.id)
            for message, entry in zip(messages, entries, strict=True)
            for command in entry["tracking_value_ids"]
        ])

    def _tracking_thread_parents(self, records):
        """{record id: its thread's first message}, what ``_message_compute_parent_id`` finds, in one query."""
        rows = self.env.execute_query(SQL(
            """SELECT res_id, MIN(id) FROM mail_message
                WHERE model = %s AND res_id IN %s AND message_type != 'user_notification'
                GROUP BY res_id""",
            self._name, tuple(records.ids),
        ))
        return dict(rows)

    def _tracking_records_to_notify(self, entries, values_list):
        """Ids of the records with a follower to notify of their message's subtype, other than its author.

        ``_notify_get_recipients`` leaves out the acting user (or the author when that user is
        inactive) and inactive partners; a record left with nobody has nothing to notify.
        """
        to_notify = set()
        by_subtype = {}
        for entry in entries:
            by_subtype.setdefault(entry["subtype"].id, []).append(entry["record"].id)
        authors_by_record = {values["res_id"]: values["author_id"] for values in values_list}
        notify_author = self.env.context.get("mail_notify_author")
        for subtype_id, record_ids in by_subtype.items():
            recipients = self.env["mail.followers"]._get_recipient_data(
                self.browse(record_ids), "notification", subtype_id, []
            )
            for record_id in record_ids:
                if notify_author:
                    skipped = False
                elif self.env.user.active:
                    skipped = self.env.user.partner_id.id
                else:
                    skipped = authors_by_record[record_id]
                if any(pid != skipped and data["active"] is not False
                       for pid, data in recipients.get(record_id, {}).items() if pid):
                    to_notify.add(record_id)
        return to_notify
