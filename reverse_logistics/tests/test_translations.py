"""Translations: the templates hold what Odoo exports, and people read the addon in their own language.

German customers get German e-mails, portal pages and return labels, French customers French ones,
and a Spanish back-office user works in Spanish: menus, statuses and the refusals the code raises.
The expected words are read from the addon's own language files, so the tests follow the translators.
"""

import ast
import io
from pathlib import Path

import polib
from lxml import etree

from odoo.exceptions import UserError
from odoo.modules.module import get_module_path
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools.translate import trans_export

from .common import ReturnsCase

ADDONS = ("reverse_logistics", "reverse_logistics_landed_costs", "reverse_logistics_website_sale")


def _language_file(addon, language):
    return polib.pofile(str(Path(get_module_path(addon)) / "i18n" / f"{language}.po"))


def _demo_xmlids(addon):
    """``addon.xmlid`` of every record its demo files define: their terms are not part of the template."""
    path = Path(get_module_path(addon))
    manifest = ast.literal_eval((path / "__manifest__.py").read_text())
    xmlids = set()
    for name in manifest.get("demo", []):
        for node in etree.parse(str(path / name)).iter("record", "template", "menuitem"):
            if node.get("id"):
                xmlid = node.get("id") if "." in node.get("id") else f"{addon}.{node.get('id')}"
                # A product variant's record also names its template, which Odoo creates with it.
                xmlids.update((xmlid, f"{xmlid}_product_template"))
    return xmlids


@tagged("post_install", "-at_install")
class TestTranslationTemplates(ReturnsCase):
    def test_each_template_holds_the_terms_odoo_exports_from_the_code(self):
        installed = self.env["ir.module.module"].search([("name", "in", ADDONS), ("state", "=", "installed")])
        self.assertIn("reverse_logistics", installed.mapped("name"))
        for addon in installed.mapped("name"):
            buffer = io.BytesIO()
            trans_export(None, [addon], buffer, "po", self.env.cr)
            demo = _demo_xmlids(addon)
            exported = {
                entry.msgid for entry in polib.pofile(buffer.getvalue().decode())
                if not all(occurrence.split(":")[-1] in demo for occurrence, _line in entry.occurrences)
            }
            template = Path(get_module_path(addon)) / "i18n" / f"{addon}.pot"
            shipped = {entry.msgid for entry in polib.pofile(str(template))}
            self.assertEqual(sorted(exported - shipped)[:10], [],
                             f"{addon}: new terms missing from i18n/{addon}.pot (run scripts/export_translations.sh)")
            self.assertEqual(sorted(shipped - exported)[:10], [],
                             f"{addon}: i18n/{addon}.pot holds terms no longer used")


class LanguagesCase(ReturnsCase):
    LANGUAGES = {"de": "de_DE", "fr": "fr_FR", "es": "es_ES"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for code in cls.LANGUAGES.values():
            cls.env["res.lang"]._activate_lang(code)
        cls.env["ir.module.module"].search([("name", "=", "reverse_logistics")])._update_translations(
            list(cls.LANGUAGES.values()))
        cls.words = {short: {entry.msgid: entry.msgstr for entry in _language_file("reverse_logistics", short)}
                     for short in cls.LANGUAGES}

    def _in(self, short, msgid):
        translation = self.words[short][msgid]
        self.assertTrue(translation and translation != msgid, f"{msgid!r} has no {short} translation of its own")
        return translation


@tagged("post_install", "-at_install")
class TestCustomerLanguages(LanguagesCase):
    def _approved_return_of(self, partner):
        order = self._deliver_sale(partner, [(self.product, 1)])
        rma = self._return_from_sale(order, [(self.product, 1, {})])
        # Without the suite's tracking_disable: e-mails go out as in production.
        self._approve(rma.with_env(self.env(context={})))
        return rma

    def test_a_german_customer_gets_the_approval_email_in_german(self):
        self.customer.lang = "de_DE"
        rma = self._approved_return_of(self.customer)
        mail = self.env["mail.mail"].search([("model", "=", "return.order"), ("res_id", "=", rma.id)])
        self.assertEqual(len(mail), 1)
        subject = self._in("de", "Your return {{ object.name }} is approved").replace("{{ object.name }}", rma.name)
        self.assertEqual(mail.subject, subject)
        self.assertNotIn("is approved", mail.body_html)

    def test_the_return_label_prints_in_the_customers_language(self):
        self.customer.lang = "de_DE"
        rma = self._approved_return_of(self.customer)
        html = self.env["ir.actions.report"]._render_qweb_html(
            "reverse_logistics.action_report_return_label", rma.ids)[0].decode()
        self.assertIn(self._in("de", "How to return"), html)
        self.assertNotIn("How to return", html)

    def test_a_spanish_user_reads_menus_statuses_and_refusals_in_spanish(self):
        clerk = new_test_user(self.env, "clerk_es", groups="reverse_logistics.group_returns_manager", lang="es_ES")
        env = self.env(user=clerk, context={"lang": "es_ES"})
        menu = env.ref("reverse_logistics.menu_returns_root")
        self.assertEqual(menu.name, self._in("es", "Returns"))
        states = dict(env["return.order"]._fields["state"]._description_selection(env))
        self.assertEqual(states["to_approve"], self._in("es", "To Approve"))
        rma = self._return_from_sale(self._deliver_sale(self.customer, [(self.product, 1)]), [(self.product, 1, {})])
        with self.assertRaises(UserError) as refused:
            rma.with_env(env).action_receive()
        self.assertIn(self._in("es", "Draft"), str(refused.exception), "the state in Spanish")
        self.assertNotIn("Cannot receive", str(refused.exception))


def _template_terms(template):
    """Sentences (three words or more, no markup) of a QWeb template of the addon, from its .pot."""
    pot = polib.pofile(str(Path(get_module_path("reverse_logistics")) / "i18n" / "reverse_logistics.pot"))
    where = f"model_terms:ir.ui.view,arch_db:reverse_logistics.{template}"
    return [entry.msgid for entry in pot
            if any(occurrence == where for occurrence, _line in entry.occurrences)
            and "<" not in entry.msgid and len(entry.msgid.split()) >= 3]


@tagged("post_install", "-at_install")
class TestPortalLanguages(HttpCase, LanguagesCase):
    def _assert_page_in(self, short, page, template):
        """The page shows its template in that language: some of its sentences translated, none in English."""
        terms = _template_terms(template)
        self.assertTrue(terms, template)
        english = [term for term in terms if term in page and term != self.words[short][term]]
        self.assertEqual(english, [], f"{template}: sentences left in English")
        self.assertTrue(any(self.words[short][term] in page for term in terms),
                        f"{template}: none of its sentences is shown in {short}")

    def test_a_german_customer_reads_every_portal_page_in_german(self):
        portal = new_test_user(self.env, "portal_de", groups="base.group_portal", lang="de_DE",
                               email="portal.de@example.com")
        self._deliver_sale(portal.partner_id, [(self.product, 2)])
        self.authenticate("portal_de", "portal_de")
        self._assert_page_in("de", self.url_open("/my/returns").text, "portal_my_returns")
        self._assert_page_in("de", self.url_open("/my/returns/new").text, "portal_new_return")
        rma = self._return_from_sale(self._deliver_sale(portal.partner_id, [(self.product, 1)]),
                                     [(self.product, 1, {})])
        self._approve(rma)
        self._assert_page_in("de", self.url_open(f"/my/returns/{rma.id}").text, "portal_return_page")

    def test_a_french_customer_reads_the_portal_in_french(self):
        portal = new_test_user(self.env, "portal_fr", groups="base.group_portal", lang="fr_FR",
                               email="portal.fr@example.com")
        self._deliver_sale(portal.partner_id, [(self.product, 1)])
        self.authenticate("portal_fr", "portal_fr")
        page = self.url_open("/my/returns").text
        self.assertIn(self._in("fr", "There is no return to show."), page)
        self.assertNotIn("There is no return to show.", page)
