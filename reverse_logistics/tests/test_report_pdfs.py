import io
import re
from unittest import skipIf

import lxml.html

from odoo.tests import HttpCase, tagged
from odoo.tools.pdf import PdfFileReader

from odoo.addons.base.models import ir_actions_report

from .common import ReturnsCase

EXPORT_MRN = "24ES004641100000A2"


def read_pdf(pdf):
    """What a PDF shows: its pages, their text (whitespace removed: wkhtmltopdf's text runs break
    anywhere), whether any page uses a font, and how many paths (subpaths, ``m`` operators) it draws.
    """
    reader = PdfFileReader(io.BytesIO(pdf))
    pages = [reader.getPage(number) for number in range(reader.getNumPages())]
    text = re.sub(r"\s+", "", "".join(page.extractText() for page in pages))
    has_fonts = any(page["/Resources"].get("/Font") for page in pages)
    paths = sum(len(re.findall(rb"\sm\s", page.getContents().getData())) for page in pages)
    return {"pages": len(pages), "text": text, "has_fonts": bool(has_fonts), "paths": paths}


def assert_real_pdf(case, report, records, expected):
    """``report`` prints ``records`` as a real PDF that shows the ``expected`` strings; returns read_pdf's.

    Debian's wkhtmltopdf (Qt 5, unpatched) draws text set in a CSS web font as glyph outlines, not as
    text, and every font of Odoo's report layouts (Lato, Roboto, ...: company.font) is a web font: the
    PDF then has no font and no text to extract. The strings are then checked in the HTML the PDF is
    printed from, and the PDF must draw at least one outline per character of the document's text
    (a blank, cut or unstyled page does not).
    """
    Report = case.env["ir.actions.report"]
    html = Report._render_qweb_html(report, records.ids)[0]
    articles = lxml.html.fromstring(html).xpath("//div[contains(concat(' ', @class, ' '), ' article ')]")
    printed = re.sub(r"\s+", "", "".join(article.text_content() for article in articles))
    pdf, report_type = Report.with_context(force_report_rendering=True)._render_qweb_pdf(report, records.ids)
    case.assertEqual(report_type, "pdf")
    case.assertTrue(pdf.startswith(b"%PDF-"), f"{report} did not render a PDF: {pdf[:80]!r}")
    shown = read_pdf(pdf)
    case.assertGreaterEqual(shown["pages"], 1)
    for string in expected:
        case.assertTrue(string in printed, f"{string!r} is not in the document printed by {report}")
        if shown["has_fonts"]:
            case.assertTrue(string in shown["text"], f"{string!r} is not in the PDF of {report}")
    if not shown["has_fonts"]:
        case.assertGreaterEqual(shown["paths"], len(printed), f"{report}: the PDF does not draw the whole text")
    return shown


@tagged("post_install", "-at_install")
@skipIf(ir_actions_report.wkhtmltopdf_state != "ok", "wkhtmltopdf is not installed")
class TestReportPdfs(HttpCase, ReturnsCase):
    """The customs documents and the destruction certificate print as real PDFs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        china = cls.env.ref("base.cn")
        cls._set_up_customs_parties()
        cls.product_serial.write({"hs_code": "8517130000", "country_of_origin": china.id, "weight": 0.2})
        cls.category.write({"return_vendor_shipping_cost": 5.0, "return_vendor_credit_percent": 80.0,
                            "return_destruction_fee": 3.0})
        cls.vendor = cls.env["res.partner"].create({"name": "Shenzhen Phones Ltd", "country_id": china.id})
        cls.env["product.supplierinfo"].create({
            "partner_id": cls.vendor.id, "product_tmpl_id": cls.product_serial.product_tmpl_id.id, "price": 300.0,
        })
        cls.types = {t.code: t for t in cls.env["return.disposition.type"].search([])}

    def setUp(self):
        super().setUp()
        # wkhtmltopdf fetches the report's styles from this test server.
        self.env["ir.config_parameter"].sudo().set_param("report.url", self.base_url())

    # ------------------------------------------------------------------
    def _approved_return(self, order, lines):
        rma = self._return_from_sale(order, lines)
        rma.action_submit()
        if rma.state == "to_approve":
            rma.action_approve()
        return rma

    def _relief_declaration(self, qty):
        order = self._deliver_sale(self.customer, [(self.product, qty)])
        order.picking_ids.export_mrn = EXPORT_MRN
        rma = self._approved_return(order, [(self.product, qty, {})])
        rma.action_prepare_customs_declaration()
        declaration = rma.customs_declaration_ids
        self.assertEqual(declaration.kind, "import_relief")
        return rma, declaration

    def _disposition(self, serial, grade, disposition_type, reason):
        """``serial`` sold, returned, received, inspected with ``grade`` and disposed of as ``disposition_type``."""
        order = self._deliver_sale(self.customer, [(self.product_serial, 1)], lots=serial)
        rma = self._approved_return(order, [(self.product_serial, 1, {"lot_id": serial.id})])
        rma.action_receive()
        inspection = rma.inspection_ids
        self.assertEqual(len(inspection), 1)
        inspection.answer_ids.filtered(lambda a: a.answer_type == "pass_fail").result = "pass"
        inspection.grade_id = self.env.ref(grade)
        inspection.action_done()
        disposition = inspection.disposition_ids
        disposition._decide(self.types[disposition_type], reason)
        return rma, disposition

    # ------------------------------------------------------------------
    def test_proforma_invoice_and_inf3_sheet_of_a_returned_goods_relief_claim(self):
        rma, declaration = self._relief_declaration(2)
        assert_real_pdf(self, "reverse_logistics.action_report_customs_proforma", declaration,
                        (declaration.lrn, rma.name, "8471300000", "Nopaymentisdue"))
        assert_real_pdf(self, "reverse_logistics.action_report_customs_inf3", declaration,
                        (declaration.lrn, EXPORT_MRN, "ES004641", "ReturnedGoodsInformationSheet"))

    def test_commercial_invoice_of_a_return_to_a_foreign_vendor(self):
        _rma, disposition = self._disposition(self.serials[0], "reverse_logistics.grade_c", "return_to_vendor",
                                              "Under the vendor's 12-month warranty")
        declaration = disposition.customs_declaration_id
        self.assertEqual(declaration.kind, "export")
        assert_real_pdf(self, "reverse_logistics.action_report_customs_commercial_invoice", declaration,
                        (declaration.lrn, "8517130000", "China", "CommercialInvoice", "ConsigneeShenzhenPhonesLtd"))

    def test_destruction_certificate(self):
        serial = self.serials[2]
        rma, disposition = self._disposition(serial, "reverse_logistics.grade_scrap", "destroy",
                                             "Data-bearing device: destroyed on request of the customer")
        scrap = disposition.scrap_id
        self.assertEqual(scrap.state, "done")
        assert_real_pdf(self, "reverse_logistics.action_report_destruction_certificate", disposition,
                        (scrap.name, rma.name, serial.name, "CertificateofDestruction", "Data-bearingdevice"))
