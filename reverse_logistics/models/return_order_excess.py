# pylint: disable=consider-merging-classes-inherited
# Returns of kind "excess": one business concept across the return and its lines.
"""Excess-stock returns follow the normal approval, receipt, inspection and credit flows, with the agreement
in place of the return policy.

- The agreement decides what may come back (return_agreement_proposal.py); the policy's window, which
  counts days since delivery, has nothing to say about stock rotated after months. A return of kind
  excess is in policy while its agreement is in force, and is approved at once only when the agreement
  says so.
- Its lines are checked again on submission and approval under the agreement's lock: a line changed by
  hand (a quantity raised, a product added) cannot take more than the allowance left, nor a product the
  agreement does not cover. The returnable ledger (return_order_line_returnable.py) still checks every
  invoice line, as for any return.
- The agreement's restocking fee replaces the policy's; the credit comes after inspection (the agreement
  requires a condition), from the invoice line each line was drawn on.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..returns_lib import policy as policy_lib

AGREEMENT_NOT_IN_FORCE = "excess_agreement_not_in_force"
AGREEMENT_NOT_AUTO = "excess_agreement_not_auto"


class _ExcessFinding(policy_lib.Finding):
    """A finding on an excess return; blocking when the agreement is missing or not in force."""

    @property
    def blocking(self):
        return self.code == AGREEMENT_NOT_IN_FORCE


class ReturnOrder(models.Model):
    _inherit = "return.order"

    return_agreement_id = fields.Many2one(
        "return.agreement", readonly=True, index="btree_not_null", check_company=True,
        copy=False, groups="base.group_user",
        help="The agreement an excess-stock return was proposed and checked under.",
    )
    return_agreement_condition = fields.Selection(related="return_agreement_id.condition",
                                                  string="Required Condition", groups="base.group_user")

    def _get_flow_fields(self):
        # Set by the proposal that checked the return against its agreement, never by hand.
        return super()._get_flow_fields() | {"return_agreement_id"}

    def _evaluate_policy(self):
        if self.return_kind != "excess":
            return super()._evaluate_policy()
        agreement = self.return_agreement_id
        date = fields.Date.to_date(self.date_requested or fields.Datetime.now())
        if not agreement or not agreement._is_valid(date):
            return policy_lib.Verdict((_ExcessFinding(AGREEMENT_NOT_IN_FORCE),))
        if not agreement.auto_approve:
            return policy_lib.Verdict((_ExcessFinding(AGREEMENT_NOT_AUTO),))
        return policy_lib.Verdict(())

    def _describe_findings(self, findings):
        messages = []
        for finding in findings:
            if finding.code == AGREEMENT_NOT_IN_FORCE:
                messages.append(self.env._(
                    "An excess-stock return needs a return agreement in force: %(agreement)s.",
                    agreement=self.return_agreement_id.name or self.env._("none")))
            elif finding.code == AGREEMENT_NOT_AUTO:
                messages.append(self.env._("Checked against agreement %(agreement)s; a person approves it.",
                                           agreement=self.return_agreement_id.name))
        others = [finding for finding in findings if finding.code not in (AGREEMENT_NOT_IN_FORCE, AGREEMENT_NOT_AUTO)]
        return messages + (super()._describe_findings(others) if others else [])

    @api.depends("return_kind", "return_agreement_id.auto_approve", "return_agreement_id.state")
    def _compute_policy_verdict(self):  # pylint: disable=missing-return
        super()._compute_policy_verdict()

    # ------------------------------------------------------------------
    # Checked again on submission and approval
    # ------------------------------------------------------------------
    def action_submit(self):
        self._check_excess_agreement()
        return super().action_submit()

    def _approve(self):
        self._check_excess_agreement()
        return super()._approve()

    def _check_excess_agreement(self):
        """The excess returns' lines as they are now: from the customer's invoice lines, of products the
        agreement still covers, within the allowance left besides them. Decided under the agreement's lock."""
        orders = self.filtered(lambda order: order.return_kind == "excess")
        if not orders:
            return
        problems = []
        for order in orders.filtered(lambda o: not o.return_agreement_id):
            problems.append(self.env._(
                "%(order)s is an excess-stock return without an agreement: propose it from the customer's return "
                "agreement (Returns > Configuration > Return Agreements), which checks it.", order=order.name))
        if problems:
            raise UserError("\n".join(problems))
        agreements = orders.return_agreement_id
        agreements._check_valid(fields.Date.context_today(self))
        agreements._lock_rows_or_refuse(self.env._(
            "Another proposal under agreement %s is being decided right now: try again in a moment.",
            ", ".join(agreements.mapped("name"))))
        for agreement in agreements:
            agreement_orders = orders.filtered(lambda o, a=agreement: o.return_agreement_id == a)
            lines = agreement_orders.line_ids
            unsourced = lines.filtered(lambda line: not line.invoice_line_id)
            for line in unsourced:
                problems.append(self.env._(
                    "%(order)s: %(product)s is not drawn on an invoice line of %(customer)s: an excess-stock return "
                    "is credited at the prices paid, propose it again from the agreement.",
                    order=line.order_id.name, product=line.product_id.display_name,
                    customer=agreement.partner_id.display_name))
            facts = agreement._product_facts(lines.product_id.with_context(active_test=False))
            for line in lines:
                product_facts = facts[line.product_id.id]
                if not product_facts.in_range or product_facts.discontinued:
                    problems.append(self.env._(
                        "%(order)s: %(product)s is %(why)s: it cannot come back under agreement %(agreement)s.",
                        order=line.order_id.name, product=line.product_id.display_name, agreement=agreement.name,
                        why=self.env._("discontinued") if product_facts.in_range else self.env._("not in its range")))
            figures = agreement._allowance_figures(exclude_orders=agreement_orders)
            value = sum(lines.mapped("price_subtotal"))
            if agreement.currency_id.compare_amounts(value, figures["left"]) > 0:
                share = f"{agreement.share_percent:g}"
                problems.append(self.env._(
                    "%(orders)s: %(value)s is above what agreement %(agreement)s still allows (%(left)s of its "
                    "%(share)s %% of purchases): lower the quantities or propose the return again.",
                    orders=", ".join(agreement_orders.mapped("name")),
                    value=agreement.currency_id.format(value), left=agreement.currency_id.format(figures["left"]),
                    agreement=agreement.name, share=share))
        if problems:
            raise UserError("\n".join(problems))
        # sudo: the stamp is the check's (see _create_excess_return), not an edit of the agreement.
        agreements.sudo()._flow_write({"date_last_check": fields.Datetime.now()})


class ReturnOrderLine(models.Model):
    _inherit = "return.order.line"

    @api.depends("order_id.return_kind")
    def _compute_policy_id(self):
        excess = self.filtered(lambda line: line.order_id.return_kind == "excess")
        # The agreement stands in for the policy: its window, fees and credit moment do not apply.
        excess.policy_id = False
        return super(ReturnOrderLine, self - excess)._compute_policy_id()

    @api.depends("order_id.return_kind")
    def _compute_price_unit(self):
        excess = self.filtered(lambda line: line.order_id.return_kind == "excess" and line.invoice_line_id)
        result = super(ReturnOrderLine, self - excess)._compute_price_unit()
        for line in excess:
            # The price paid on the invoice line drawn on, as the agreement's check valued it (not the sale
            # order's, which an invoice may have changed).
            line.price_unit = line._source_price_unit(line.product_id, self.env["sale.order.line"],
                                                      line.invoice_line_id.sudo())
        return result

    @api.depends("order_id.return_kind", "order_id.return_agreement_id.restocking_fee_percent")
    def _compute_price_subtotal(self):
        excess = self.filtered(lambda line: line.order_id.return_kind == "excess")
        result = super(ReturnOrderLine, self - excess)._compute_price_subtotal()
        for line in excess:
            line.price_subtotal = line.price_unit * line.product_uom_qty
            rate = line.order_id.return_agreement_id.restocking_fee_percent
            line.restocking_fee_amount = min(line.price_subtotal * rate / 100.0, line.price_subtotal)
        return result

