"""Records of the addon are named as people name them in messages and screens, never "model,id"."""

from odoo import models
from odoo.tests import tagged

from .common import ReturnsCase

ADDONS = ("reverse_logistics", "reverse_logistics_landed_costs", "reverse_logistics_website_sale")


@tagged("post_install", "-at_install")
class TestDisplayNames(ReturnsCase):
    def test_every_stored_model_of_the_addons_names_its_records(self):
        unnamed = []
        for name, Model in self.env.registry.items():
            if Model._abstract or Model._transient or Model._original_module not in ADDONS:
                continue
            overridden = Model._compute_display_name is not models.BaseModel._compute_display_name
            if not (Model._rec_name or overridden):
                unnamed.append(name)
        self.assertEqual(unnamed, [], "a refusal naming one of these records would read 'model,id'")

    def test_a_return_line_is_named_by_its_return_and_product(self):
        order = self._deliver_sale(self.customer, [(self.product, 2)])
        rma = self._return_from_sale(order, [(self.product, 1, {})])
        line = rma.line_ids
        self.assertEqual(line.display_name, f"{rma.name}: {self.product.display_name}")
        self.assertNotIn("return.order.line", line.display_name)
