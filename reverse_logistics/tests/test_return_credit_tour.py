"""An accountant goes from the accounting dashboard to the return credits left to explain, in a browser."""

from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestReturnCreditTour(HttpCase):
    def test_the_dashboard_leads_to_the_unlinked_credit_note_of_the_demo(self):
        admin = self.env.ref("base.user_admin")
        admin.company_id = self.env.ref("reverse_logistics.demo_company_es")
        self.start_tour("/odoo/accounting", "reverse_logistics_return_credits_dashboard", login="admin")
