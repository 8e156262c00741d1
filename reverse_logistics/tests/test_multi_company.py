from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from ..models.return_input_guard import flow_writes
from .common import ReturnsCase

ADDON = "reverse_logistics"

# Models of the addon that hold no company's data and are shared by every company on purpose
# (the reason is argued on each model too). Any other model must have a company_id and a
# multi-company record rule, or test_every_model_is_isolated_between_companies fails.
SHARED_MODELS = {
    "customs.territory.rule": "law and geography: which customs territory an address belongs to",
    "customs.tariff.code": "public law: a territory's tariff codes and rates are the same for every importer",
    "return.grade": "one condition scale, read whole by the disposition engine and carried by lots and events",
    "return.disposition.type": "the disposition engine's fixed codes, one record each, shipped by the addon",
}

# Every group the addon defines or relies on. System rights too, so that writing a customs
# gateway is refused by the company rule and not merely by the access rights.
ALL_GROUPS = ",".join([
    "reverse_logistics.group_returns_manager",
    "reverse_logistics.group_customs_officer",
    "reverse_logistics.group_refurbished_sales",
    "stock.group_stock_manager",
    "sales_team.group_sale_manager",
    "account.group_account_manager",
    "base.group_system",
])


@tagged("post_install", "-at_install")
class TestMultiCompanyIsolation(ReturnsCase):
    """A user of one company neither sees nor changes any record of the addon that belongs to another."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        spain, usa = cls.env.ref("base.es"), cls.env.ref("base.us")
        # Goods come back from the United States into the EU: each return needs a customs declaration.
        cls.customer.write({"country_id": usa.id, "zip": "78701", "city": "Austin", "street": "1 Main Street"})
        cls.company.partner_id.write({"country_id": spain.id, "zip": "50001", "city": "Zaragoza"})
        cls.warehouse.partner_id = cls.company.partner_id
        cls.company_b = cls.env["res.company"].create(
            {"name": "Isolation B", "country_id": spain.id, "zip": "28001", "city": "Madrid", "street": "Gran Via 1"}
        )
        cls.warehouse_b = cls.env["stock.warehouse"].search([("company_id", "=", cls.company_b.id)], limit=1)
        cls.records_a = cls._company_records(cls.company, cls.warehouse)
        cls.records_b = cls._company_records(cls.company_b, cls.warehouse_b)
        cls.user_b = new_test_user(
            cls.env, "iso_user_b", groups=ALL_GROUPS,
            company_id=cls.company_b.id, company_ids=[Command.set(cls.company_b.ids)],
        )

    @classmethod
    def _company_records(cls, company, warehouse):
        """One record of each company-bound model of the addon, made through the flows of ``company``."""
        env = cls.env(context=dict(cls.env.context, allowed_company_ids=company.ids))
        tag = company.name[:12]
        reason = env["return.reason"].create({"name": f"Broken ({tag})", "code": "ISO", "company_id": company.id})
        policy = env["return.policy"].create({
            "name": f"Policy of {tag}", "company_id": company.id, "sequence": 0,
            "category_ids": [Command.link(cls.category.id)],
        })
        checklist = env["return.inspection.checklist"].create({
            "name": f"Checks of {tag}", "company_id": company.id, "sequence": 0,
            "category_ids": [Command.link(cls.category.id)],
            "question_ids": [Command.create({"name": "Powers on"})],
        })
        gateway = env["customs.gateway"].create({"name": f"Gateway of {tag}", "company_id": company.id})
        for product in (cls.product, cls.product_b):
            env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 10)
        sale = env["sale.order"].create({
            "partner_id": cls.customer.id,
            "company_id": company.id,
            "warehouse_id": warehouse.id,
            "order_line": [
                Command.create({"product_id": product.id, "product_uom_qty": 2, "price_unit": product.list_price})
                for product in (cls.product, cls.product_b)
            ],
        })
        sale.action_confirm()
        for move in sale.picking_ids.move_ids:
            move.quantity = move.product_uom_qty
        sale.picking_ids.move_ids.picked = True
        sale.picking_ids.button_validate()

        rma = env["return.order"].create({
            "partner_id": cls.customer.id,
            "company_id": company.id,
            "sale_order_id": sale.id,
            "warehouse_id": warehouse.id,
            "line_ids": [
                Command.create({"product_id": product.id, "product_uom_qty": 1, "reason_id": reason.id})
                for product in (cls.product, cls.product_b)
            ],
        })
        rma.action_submit()
        if rma.state == "to_approve":
            rma.action_approve()
        rma.action_receive()
        rma.action_prepare_customs_declaration()
        declaration = rma.customs_declaration_ids
        declaration.supporting_document_ids = [Command.create({"type_code": "380", "reference": f"INV/{tag}"})]
        declaration.write({
            "statement_ids": [Command.create({"code": "00500"})],
            "authorisation_ids": [Command.create({"type_code": "DPO", "reference": f"DPO/{tag}",
                                                  "holder_eori": "ESB12345674"})],
            "line_ids": [Command.update(declaration.line_ids[0].id, {
                "package_ids": [Command.create({"type_code": "CT", "count": 1, "marks": tag})]})],
        })
        notification = env["customs.declaration.notification"].create(
            {"declaration_id": declaration.id, "sequence": 1, "function_code": "29", "kind": "acceptance"}
        )
        env["customs.declaration.tax"].create({
            "declaration_id": declaration.id, "notification_id": notification.id, "tax_type": "B00",
            "amount": 21.0, "currency_id": company.currency_id.id,
        })
        env["customs.exchange"].create({"declaration_id": declaration.id, "operation": "submit"})
        # One unit inspected and disposed of; the other still waits for its inspection.
        inspected = rma.inspection_ids.filtered(lambda i: i.product_id == cls.product)
        inspected.answer_ids.result = "pass"
        inspected.grade_id = env.ref("reverse_logistics.grade_b")
        inspected.action_done()
        records = {
            "return.reason": reason,
            "return.policy": policy,
            "return.inspection.checklist": checklist,
            "return.inspection.question": checklist.question_ids,
            "customs.gateway": gateway,
            "return.order": rma,
            "return.order.line": rma.line_ids,
            "return.event": rma.event_ids,
            "return.inspection": rma.inspection_ids,
            "return.inspection.answer": rma.inspection_ids.answer_ids,
            "return.disposition": inspected.disposition_ids,
            "customs.declaration": declaration,
            "customs.declaration.line": declaration.line_ids,
            "customs.declaration.document": declaration.supporting_document_ids,
            "customs.declaration.notification": declaration.notification_ids,
            "customs.declaration.package": declaration.line_ids.package_ids,
            "customs.declaration.statement": declaration.statement_ids,
            "customs.declaration.authorisation": declaration.authorisation_ids,
            "customs.declaration.tax": declaration.tax_assessment_ids,
            "customs.exchange": declaration.exchange_ids,
            "return.credit.aging": env["return.credit.aging"].search([("order_id", "=", rma.id)]),
            "return.sustainability.report": env["return.sustainability.report"].search([("order_id", "=", rma.id)]),
            **cls._resale_records(env, company, warehouse),
            **cls._hub_records(env, company, warehouse),
            **cls._excess_records(env, company),
            **cls._packaging_records(env, company, warehouse),
        }
        for model, recordset in records.items():
            assert recordset and set(recordset.company_id) == {company}, f"{model}: no record of {company.name}"
        return records

    @classmethod
    def _resale_records(cls, env, company, warehouse):
        """A channel and a listing of ``company`` (the listing as the disposition flow writes it, as superuser)."""
        channel = env["resale.channel"].create({"name": f"Shop of {company.name[:12]}", "company_id": company.id})
        listing = env["resale.listing"].create({
            "company_id": company.id, "product_id": cls.product.id, "quantity": 1,
            "grade_id": env.ref("reverse_logistics.grade_b").id,
            "location_id": warehouse.secondary_market_location_id.id, "channel_ids": [Command.link(channel.id)],
        })
        offer = env["resale.offer"].sudo().create({"listing_id": listing.id, "channel_id": channel.id})
        return {"resale.channel": channel, "resale.listing": listing, "resale.offer": offer.sudo(False)}

    @classmethod
    def _hub_records(cls, env, company, warehouse):
        """A return hub of ``company`` with a served origin and an outbound mode."""
        hub = env["return.hub"].create({
            "name": f"Hub of {company.name[:12]}", "company_id": company.id, "warehouse_id": warehouse.id,
            "area_ids": [Command.create({"territory_code": "EU"})],
            "mode_ids": [Command.create({"mode": "road", "vehicle_class": "artic_34_40t", "per_kg": 0.1})],
        })
        records = {"return.hub": hub, "return.hub.area": hub.area_ids, "return.hub.mode": hub.mode_ids,
                   "return.parcel.rate": env["return.parcel.rate"].create(
                       {"company_id": company.id, "zone": "domestic", "per_parcel": 5.0, "transit_days": 2})}
        records.update(cls._consolidation_records(env, hub))
        return records

    @classmethod
    def _excess_records(cls, env, company):
        """A return agreement of ``company`` with a trade customer."""
        customer = env["res.partner"].create({"name": f"Distributor of {company.name[:12]}", "is_company": True})
        agreement = env["return.agreement"].create({
            "name": f"Rotation of {company.name[:12]}", "company_id": company.id, "partner_id": customer.id,
            "date_end": "2099-12-31",
        })
        return {"return.agreement": agreement}

    @classmethod
    def _packaging_records(cls, env, company, warehouse):
        """Pallets delivered by ``company`` (the ledger and its balance) and a proposed write-off of one."""
        pallet = env["product.product"].search([("default_code", "=", "ISO-PALLET")]) or env["product.product"].create(
            {"name": "Pallet", "default_code": "ISO-PALLET", "is_storable": True, "returnable_packaging": True,
             "packaging_deposit_price": 10.0})
        env["stock.quant"]._update_available_quantity(pallet, warehouse.lot_stock_id, 5)
        order = env["sale.order"].create({
            "partner_id": cls.customer.id, "company_id": company.id, "warehouse_id": warehouse.id,
            "order_line": [Command.create({"product_id": pallet.id, "product_uom_qty": 2})],
        })
        order.action_confirm()
        order.picking_ids.move_ids.write({"quantity": 2, "picked": True})
        order.picking_ids.button_validate()
        writeoff = env["returnable.packaging.writeoff"].create({
            "company_id": company.id, "partner_id": cls.customer.id, "product_id": pallet.id, "quantity": 1,
            "reason": "Lost",
        })
        Ledger = env["returnable.packaging.move"]
        return {"returnable.packaging.move": Ledger.search([("picking_id", "=", order.picking_ids.id)]),
                "returnable.packaging.balance": env["returnable.packaging.balance"].search(
                    [("company_id", "=", company.id), ("product_id", "=", pallet.id)]),
                "returnable.packaging.writeoff": writeoff}

    @classmethod
    def _consolidation_records(cls, env, hub):
        """A load at the hub, as the arrival flow opens it."""
        with flow_writes():
            load = env["return.consolidation"].create({"hub_id": hub.id, "warehouse_id": hub.warehouse_id.id})
        return {"return.consolidation": load}

    def _addon_models(self):
        """Names of the stored models the addon defines, from the database's own model registry."""
        xmlids = self.env["ir.model.data"].search([("module", "=", ADDON), ("model", "=", "ir.model")])
        names = set(self.env["ir.model"].browse(xmlids.mapped("res_id")).mapped("model"))
        # A model of the addon that a later module extends carries that module's XML id only.
        names |= {name for name in self.env["ir.model"].search([]).mapped("model")
                  if getattr(self.env.registry.get(name), "_original_module", None) == ADDON}
        return sorted(
            name for name in names
            if self.env[name]._original_module == ADDON and not self.env[name]._abstract
            and not self.env[name]._transient
        )

    def test_every_model_is_isolated_between_companies(self):
        models = self._addon_models()
        self.assertIn("return.order", models)
        self.assertIn("customs.declaration.line", models)
        self.assertLessEqual(set(SHARED_MODELS), set(models), "a shared model listed above no longer exists")
        for name in models:
            with self.subTest(model=name):
                if name in SHARED_MODELS:
                    self.assertNotIn("company_id", self.env[name]._fields,
                                     f"{name} belongs to companies now: remove it from SHARED_MODELS")
                    continue
                self.assertIn("company_id", self.env[name]._fields,
                              f"{name} has no company: give it one and a record rule, or argue it into SHARED_MODELS")
                self.assertIn(name, self.records_b, f"_company_records makes no {name}: add it")
                Model = self.env[name].with_context(active_test=False)
                others = Model.search([("company_id", "not in", [self.company_b.id, False])])
                first = others.filtered(lambda r: r.company_id == self.company)
                self.assertTrue(first, f"no {name} of the first company")
                as_b = Model.with_user(self.user_b)
                visible = as_b.search([])
                self.assertFalse(set(visible.ids) & set(others.ids), f"{name}: B sees another company's records")
                self.assertEqual(as_b.search_count([("id", "in", others.ids)]), 0)
                own_or_shared = Model.search_count([("company_id", "in", [self.company_b.id, False])])
                self.assertEqual(as_b.search_count([]), own_or_shared, f"{name}: B sees its own and shared ones")
                # Not simply nothing: B's own records stay in reach of B.
                own = self.records_b[name]
                self.assertLessEqual(set(own.ids), set(visible.ids), f"{name}: B does not see its own records")
                self.assertEqual(len(as_b.browse(own.ids).read(["display_name"])), len(own))
                theirs = as_b.browse(others.ids)
                with self.assertRaises(AccessError):
                    theirs.read()
                # The access check itself: some models refuse every write in their own write()
                # (events are immutable), which would hide a missing rule from a plain write.
                for operation in ("write", "unlink"):
                    with self.assertRaises(AccessError):
                        theirs.check_access(operation)

    def test_shared_models_are_read_by_every_company(self):
        for name in SHARED_MODELS:
            with self.subTest(model=name):
                shared = self.env[name].search([])
                self.assertTrue(shared, f"the addon ships {name} records")
                self.assertEqual(self.env[name].with_user(self.user_b).search([]), shared)

    def test_children_cannot_be_added_to_another_companys_documents(self):
        declaration = self.records_a["customs.declaration"]
        inspection = self.records_a["return.inspection"].filtered(lambda i: i.state == "to_inspect")
        checklist = self.records_a["return.inspection.checklist"]
        attempts = [
            ("customs.declaration.line",
             {"declaration_id": declaration.id, "hs_code": "94017100", "name": "Smuggled chair"}),
            ("customs.declaration.document",
             {"declaration_id": declaration.id, "type_code": "380", "reference": "FAKE"}),
            ("customs.declaration.notification",
             {"declaration_id": declaration.id, "sequence": 9, "function_code": "29", "kind": "acceptance"}),
            ("customs.declaration.package", {"line_id": declaration.line_ids[0].id, "type_code": "PK"}),
            ("customs.declaration.statement", {"declaration_id": declaration.id, "code": "00500"}),
            ("customs.declaration.authorisation",
             {"declaration_id": declaration.id, "type_code": "DPO", "reference": "X", "holder_eori": "ESB12345674"}),
            ("return.inspection.answer",
             {"inspection_id": inspection.id, "question_id": checklist.question_ids.id, "result": "fail"}),
            ("return.inspection.question", {"checklist_id": checklist.id, "name": "Planted question"}),
        ]
        for model, values in attempts:
            with self.subTest(model=model), self.assertRaises(AccessError):
                self.env[model].with_user(self.user_b).create(values)

    def test_answers_keep_to_the_questions_of_their_company(self):
        """An inspection of B cannot be answered with a question of A's own checklist."""
        inspection = self.records_b["return.inspection"].filtered(lambda i: i.state == "to_inspect")
        question_a = self.records_a["return.inspection.question"]
        with self.assertRaises(UserError):
            self.env["return.inspection.answer"].create({"inspection_id": inspection.id, "question_id": question_a.id})

    def test_wizards_cannot_be_pointed_at_another_companys_records(self):
        sale_a = self.records_a["return.order"].sale_order_id
        pending = self.env["return.order"].create({
            "partner_id": self.customer.id,
            "sale_order_id": sale_a.id,
            "line_ids": [Command.create({"product_id": self.product.id, "product_uom_qty": 1,
                                         "reason_id": self.reason_defect.id})],
        })
        pending.action_submit()
        state = pending.state
        disposition = self.records_a["return.disposition"]
        waiting = self.records_a["return.inspection"].filtered(lambda i: i.state == "to_inspect")
        env_b = self.env(user=self.user_b)
        wizards = [
            ("return.order.refuse.wizard", {"return_order_ids": [Command.set(pending.ids)], "reason": "x"},
             "action_refuse"),
            ("return.order.override.wizard", {"return_order_ids": [Command.set(pending.ids)], "reason": "x"},
             "action_approve"),
            ("return.disposition.override.wizard",
             {"disposition_ids": [Command.set(disposition.ids)], "type_id": disposition.type_id.id, "reason": "x"},
             "action_apply"),
        ]
        for model, values, method in wizards:
            with self.subTest(wizard=model), self.assertRaises(AccessError):
                getattr(env_b[model].create(values), method)()
        with self.assertRaises(UserError, msg="B's batch inspection finds nothing of A's to inspect"):
            env_b["return.inspection.batch.wizard"].with_context(
                active_model="return.inspection", active_ids=waiting.ids
            ).create({})
        batch = env_b["return.inspection.batch.wizard"].with_context(
            active_model="return.inspection", active_ids=self.records_b["return.inspection"].ids
        ).create({})
        batch.line_ids = [Command.create({"inspection_id": waiting.id, "grade_id": self.env.ref(
            "reverse_logistics.grade_a").id})]
        with self.assertRaises(AccessError):
            batch.action_apply()
        # The return lines read their source documents as superuser (quantities already returned):
        # a sale line of A given without its order must be refused all the same.
        for company, sale_order in ((self.company, sale_a), (self.company_b, sale_a), (self.company_b, None)):
            with self.subTest(wizard="return.order.wizard", company=company.name, with_order=bool(sale_order)), \
                    self.assertRaises(UserError):
                env_b["return.order.wizard"].create({
                    "sale_order_id": sale_order and sale_order.id,
                    "partner_id": self.customer.id,
                    "company_id": company.id,
                    "warehouse_id": self.warehouse_b.id,
                    "line_ids": [Command.create({
                        "product_id": self.product.id, "sale_line_id": sale_a.order_line[:1].id,
                        "delivered_qty": 2, "returnable_qty": 2, "quantity": 1,
                    })],
                }).action_create_return()
        self.assertEqual((pending.state, disposition.state, waiting.state), (state, "proposed", "to_inspect"))
