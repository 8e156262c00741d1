from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError


class ReturnInspection(models.Model):
    """The inspection of one received serial, or of a received quantity of an untracked product."""

    _name = "return.inspection"
    _inherit = ["return.input.guard"]
    _description = "Return Inspection"
    _order = "state desc, id"
    _check_company_auto = True
    # What was received, where, and when it was inspected by whom: the flows' (return_input_guard.py).
    _flow_readonly_fields = True
    # What the inspector records; fixed once the inspection is done.
    _FINDINGS = ("grade_id", "defects", "expired", "answer_ids", "photo_ids")

    line_id = fields.Many2one("return.order.line", "Return Line", required=True, ondelete="cascade", index=True,
                              readonly=True)
    order_id = fields.Many2one(related="line_id.order_id", store=True, index=True, string="Return")
    company_id = fields.Many2one(related="line_id.company_id", store=True, index=True)
    product_id = fields.Many2one("product.product", required=True, readonly=True, index=True)
    product_categ_id = fields.Many2one(related="product_id.categ_id", string="Product Category")
    lot_id = fields.Many2one("stock.lot", "Lot/Serial Number", readonly=True, index="btree_not_null")
    quantity = fields.Float(digits="Product Unit of Measure", required=True, readonly=True, default=1.0)
    product_uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    location_id = fields.Many2one("stock.location", "Where", readonly=True, help="Where the unit waits.")
    picking_id = fields.Many2one("stock.picking", "Receipt", readonly=True, index="btree_not_null")
    warehouse_id = fields.Many2one(related="order_id.warehouse_id")
    state = fields.Selection(
        [("to_inspect", "To Inspect"), ("done", "Inspected")], default="to_inspect", required=True, index=True,
        readonly=True,
    )
    checklist_id = fields.Many2one("return.inspection.checklist", readonly=True)
    answer_ids = fields.One2many("return.inspection.answer", "inspection_id", "Answers")
    suggested_grade_id = fields.Many2one(
        "return.grade", compute="_compute_suggested_grade_id",
        help="The best grade the failed checks allow.",
    )
    grade_id = fields.Many2one("return.grade", index=True)
    defects = fields.Text(help="What is wrong with the unit, in the inspector's words.")
    photo_ids = fields.Many2many("ir.attachment", string="Photos")
    expired = fields.Boolean(
        compute="_compute_expired", store=True, readonly=False,
        help="Past its expiration date: never restocked nor resold.",
    )
    hazardous = fields.Boolean(compute="_compute_hazardous")
    inspected_by_policy = fields.Boolean(
        "Inspected", default=True, readonly=True,
        help="Unchecked when the return policy requires no inspection: the unit went straight on.",
    )
    inspector_id = fields.Many2one("res.users", readonly=True)
    date_inspected = fields.Datetime("Inspected On", readonly=True)
    disposition_ids = fields.One2many("return.disposition", "inspection_id", readonly=True)

    @api.depends("order_id.name", "product_id", "lot_id")
    def _compute_display_name(self):
        for inspection in self:
            parts = [inspection.order_id.name, inspection.product_id.display_name]
            if inspection.lot_id:
                parts.append(inspection.lot_id.name)
            inspection.display_name = " / ".join(part for part in parts if part)

    @api.depends("answer_ids.result", "answer_ids.question_id.fail_grade_id")
    def _compute_suggested_grade_id(self):
        for inspection in self:
            caps = inspection.answer_ids.filtered(lambda a: a.result == "fail").question_id.fail_grade_id
            inspection.suggested_grade_id = caps.sorted(lambda g: (g.sequence, g.id))[-1:] if caps else False

    @api.depends("lot_id")
    def _compute_expired(self):
        # product_expiry adds expiration_date to lots; without it an inspector ticks the box.
        now = fields.Datetime.now()
        for inspection in self:
            expiration = inspection.lot_id["expiration_date"] if "expiration_date" in inspection.lot_id else False
            inspection.expired = bool(expiration and expiration <= now)

    @api.depends("product_id.return_hazardous", "product_id.categ_id.return_hazardous")
    def _compute_hazardous(self):
        for inspection in self:
            product = inspection.product_id
            inspection.hazardous = product.return_hazardous or product.categ_id.return_hazardous

    # ------------------------------------------------------------------
    # Creation from receipts
    # ------------------------------------------------------------------
    @api.model
    def _create_from_receipt_moves(self, moves):
        """One inspection per received serial or lot, one per received quantity of an untracked product.

        Lines whose policy requires no inspection go straight on: their inspection is completed
        at once with the best grade, and a disposition is proposed.
        """
        values = []
        for move in moves:
            common = {
                "line_id": move.return_line_id.id,
                "product_id": move.product_id.id,
                "picking_id": move.picking_id.id,
            }
            if move.has_tracking != "none":
                for move_line in move.move_line_ids:
                    values.append({
                        **common,
                        "lot_id": move_line.lot_id.id,
                        "quantity": move_line.product_uom_id._compute_quantity(
                            move_line.quantity, move.product_id.uom_id
                        ),
                        "location_id": move_line.location_dest_id.id,
                    })
            else:
                values.append({
                    **common,
                    "quantity": move.product_uom._compute_quantity(move.quantity, move.product_id.uom_id),
                    "location_id": move.location_dest_id.id,
                })
        inspections = self.create(values)
        uninspected = inspections.filtered(
            lambda i: i.line_id.policy_id and not i.line_id.policy_id.inspection_required
        )
        if uninspected:
            best_grade = self.env["return.grade"].search([("sellable_as_new", "=", True)], limit=1)
            uninspected.write({"grade_id": best_grade.id, "inspected_by_policy": False})
            uninspected._complete(source="system")
        return inspections

    @api.model_create_multi
    def create(self, vals_list):
        self = self._prepare_guarded_create(vals_list)
        vals_list = [dict(vals) for vals in vals_list]  # the caller's values stay as they were
        products = self.env["product.product"].browse([vals["product_id"] for vals in vals_list])
        lines = self.env["return.order.line"].browse([vals["line_id"] for vals in vals_list])
        categories_by_company = defaultdict(lambda: self.env["product.category"])
        for line, product in zip(lines, products, strict=True):
            categories_by_company[line.company_id] |= product.categ_id
        checklists_by_company = {
            company: self.env["return.inspection.checklist"]._get_by_category(categories, company)
            for company, categories in categories_by_company.items()
        }
        for vals, product, line in zip(vals_list, products, lines, strict=True):
            if "checklist_id" not in vals:
                checklist = checklists_by_company[line.company_id].get(product.categ_id)
                vals["checklist_id"] = checklist.id if checklist else False
                if checklist and "answer_ids" not in vals:
                    vals["answer_ids"] = [Command.create({"question_id": q.id}) for q in checklist.question_ids]
        return super().create(vals_list)

    def action_load_checklist(self):
        """Give units waiting for inspection the checklist of their category, e.g. one set up since they arrived."""
        waiting = self.filtered(lambda i: i.state == "to_inspect")
        for company, inspections in waiting.grouped("company_id").items():
            checklists = self.env["return.inspection.checklist"]._get_by_category(
                inspections.product_id.categ_id, company
            )
            for inspection in inspections:
                checklist = checklists.get(inspection.product_id.categ_id)
                if checklist and checklist != inspection.checklist_id:
                    inspection._flow_write({
                        "checklist_id": checklist.id,
                        "answer_ids": [Command.clear()]
                        + [Command.create({"question_id": q.id}) for q in checklist.question_ids],
                    })
        return True

    def write(self, vals):
        if set(self._FINDINGS) & set(vals) and not self._in_flow_action():
            self._check_findings_editable()
        return super().write(vals)

    def _check_findings_editable(self):
        done = self.filtered(lambda i: i.state == "done")
        if done:
            raise UserError(
                self.env._("%s is inspected already: its findings can no longer change.",
                           ", ".join(done.mapped("display_name")))
            )

    # ------------------------------------------------------------------
    # Completion
    # ------------------------------------------------------------------
    def _problems(self):
        """Everything that keeps these inspections from being completed, as sentences."""
        problems = []
        for inspection in self:
            label = inspection.display_name
            if inspection.state != "to_inspect":
                problems.append(self.env._("%s is inspected already.", label))
                continue
            if not inspection.grade_id:
                problems.append(self.env._("%s: give a grade.", label))
            for answer in inspection.answer_ids.filtered(lambda a: a.question_id.required and not a._is_answered()):
                problems.append(
                    self.env._("%(unit)s: answer “%(question)s”.", unit=label, question=answer.question_id.name)
                )
            cap = inspection.suggested_grade_id
            if cap and inspection.grade_id and inspection.grade_id.sequence < cap.sequence:
                failed = inspection.answer_ids.filtered(
                    lambda a, c=cap: a.result == "fail" and a.question_id.fail_grade_id == c
                )
                problems.append(
                    self.env._(
                        "%(unit)s failed “%(question)s”: it can be graded %(cap)s at best, not %(grade)s.",
                        unit=label,
                        question=failed[:1].question_id.name,
                        cap=cap.name,
                        grade=inspection.grade_id.name,
                    )
                )
        return problems

    def action_done(self):
        """Complete the inspections (all of them or none) and propose a disposition for each unit."""
        problems = self._problems()
        if problems:
            raise ValidationError(
                self.env._("The inspections cannot be completed yet:\n%s", "\n".join(problems))
            )
        self._complete(source="user")
        return True

    def _complete(self, source):
        self._flow_write({
            "state": "done",
            "inspector_id": self.env.user.id if source == "user" else False,
            "date_inspected": fields.Datetime.now(),
        })
        self.env["return.event"]._record([
            {
                "order_id": inspection.order_id.id,
                "line_id": inspection.line_id.id,
                "product_id": inspection.product_id.id,
                "lot_id": inspection.lot_id.id,
                "event_type": "inspected",
                "grade_id": inspection.grade_id.id,
                "location_id": inspection.location_id.id,
                "source": source,
                # The grade is on the event for staff; the description is what a customer may read.
                "description": (
                    False if inspection.inspected_by_policy
                    else self.env._("No inspection required by the return policy")
                ),
                "res_model": self._name,
                "res_id": inspection.id,
            }
            for inspection in self
        ])
        return self.env["return.disposition"]._create_from_inspections(self)

    def action_view_disposition(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "return.disposition",
            "res_id": self.disposition_ids[:1].id,
            "view_mode": "form",
        }


class ReturnInspectionAnswer(models.Model):
    _name = "return.inspection.answer"
    _inherit = ["return.input.guard"]
    _description = "Inspection Answer"
    _order = "inspection_id, sequence, id"
    _check_company_auto = True
    # An answer stays on its inspection and its question (see return_input_guard.py).
    _flow_fields = ("inspection_id", "question_id")

    inspection_id = fields.Many2one("return.inspection", required=True, ondelete="cascade", index=True)
    # Stored for the multi-company record rule: answers tell what is wrong with a company's goods.
    company_id = fields.Many2one(related="inspection_id.company_id", store=True, index=True)
    # A question of the company's own checklist or of a shared one, never another company's.
    question_id = fields.Many2one("return.inspection.question", required=True, ondelete="restrict",
                                  check_company=True)
    sequence = fields.Integer(related="question_id.sequence", store=True)
    answer_type = fields.Selection(related="question_id.answer_type")
    result = fields.Selection([("pass", "Pass"), ("fail", "Fail")])
    value = fields.Char()
    note = fields.Char()

    def write(self, vals):
        # An answer is a finding of its inspection: fixed once that inspection is done.
        self._check_flow_fields(vals)
        if not self._in_flow_action():
            self.inspection_id._check_findings_editable()
        return super().write(vals)

    def _is_answered(self):
        self.ensure_one()
        return bool(self.result) if self.answer_type == "pass_fail" else bool((self.value or "").strip())

    @api.depends("inspection_id.display_name", "question_id.name")
    def _compute_display_name(self):
        for answer in self:
            answer.display_name = ": ".join(filter(None, (answer.inspection_id.display_name, answer.question_id.name)))
