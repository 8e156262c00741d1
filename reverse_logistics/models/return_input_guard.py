"""What a user may write on a return: never the fields the flows own, and only sane values.

``readonly=True`` is a promise of the user interface only: over XML-RPC or JSON-RPC any user with
write access can still write such a field, and a computed field keeps the written value until it
is recomputed. For returns that would let a clerk approve, backdate or reprice a return without
the checks of the actions. Models inheriting this mixin refuse those writes unless they come from
the flows themselves (``_flow_write``) or from trusted server code running as superuser (data
files, flows whose ``sudo()`` is argued where it is called). The flag is a context variable, not a
context key: a client can send any context key, it cannot set a Python context variable.

Values are checked too, so that bad input gets a clear error instead of a database error: text
without NUL characters and of bounded length, finite numbers, integers the database can store,
dates that are dates, selection values that exist.
"""

import contextlib
import contextvars
import math

import psycopg2.errors

from odoo import fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

_FLOW_WRITE = contextvars.ContextVar("reverse_logistics_flow_write", default=False)

# Longest text accepted per field type; a model narrows it per field with ``_text_limits``.
TEXT_LIMITS = {"char": 1_000, "text": 10_000, "html": 200_000}
INT32 = (-(2**31), 2**31 - 1)
# No quantity or amount of a return comes near this; beyond it rounding to the field's digits overflows.
FLOAT_LIMIT = 1e12


@contextlib.contextmanager
def flow_writes():
    """Within this block, the flows may write (and create records with) the fields users may not."""
    token = _FLOW_WRITE.set(True)
    try:
        yield
    finally:
        _FLOW_WRITE.reset(token)


class ReturnInputGuard(models.AbstractModel):
    _name = "return.input.guard"
    _description = "Checks of What Users Write on Returns"

    # Stored fields, besides the computed ones, that only the flows write (states, approvals...).
    _flow_fields = ()
    # True for records that users never edit field by field (dispositions, declarations): every
    # field this addon declares readonly is then the flows' too.
    _flow_readonly_fields = False
    # Field name -> longest text accepted, where tighter than TEXT_LIMITS.
    _text_limits = {}

    def _in_flow(self):
        return self.env.su or _FLOW_WRITE.get()

    def _in_flow_action(self):
        """Inside an action's own write: for business rules that hold for the superuser too."""
        return _FLOW_WRITE.get()

    def _get_flow_fields(self):
        flow = {name for name, field in self._fields.items() if field.compute and field.readonly}
        if self._flow_readonly_fields:
            flow |= {name for name, field in self._fields.items()
                     if field.readonly and field._module == "reverse_logistics"}
        return flow | set(self._flow_fields)

    def _check_flow_fields(self, field_names):
        """Refuse values for fields the flows own, unless we are in a flow."""
        if self._in_flow():
            return
        blocked = sorted(set(field_names) & self._get_flow_fields())
        if blocked:
            # Who may not write the record at all is told so first.
            self.check_access("write")
            raise UserError(
                self.env._(
                    "%(fields)s of %(model)s cannot be set by hand: they change through the actions "
                    "(Submit, Approve, Refuse, Receive...) or are computed.",
                    fields=", ".join(self._fields[name]._description_string(self.env) for name in blocked),
                    model=self._description,
                )
            )

    def _check_input_values(self, vals):
        """Refuse values the database would choke on, with a message saying which field is wrong."""
        for name, value in vals.items():
            field = self._fields.get(name)
            if field is None or value is False or value is None:
                continue
            label = field._description_string(self.env)
            if field.type in TEXT_LIMITS and isinstance(value, str):
                if "\x00" in value:
                    raise ValidationError(self.env._("%s contains a NUL character: remove it.", label))
                limit = self._text_limits.get(name, TEXT_LIMITS[field.type])
                if len(value) > limit:
                    raise ValidationError(
                        self.env._("%(field)s is too long: at most %(limit)s characters (%(length)s given).",
                                   field=label, limit=limit, length=len(value))
                    )
            elif field.type in ("float", "monetary") and not isinstance(value, bool):
                if not isinstance(value, (int, float)) or not math.isfinite(value):
                    raise ValidationError(self.env._("%(field)s must be a number (%(value)r given).",
                                                     field=label, value=value))
                if abs(value) > FLOAT_LIMIT:
                    raise ValidationError(self.env._("%(field)s: %(value)s is out of range.", field=label, value=value))
            elif field.type in ("integer", "many2one") and not isinstance(value, models.BaseModel):
                is_number = isinstance(value, int) or (field.type == "integer" and isinstance(value, float))
                if isinstance(value, bool) or not is_number or not INT32[0] <= value <= INT32[1]:
                    raise ValidationError(
                        self.env._("%(field)s: %(value)r is not a valid value.", field=label, value=value)
                    )
            elif field.type in ("date", "datetime"):
                try:
                    if field.type == "date":
                        fields.Date.to_date(value)
                    else:
                        fields.Datetime.to_datetime(value)
                except (ValueError, TypeError, OverflowError) as error:
                    raise ValidationError(
                        self.env._("%(field)s: %(value)r is not a valid date.", field=label, value=value)
                    ) from error
            elif field.type == "selection" and isinstance(value, str):
                if value not in (field.get_values(self.env) or []):
                    raise ValidationError(
                        self.env._("%(field)s: %(value)r is not one of the choices.", field=label, value=value)
                    )

    def _check_guarded_values(self, vals_list):
        """Values and fields of records about to be created, e.g. lines inside their return's create."""
        for vals in vals_list:
            self._check_input_values(vals)
        self._check_flow_fields({name for vals in vals_list for name in vals})

    def _prepare_guarded_create(self, vals_list):
        """Check the values of a create, and drop context defaults of the fields the flows own.

        Call it first in ``create``, before the model adds values of its own. A ``default_state``
        (or any ``default_<flow field>``) sent by a client would otherwise set the field through
        ``default_get``. Returns the recordset to create with.
        """
        self._check_guarded_values(vals_list)
        if self._in_flow():
            return self
        flow_fields = self._get_flow_fields()
        context = {
            key: value for key, value in self.env.context.items()
            if not (key.startswith("default_") and key[len("default_"):] in flow_fields)
        }
        if len(context) == len(self.env.context):
            return self
        # The whole context is replaced on purpose: keys are removed, which keyword arguments cannot do.
        return self.with_context(context)  # pylint: disable=context-overridden

    def write(self, vals):
        self._check_input_values(vals)
        self._check_flow_fields(vals)
        return super().write(vals)

    def _lock_rows_or_refuse(self, busy_message):
        """Lock the records' rows for the decision that follows, or refuse with ``busy_message``.

        NOWAIT: of two transactions deciding on the same records at once, the second gets a clear
        message at once instead of waiting and then failing on a serialisation error. The caller
        re-reads and re-checks after the lock, so a transaction that started before the winner
        committed is refused too (its lock fails on the row the winner changed).
        """
        if not self:
            return
        self.flush_recordset()
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(SQL(
                    "SELECT id FROM %s WHERE id IN %s FOR NO KEY UPDATE NOWAIT", SQL.identifier(self._table),
                    tuple(self.ids),
                ), log_exceptions=False)  # a busy row is answered with busy_message: no ERROR line
        except (psycopg2.errors.LockNotAvailable, psycopg2.errors.SerializationFailure) as error:
            raise UserError(busy_message) from error
        self.invalidate_recordset()

    def _lock_rows_for_update(self):
        """Lock the records' rows before a write that concurrent transactions make too, waiting for them.

        In repeatable read, a row another transaction changed and committed fails the lock with a
        serialisation error, which Odoo answers by running the request again on fresh data: expected
        contention, so the lock is taken here without the ERROR line the write itself would log.
        """
        if not self:
            return
        self.flush_recordset()
        self.env.cr.execute(SQL(
            "SELECT id FROM %s WHERE id IN %s ORDER BY id FOR NO KEY UPDATE", SQL.identifier(self._table),
            tuple(self.ids),
        ), log_exceptions=False)

    def _flow_write(self, vals):
        """Write as the flow that decided it: states, approval data, dates."""
        with flow_writes():
            return self.write(vals)
