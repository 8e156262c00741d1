"""A 500-line excess-stock proposal is checked, created and received in one batch, in queries per line that do
not grow with the list."""

import logging

from odoo.tests import tagged

from .test_return_excess import ExcessCase

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestExcessVolume(ExcessCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agreement.share_percent = 100.0
        cls.counter = 0

    def _catalogue(self, count):
        """``count`` products of the range, each invoiced 3 units in two invoice lines a month apart."""
        type(self).counter += 1
        products = self.env["product.product"].create([
            {"name": f"Volume item {self.counter}-{index}", "default_code": f"VOL-{self.counter}-{index}",
             "is_storable": True, "categ_id": self.range_category.id}
            for index in range(count)
        ])
        for months_ago, qty in ((3, 2), (2, 1)):
            self._invoice([(product, qty, 5.0) for product in products], months_ago=months_ago)
        return products

    def _queries(self, func, *args):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.env.cr.sql_log_count
        result = func(*args)
        self.env.flush_all()
        return self.env.cr.sql_log_count - before, result

    def _propose_and_receive(self, products):
        """(queries to check and create, queries to receive, the return) of a proposal of 3 of each product."""
        create_queries, (rma, _decision) = self._queries(
            self.agreement._create_excess_return, [(product, 3) for product in products])
        rma.action_submit()
        rma.action_approve()
        receive_queries, _result = self._queries(rma.action_receive)
        return create_queries, receive_queries, rma

    def test_queries_per_line_do_not_grow_with_the_list(self):
        small = self._propose_and_receive(self._catalogue(10))
        large = self._propose_and_receive(self._catalogue(40))
        # 20 and 80 return lines (each product drawn on two invoice lines).
        self.assertEqual((len(small[2].line_ids), len(large[2].line_ids)), (20, 80))
        _logger.info("excess volume: check+create %s -> %s, receive %s -> %s queries", small[0], large[0], small[1],
                     large[1])
        per_line_create = (large[0] - small[0]) / 60
        per_line_receive = (large[1] - small[1]) / 60
        # The check and the create read and write each kind of record once for the whole list.
        self.assertLess(per_line_create, 1, f"check and create: {small[0]} -> {large[0]} queries")
        self.assertLess(per_line_receive, 15, f"receive: {small[1]} -> {large[1]} queries")

    def test_a_500_line_return_in_one_batch(self):
        products = self._catalogue(250)
        create_queries, receive_queries, rma = self._propose_and_receive(products)
        self.assertEqual(len(rma.line_ids), 500)
        self.assertEqual(rma.state, "received")
        self.assertEqual(sum(rma.line_ids.mapped("qty_received")), 750.0)
        self.assertEqual(len(rma.inspection_ids), 500)
        _logger.info("excess volume 500 lines: check+create %s, receive %s queries", create_queries, receive_queries)
        self.assertLess(create_queries, 200, "a fixed number of queries, whatever the list's length")
        self.assertLess(receive_queries / 500, 15)
        # Each product's older invoice line first.
        first = rma.line_ids.filtered(lambda line: line.product_id == products[0])
        self.assertEqual(first.mapped("product_uom_qty"), [2.0, 1.0])
        self.assertEqual(first.invoice_line_id.move_id.mapped("invoice_date"),
                         sorted(first.invoice_line_id.move_id.mapped("invoice_date")))
