"""Every button of the addons answers what XML-RPC can carry (never a recordset, never None).

A button that returns a recordset or None works in the web client, but over XML-RPC the call is
committed and then answered with a fault ("cannot marshal ..."): an integrator retrying it is
refused. Each object button of the addons' views is pressed on the demo's records (in a savepoint
that is rolled back); refusals (UserError...) are the button saying no in that state and are
skipped; whatever a button answers must go through Odoo's own XML-RPC marshaller.
"""

from lxml import etree

from odoo.exceptions import AccessError, MissingError, RedirectWarning, UserError, ValidationError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from odoo.addons.base.controllers.rpc import OdooMarshaller

ADDONS = ("reverse_logistics", "reverse_logistics_landed_costs", "reverse_logistics_website_sale")
RECORDS_PER_BUTTON = 4
REFUSALS = (UserError, ValidationError, AccessError, MissingError, RedirectWarning)


class _Rollback(Exception):
    pass


@tagged("post_install", "-at_install")
class TestButtonsOverRpc(TransactionCase):
    def _buttons(self):
        """{(model, method)} of every object button in the addons' views."""
        views = self.env["ir.ui.view"].browse(
            self.env["ir.model.data"].search([("module", "in", ADDONS), ("model", "=", "ir.ui.view")]).mapped("res_id")
        )
        buttons = set()
        for view in views.filtered(lambda v: v.type in ("form", "list", "kanban")):
            arch = etree.fromstring(view.arch_db.encode())
            for button in arch.iter("button"):
                if button.get("type") == "object" and button.get("name"):
                    buttons.add((view.model, button.get("name")))
        return buttons

    def _press(self, records, method):
        """The button's answer on ``records``, or None when it refused; nothing it wrote is kept."""
        try:
            with self.env.cr.savepoint():
                answer = getattr(records, method)()
                self.env.flush_all()
                raise _Rollback(answer)
        except _Rollback as rolled_back:
            return rolled_back.args
        except REFUSALS:
            return None
        finally:
            self.env.invalidate_all()

    @mute_logger("odoo.models", "odoo.addons.mail.models.mail_mail", "odoo.addons.reverse_logistics")
    def test_every_button_answers_what_xmlrpc_can_carry(self):
        company = self.env.ref("reverse_logistics.demo_company_es")
        env = self.env(context=dict(self.env.context, allowed_company_ids=[company.id], tracking_disable=True,
                                    mail_notrack=True, mail_create_nolog=True))
        unmarshallable, pressed = [], set()
        for model, method in sorted(self._buttons()):
            Model = env[model]
            if Model._transient or Model._abstract or not hasattr(Model, method):
                continue
            domain = [("company_id", "=", company.id)] if "company_id" in Model._fields else []
            for record in Model.search(domain, order="id desc", limit=RECORDS_PER_BUTTON):
                answer = self._press(record, method)
                if answer is None:
                    continue
                pressed.add((model, method))
                try:
                    OdooMarshaller(allow_none=False).dumps(answer)
                except (TypeError, OverflowError) as error:
                    unmarshallable.append(f"{model}.{method}: {type(answer[0]).__name__} ({error})")
                break
        self.assertEqual(unmarshallable, [], "these buttons' answers cannot go over XML-RPC")
        # Enough buttons went through for the check to mean something (the demo has records in every state).
        self.assertGreater(len(pressed), 40, sorted(pressed))
