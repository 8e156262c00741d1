# pylint: disable=consider-merging-classes-inherited
# return.order.line is extended per business concept: this file decides what a line may return.
"""What a return line may return, decided in one place for every path.

Creating or changing a line (form, wizard, portal, XML-RPC), submitting, approving and reopening a
return all go through :meth:`_validate_request_values` or :meth:`_check_returnable_quantity`; the
wizards and the portal offer exactly :meth:`_get_returnable_candidates`. Both ask the same ledger:
what each source (sale line, delivery move, invoice line, serial, lot) delivered and what open
returns hold of it (``returns_lib.returnable`` does the arithmetic), read in one batch and decided
under a lock of the sources, so that two requests for the last unit never both succeed.
"""

import math
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, float_compare

from ..returns_lib import returnable as returnable_lib
from .return_order_line import SOURCE_FIELDS
from .return_states import CLAIMING_STATES, PENDING_STATES

# Bucket kind -> the model of the record it is counted on (also the key of its lock).
BUCKET_MODELS = {
    "sale_line": "sale.order.line",
    "move": "stock.move",
    "invoice_line": "account.move.line",
    "serial": "stock.lot",
    "lot": "stock.lot",
}
LOCK_TABLE = "return_order_line_source_lock"


def lock_sources(cr, keys):
    """Take the sources ``keys`` [(model, id)] until the transaction ends (see ``_lock_sources``).

    Transactions run in REPEATABLE READ: a plain row lock would let a second request wait and then decide
    on its old snapshot. Upserting each source's lock row makes the second one fail with a serialisation
    error once the first commits; Odoo runs it again on fresh data, where it sees the first. Keys are
    sorted so that requests naming the same sources never deadlock.
    """
    keys = sorted(set(keys))
    if not keys:
        return
    cr.execute(SQL(
        """
        INSERT INTO %s (source_model, source_id) VALUES %s
        ON CONFLICT (source_model, source_id) DO UPDATE SET locked_at = EXCLUDED.locked_at
        """,
        SQL.identifier(LOCK_TABLE),
        SQL(", ").join(SQL("(%s, %s)", model, record_id) for model, record_id in keys),
    ), log_exceptions=False)  # the serialisation error is expected and answered by the retry: no ERROR line


class ReturnOrderLine(models.Model):
    _inherit = "return.order.line"

    def init(self):
        # One row per source record that a return ever drew on. Upserting a row is how a request
        # takes its sources (see _lock_sources); the table holds nothing else.
        self.env.cr.execute(SQL(
            """
            CREATE TABLE IF NOT EXISTS %s (
                source_model varchar NOT NULL,
                source_id integer NOT NULL,
                locked_at timestamp without time zone NOT NULL DEFAULT (now() at time zone 'UTC'),
                PRIMARY KEY (source_model, source_id)
            )
            """,
            SQL.identifier(LOCK_TABLE),
        ))
        return super().init()

    # ------------------------------------------------------------------
    # Source links
    # ------------------------------------------------------------------
    @api.model
    def _complete_source_links(self, vals, order, records=None):
        """The whole chain of source documents of a requested line, from what it names.

        A line naming only a product is linked to the line of its return's source document carrying
        that product; a delivery move brings its sale line, an invoice line its sale line. A line
        naming two sources that do not belong together is refused. ``records``: the batch's
        _fetch_line_records; a source that does not exist is left for the validation to refuse.
        """
        vals = dict(vals)
        linked = {}  # field -> the source found on the return's own document
        # sudo: returns clerks and portal customers link lines to documents that sales or
        # accounting rules may hide from them; only links are read, nothing is written.
        if vals.get("product_id") and not any(vals.get(field) for field in SOURCE_FIELDS):
            product_id = vals["product_id"]
            if order.picking_id:
                move = order.picking_id.sudo().move_ids.filtered(
                    lambda m: m.product_id.id == product_id and m.state == "done"
                )[:1]
                vals["origin_move_id"] = move.id
                linked["origin_move_id"] = move
            elif order.sale_order_id:
                sale_line = order.sale_order_id.sudo().order_line.filtered(lambda sl: sl.product_id.id == product_id)
                vals["sale_line_id"] = sale_line[:1].id
            elif order.invoice_id:
                inv_line = order.invoice_id.sudo().invoice_line_ids.filtered(lambda il: il.product_id.id == product_id)
                vals["invoice_line_id"] = inv_line[:1].id
                linked["invoice_line_id"] = inv_line[:1]
        records = records or self._fetch_line_records([vals])

        def source(field):
            if field in linked:
                return linked[field]
            return self._line_record(records, vals, field) or self.env[self._fields[field].comodel_name]

        move, inv_line = source("origin_move_id"), source("invoice_line_id")
        move_sale_line, invoiced_sale_lines = move.sale_line_id, inv_line.sale_line_ids
        if move_sale_line and invoiced_sale_lines and move_sale_line not in invoiced_sale_lines:
            raise ValidationError(
                self.env._("Delivery %(move)s and invoice line %(invoice)s are not of the same sale line.",
                           move=move.display_name, invoice=inv_line.display_name)
            )
        named = vals.get("sale_line_id")
        if named and (
            (move_sale_line and move_sale_line.id != named)
            or (invoiced_sale_lines and named not in invoiced_sale_lines.ids)
        ):
            raise ValidationError(
                self.env._(
                    "%(doc)s does not belong to the sale order line named on the same return line: "
                    "name one source, or sources that belong together.",
                    doc=(move or inv_line).display_name,
                )
            )
        if not named and (move_sale_line or invoiced_sale_lines):
            vals["sale_line_id"] = (move_sale_line or invoiced_sale_lines[:1]).id
        return vals

    # ------------------------------------------------------------------
    # Validation of requested lines
    # ------------------------------------------------------------------
    @api.model
    def _validate_request_values(self, pairs, exclude_lines=None):
        """Check requested lines, given as (return, values) pairs, before they are written.

        Every check of a line's own values comes first (product, quantity, lot, its sources and
        whose they are), then the quantities against the ledger, under a lock of the sources.
        """
        products = self.env["product.product"].browse({vals.get("product_id") or 0 for _o, vals in pairs} - {0})
        existing = products.exists()
        records = self._fetch_line_records([vals for _order, vals in pairs])
        for order, vals in pairs:
            product = existing.browse(vals.get("product_id") or []).with_prefetch(existing._prefetch_ids)
            if not product or product not in existing:
                raise ValidationError(self.env._("Choose the product to return."))
            if product.type != "consu":
                raise ValidationError(
                    self.env._("%s is not goods (a service or a combo): only goods can be returned.",
                               product.display_name)
                )
            qty = vals.get("product_uom_qty", 1.0)
            if isinstance(qty, bool) or not isinstance(qty, (int, float)) or not math.isfinite(qty):
                raise ValidationError(
                    self.env._("The quantity of %(product)s must be a number (%(qty)r given).",
                               product=product.display_name, qty=qty)
                )
            if float_compare(qty, 0.0, precision_rounding=product.uom_id.rounding) <= 0:
                raise ValidationError(
                    self.env._(
                        "The quantity of %(product)s to return must be positive (%(qty)s given).",
                        product=product.display_name,
                        qty=qty,
                    )
                )
            lot = self._line_record(records, vals, "lot_id")
            if lot is None or (lot and lot.product_id != product):
                raise ValidationError(
                    self.env._("Lot %(lot)s is not a lot of %(product)s.", lot=lot.name if lot else vals["lot_id"],
                               product=product.display_name)
                )
            if product.tracking == "serial" and lot and qty != 1:
                raise ValidationError(
                    self.env._(
                        "Serial number %(lot)s identifies one unit of %(product)s: return it on a line of quantity 1.",
                        lot=lot.name,
                        product=product.display_name,
                    )
                )
            self._check_line_source(order, product, vals, records)
            self._check_price_unit(order, product, vals)
        self._check_requested_quantities(pairs, exclude_lines or self.browse())

    @api.model
    def _fetch_line_records(self, vals_list):
        """{field: existing records} of the sources and lots named by ``vals_list``, one query per model.

        sudo: a returns clerk must be able to check a return against a sale order or invoice that
        sales rules hide from them ("own documents only"); only ownership, states and products are
        read, and nothing is written.
        """
        return {
            field: self.env[self._fields[field].comodel_name].sudo().browse(
                {vals.get(field) for vals in vals_list} - {None, False}
            ).exists()
            for field in (*SOURCE_FIELDS, "lot_id")
        }

    @api.model
    def _line_record(self, records, vals, field):
        """The record ``vals`` names in ``field`` (prefetched with its batch); None if it does not exist."""
        found = records[field]
        record = found.browse(vals.get(field) or []).with_prefetch(found._prefetch_ids)
        return record if record <= found else None

    @api.model
    def _check_line_source(self, order, product, vals, records=None):
        """The sources of a line are this customer's, of this company, delivered or posted, of this product."""
        records = records or self._fetch_line_records([vals])
        sale_line, move, inv_line = (self._line_record(records, vals, field) for field in SOURCE_FIELDS)
        if sale_line is None or move is None or inv_line is None:
            raise ValidationError(self.env._("The source document of %s does not exist.", product.display_name))
        documents = (
            (order.picking_id, move.picking_id, self.env._("%(product)s was not delivered with %(doc)s")),
            (order.sale_order_id, sale_line.order_id, self.env._("%(product)s is not on sale order %(doc)s")),
            (order.invoice_id, inv_line.move_id, self.env._("%(product)s is not on invoice %(doc)s")),
        )
        for document, line_document, message in documents:
            if document and line_document != document:
                raise ValidationError(message % {"product": product.display_name, "doc": document.name})
        if sale_line and (sale_line.order_id.state != "sale" or sale_line.display_type):
            raise ValidationError(
                self.env._("%s is not a line of a confirmed sale order.", sale_line.display_name)
            )
        if move and (move.state != "done" or move.location_dest_id.usage != "customer"):
            raise ValidationError(
                self.env._("%s is not a done delivery to a customer: only delivered goods can be returned.",
                           move.display_name)
            )
        if inv_line and (
            inv_line.move_id.move_type != "out_invoice" or inv_line.move_id.state != "posted"
            or inv_line.display_type != "product"
        ):
            raise ValidationError(
                self.env._("%s is not a line of a posted customer invoice.", inv_line.display_name)
            )
        customer = order.partner_id.commercial_partner_id
        owners = (
            (sale_line, sale_line.order_id.partner_id.commercial_partner_id),
            (move, (move.picking_id.partner_id or move.partner_id).commercial_partner_id),
            (inv_line, inv_line.move_id.commercial_partner_id),
        )
        for source, owner in owners:
            if not source:
                continue
            if source.product_id != product:
                raise ValidationError(
                    self.env._(
                        "The line returns %(product)s but its source line is for %(other)s.",
                        product=product.display_name,
                        other=source.product_id.display_name,
                    )
                )
            if order.company_id and source.company_id != order.company_id:
                # Nothing of the other company's document is named: the user may not see it.
                raise ValidationError(
                    self.env._(
                        "The source document of %(product)s belongs to another company: it cannot be returned "
                        "to %(company)s.",
                        product=product.display_name,
                        company=order.company_id.name,
                    )
                )
            if owner != customer:
                raise ValidationError(
                    self.env._(
                        "%(doc)s was sold to %(owner)s, not to %(customer)s: a customer returns their own goods only.",
                        doc=source.display_name,
                        owner=owner.display_name or self.env._("nobody"),
                        customer=customer.display_name,
                    )
                )
        lot = self._line_record(records, vals, "lot_id")
        if lot and (sale_line or move):
            delivered_lots = self._delivered_moves(sale_line, move).move_line_ids.lot_id
            if lot not in delivered_lots:
                raise ValidationError(
                    self.env._("%(lot)s of %(product)s was not delivered with %(doc)s.",
                               lot=lot.name, product=product.display_name, doc=(move or sale_line).display_name)
                )

    @api.model
    def _delivered_moves(self, sale_lines, moves):
        """Done moves to a customer: ``moves`` themselves, or those of ``sale_lines``."""
        candidates = moves or sale_lines.move_ids
        return candidates.filtered(lambda m: m.state == "done" and m.location_dest_id.usage == "customer")

    @api.model
    def _source_price_unit(self, product, sale_line, inv_line):
        """Value of one unit as sold on its source line, in the product's unit and the company's currency (a
        return's currency, whatever the sale's was); None without a source."""
        if sale_line:
            company = sale_line.company_id
            price = sale_line.currency_id._convert(
                sale_line.price_subtotal / (sale_line.product_uom_qty or 1.0), company.currency_id, company,
                sale_line.order_id.date_order or fields.Date.today(), round=False)
            return sale_line.product_uom._compute_price(price, product.uom_id)
        if inv_line:
            # The balance is in the company's currency at the invoice's own rate.
            price = abs(inv_line.balance) / (inv_line.quantity or 1.0)
            return inv_line.product_uom_id._compute_price(price, product.uom_id) if inv_line.product_uom_id else price
        return None

    @api.model
    def _check_price_unit(self, order, product, vals):
        """A unit value comes from the line it was sold on; only lines without a source take one by hand."""
        if "price_unit" not in vals:
            return
        price = vals["price_unit"]
        if isinstance(price, bool) or not isinstance(price, (int, float)) or not math.isfinite(price) or price < 0:
            raise ValidationError(
                self.env._("The unit value of %(product)s must be a positive amount (%(price)r given).",
                           product=product.display_name, price=price)
            )
        expected = self._source_price_unit(
            product,
            self.env["sale.order.line"].sudo().browse(vals.get("sale_line_id") or []),
            self.env["account.move.line"].sudo().browse(vals.get("invoice_line_id") or []),
        )
        currency = order.currency_id or self.env.company.currency_id
        if expected is not None and currency.compare_amounts(price, expected) != 0:
            raise ValidationError(
                self.env._(
                    "The unit value of %(product)s is the price it was sold at (%(expected)s): "
                    "it cannot be changed on the return.",
                    product=product.display_name,
                    expected=currency.round(expected),
                )
            )

    # ------------------------------------------------------------------
    # The ledger: what each source delivered, what open returns hold
    # ------------------------------------------------------------------
    @api.model
    def _returnable_buckets(self, vals, product, customer):
        """The buckets a line with these values draws on (see returns_lib.returnable)."""
        buckets = []
        for kind, field in (("sale_line", "sale_line_id"), ("move", "origin_move_id"),
                            ("invoice_line", "invoice_line_id")):
            if vals.get(field):
                buckets.append((kind, vals[field]))
        lot_id = vals.get("lot_id")
        if lot_id and product.tracking == "serial":
            # A serial is returnable by the customer who has it now, once at a time.
            buckets.append(("serial", lot_id, customer.id))
        elif lot_id:
            for kind, field in (("sale_line", "sale_line_id"), ("move", "origin_move_id")):
                if vals.get(field):
                    buckets.append(("lot", kind, vals[field], lot_id))
        return tuple(buckets)

    @api.model
    def _lock_sources(self, buckets):
        """Take the sources these buckets count on until the transaction ends (``lock_sources``): the second
        of two requests on the same sources is run again on fresh data, sees the first one's return and is
        refused with a clear message."""
        lock_sources(self.env.cr, [(BUCKET_MODELS[bucket[0]], bucket[-1] if bucket[0] == "lot" else bucket[1])
                                   for bucket in buckets])

    @api.model
    def _load_ledger(self, buckets, exclude_lines=None):
        """(capacity, claimed) of every bucket, each read in one batch.

        sudo: what was delivered and what other open returns hold counts whoever asks (a clerk
        restricted to their own sales, a portal customer); only quantities are read.
        """
        sudo_self = self.sudo()
        ids = defaultdict(set)
        for bucket in buckets:
            ids[bucket[0]].add(bucket[1] if bucket[0] != "lot" else bucket[3])
            if bucket[0] == "lot":
                ids["lot_" + bucket[1]].add(bucket[2])
        sale_lines = self.env["sale.order.line"].sudo().browse(ids["sale_line"] | ids["lot_sale_line"])
        moves = self.env["stock.move"].sudo().browse(ids["move"] | ids["lot_move"])
        inv_lines = self.env["account.move.line"].sudo().browse(ids["invoice_line"])
        serials = self.env["stock.lot"].sudo().browse(ids["serial"])

        capacity = {}
        delivered_by_sale_line = sudo_self._delivered_qty_by_sale_line(sale_lines) if ids["sale_line"] else {}
        delivered_by_move = sudo_self._delivered_qty_by_move(moves) if ids["move"] else {}
        invoiced = sudo_self._invoiced_qty_by_invoice_line(inv_lines) if inv_lines else {}
        holders = sudo_self._serial_holders(serials) if serials else {}
        lots_delivered = sudo_self._lot_qty_by_source(sale_lines, moves, ids["lot"]) if ids["lot"] else {}
        for bucket in buckets:
            kind = bucket[0]
            if kind == "sale_line":
                capacity[bucket] = delivered_by_sale_line.get(bucket[1], 0.0)
            elif kind == "move":
                capacity[bucket] = delivered_by_move.get(bucket[1], 0.0)
            elif kind == "invoice_line":
                capacity[bucket] = invoiced.get(bucket[1], 0.0)
            elif kind == "serial":
                capacity[bucket] = 1.0 if holders.get(bucket[1]) == bucket[2] else 0.0
            elif kind == "lot":
                capacity[bucket] = lots_delivered.get(bucket[1:], 0.0)

        claimed = defaultdict(float)
        domain = [("state", "in", CLAIMING_STATES)]
        alternatives = [
            [(field, "in", list(values))]
            for field, values in (
                ("sale_line_id", ids["sale_line"] | ids["lot_sale_line"]),
                ("origin_move_id", ids["move"] | ids["lot_move"]),
                ("invoice_line_id", ids["invoice_line"]),
                ("lot_id", ids["serial"] | ids["lot"]),
            )
            if values
        ]
        if not alternatives:
            return capacity, claimed
        domain += ["|"] * (len(alternatives) - 1) + [leaf for alternative in alternatives for leaf in alternative]
        if exclude_lines:
            domain.append(("id", "not in", exclude_lines.ids))
        groups = sudo_self._read_group(
            domain,
            ["sale_line_id", "origin_move_id", "invoice_line_id", "lot_id", "state"],
            ["product_uom_qty:sum", "qty_received:sum"],
        )
        serial_customers = defaultdict(set)
        for bucket in buckets:
            if bucket[0] == "serial":
                serial_customers[bucket[1]].add(bucket[2])
        for sale_line, move, inv_line, lot, state, qty, received in groups:
            claimed[("sale_line", sale_line.id)] += qty
            claimed[("move", move.id)] += qty
            claimed[("invoice_line", inv_line.id)] += qty
            if lot and state in PENDING_STATES:
                # A serial that came back is back; only returns still expecting it hold it.
                for customer_id in serial_customers.get(lot.id, ()):
                    claimed[("serial", lot.id, customer_id)] += max(qty - received, 0.0)
            if lot:
                claimed[("lot", "sale_line", sale_line.id, lot.id)] += qty
                claimed[("lot", "move", move.id, lot.id)] += qty
        return capacity, claimed

    def _delivered_qty_by_sale_line(self, sale_lines):
        """Net delivered quantity per sale line id, in the product's unit.

        Returns made outside return authorisations (Odoo's own picking returns) are deducted;
        ours are not, since they are counted as open returns (a receipt at a return hub is ours too).
        """
        moves = self.env["stock.move"].search([("sale_line_id", "in", sale_lines.ids), ("state", "=", "done")])
        result = defaultdict(float)
        for move in moves:
            qty = move.product_uom._compute_quantity(move.quantity, move.product_id.uom_id)
            if move.location_dest_id.usage == "customer":
                result[move.sale_line_id.id] += qty
            elif move.location_id.usage == "customer" and not (move.return_line_id or move.return_hub_line_id):
                result[move.sale_line_id.id] -= qty
        return result

    def _delivered_qty_by_move(self, moves):
        """Delivered quantity per delivery move id, net of Odoo's own returns of it."""
        result = {}
        for move in moves:
            qty = 0.0
            if move.state == "done" and move.location_dest_id.usage == "customer":
                qty = move.product_uom._compute_quantity(move.quantity, move.product_id.uom_id)
            returned = move.returned_move_ids.filtered(
                lambda m: m.state == "done" and not (m.return_line_id or m.return_hub_line_id)
            )
            qty -= sum(m.product_uom._compute_quantity(m.quantity, m.product_id.uom_id) for m in returned)
            result[move.id] = qty
        return result

    def _invoiced_qty_by_invoice_line(self, invoice_lines):
        return {
            line.id: line.product_uom_id._compute_quantity(line.quantity, line.product_id.uom_id)
            for line in invoice_lines
            if line.move_id.move_type == "out_invoice" and line.move_id.state == "posted"
        }

    def _serial_holders(self, serials):
        """{serial id: id of the commercial partner who has it now, or False}.

        Where a serial is, is where its last done move took it: a customer location, with the
        partner of that delivery.
        """
        move_lines = self.env["stock.move.line"].search(
            [("lot_id", "in", serials.ids), ("state", "=", "done")], order="date desc, id desc"
        )
        holders = dict.fromkeys(serials.ids, False)
        seen = set()
        for move_line in move_lines:
            if move_line.lot_id.id in seen:
                continue
            seen.add(move_line.lot_id.id)
            if move_line.location_dest_id.usage == "customer":
                partner = move_line.picking_id.partner_id or move_line.move_id.partner_id
                holders[move_line.lot_id.id] = partner.commercial_partner_id.id
        return holders

    def _lot_qty_by_source(self, sale_lines, moves, lot_ids):
        """{(kind, source id, lot id): quantity of the lot delivered on that sale line or move}."""
        result = defaultdict(float)
        for kind, sources in (("sale_line", sale_lines), ("move", moves)):
            for source in sources:
                delivered = self._delivered_moves(source if kind == "sale_line" else self.env["sale.order.line"],
                                                  source if kind == "move" else self.env["stock.move"])
                for move_line in delivered.move_line_ids:
                    if move_line.lot_id.id in lot_ids:
                        qty = move_line.product_uom_id._compute_quantity(move_line.quantity,
                                                                          move_line.product_id.uom_id)
                        result[(kind, source.id, move_line.lot_id.id)] += qty
        return result

    # ------------------------------------------------------------------
    # Deciding
    # ------------------------------------------------------------------
    @api.model
    def _check_requested_quantities(self, pairs, exclude_lines):
        """Refuse requested lines that ask for more than is left, listing every shortfall."""
        requests, products = [], {}
        for index, (order, vals) in enumerate(pairs):
            product = self.env["product.product"].browse(vals["product_id"])
            buckets = self._returnable_buckets(vals, product, order.partner_id.commercial_partner_id)
            if buckets:
                products[index] = (product, order)
                requests.append(returnable_lib.Request(
                    index, vals.get("product_uom_qty", 1.0), buckets, product.uom_id.rounding
                ))
        if not requests:
            return
        buckets = {bucket for request in requests for bucket in request.buckets}
        self._lock_sources(buckets)
        capacity, claimed = self._load_ledger(buckets, exclude_lines)
        shortfalls = returnable_lib.shortfalls(requests, capacity, claimed)
        if shortfalls:
            raise ValidationError("\n".join(
                self._describe_shortfall(shortfall, *products[shortfall.key]) for shortfall in shortfalls
            ))

    @api.model
    def _describe_shortfall(self, shortfall, product, order):
        bucket = shortfall.bucket
        kind = bucket[0]

        def qty(value):
            return self.env["return.order"]._portal_format_qty(value, product.uom_id)

        if kind == "serial":
            lot = self.env["stock.lot"].sudo().browse(bucket[1])
            if not shortfall.capacity:
                return self.env._(
                    "Serial number %(lot)s of %(product)s is not with %(customer)s: it was never delivered to "
                    "them, or it has come back already.",
                    lot=lot.name, product=product.display_name,
                    customer=order.partner_id.commercial_partner_id.display_name,
                )
            if shortfall.claimed:
                return self.env._("Serial number %(lot)s of %(product)s is already being returned.",
                                  lot=lot.name, product=product.display_name)
            return self.env._("Serial number %s is listed more than once: return it once.", lot.name)
        if kind == "lot":
            lot = self.env["stock.lot"].sudo().browse(bucket[3])
            return self.env._(
                "Cannot return %(qty)s of lot %(lot)s of %(product)s: %(available)s of it were delivered and "
                "%(already)s are already being returned, so at most %(left)s can be returned.",
                qty=qty(shortfall.requested), lot=lot.name, product=product.display_name,
                available=qty(shortfall.capacity), already=qty(shortfall.claimed), left=qty(shortfall.left),
            )
        source = self.env[BUCKET_MODELS[kind]].sudo().browse(bucket[1])
        # One whole sentence per kind of source, so that each language words it in its own order.
        if kind == "invoice_line":
            refusal = self.env._(
                "Cannot return %(qty)s %(uom)s of %(product)s: %(available)s were invoiced on %(doc)s and "
                "%(already)s are already being returned, so at most %(left)s can be returned.")
        else:
            refusal = self.env._(
                "Cannot return %(qty)s %(uom)s of %(product)s: %(available)s were delivered on %(doc)s and "
                "%(already)s are already being returned, so at most %(left)s can be returned.")
        return refusal % {
            "qty": qty(shortfall.requested),
            "uom": product.uom_id.name,
            "product": product.display_name,
            "available": qty(shortfall.capacity),
            "doc": source.display_name,
            "already": qty(shortfall.claimed),
            "left": qty(shortfall.left),
        }

    def _check_returnable_quantity(self):
        """Re-check existing lines as if requested again: on submission, approval and reopening."""
        pairs = [
            (line.order_id, {field: line[field].id for field in ("product_id", "lot_id", *SOURCE_FIELDS)}
             | {"product_uom_qty": line.product_uom_qty})
            for line in self
        ]
        self._check_requested_quantities(pairs, self)

    # ------------------------------------------------------------------
    # What documents offer for return (wizards and portal)
    # ------------------------------------------------------------------
    @api.model
    def _get_returnable_candidates(self, sale_orders=None, pickings=None, invoices=None):
        """What can still be returned from these documents: one dict per source line (and lot).

        Keys: product_id, sale_line_id, origin_move_id, invoice_line_id, lot_id (records),
        delivered_qty, returnable_qty, delivery_date. The quantities come from the same ledger
        that checks requests, so the wizards and the portal offer exactly what is accepted; returnable
        packaging is never offered (packaging returns take it back against the packaging balance).
        """
        rows = []

        def offered(product):
            # Returnable packaging comes back on packaging returns only (its deposit is credited there, once).
            return product.type == "consu" and not product.returnable_packaging

        if pickings:
            moves = pickings.move_ids.filtered(
                lambda m: m.state == "done" and m.location_dest_id.usage == "customer" and offered(m.product_id)
            )
            delivered = self._delivered_qty_by_move(moves)
            for move in moves:
                rows += self._candidate_rows(
                    {"origin_move_id": move, "sale_line_id": move.sale_line_id}, move.product_id, move,
                    delivered.get(move.id, 0.0), move.date, move.picking_id.partner_id,
                )
        if sale_orders:
            sale_lines = sale_orders.order_line.filtered(
                lambda sl: offered(sl.product_id) and not sl.display_type and sl.qty_delivered > 0
            )
            delivered = self._delivered_qty_by_sale_line(sale_lines)
            for sale_line in sale_lines:
                moves = self._delivered_moves(sale_line, self.env["stock.move"])
                rows += self._candidate_rows(
                    {"sale_line_id": sale_line}, sale_line.product_id, moves, delivered.get(sale_line.id, 0.0),
                    max(moves.mapped("date")) if moves else False, sale_line.order_id.partner_id,
                )
        if invoices:
            inv_lines = invoices.invoice_line_ids.filtered(
                lambda il: offered(il.product_id) and il.quantity > 0 and il.display_type == "product"
            )
            invoiced = self._invoiced_qty_by_invoice_line(inv_lines)
            for inv_line in inv_lines:
                rows += self._candidate_rows(
                    {"invoice_line_id": inv_line, "sale_line_id": inv_line.sale_line_ids[:1]}, inv_line.product_id,
                    self.env["stock.move"], invoiced.get(inv_line.id, 0.0), inv_line.move_id.invoice_date,
                    inv_line.move_id.partner_id,
                )
        buckets = {bucket for row in rows for bucket in row["_buckets"]}
        capacity, claimed = self._load_ledger(buckets) if buckets else ({}, {})
        for row in rows:
            row["returnable_qty"] = returnable_lib.remaining(row.pop("_buckets"), capacity, claimed) or 0.0
        return rows

    @api.model
    def _candidate_rows(self, sources, product, moves, delivered_qty, date, partner):
        """Rows of one source line: one per lot delivered, or one for the whole quantity."""
        empty = {"sale_line_id": self.env["sale.order.line"], "origin_move_id": self.env["stock.move"],
                 "invoice_line_id": self.env["account.move.line"]}
        common = {
            **empty,
            **sources,
            "product_id": product,
            "delivered_qty": delivered_qty,
            "delivery_date": fields.Date.to_date(date) if date else False,
        }
        ids = {field: record.id for field, record in common.items() if field in empty and record}
        customer = partner.commercial_partner_id
        lots = defaultdict(float)
        if product.tracking != "none":
            for move_line in moves.move_line_ids.filtered("lot_id"):
                lots[move_line.lot_id] += move_line.product_uom_id._compute_quantity(
                    move_line.quantity, product.uom_id
                )
        rows = []
        for lot, qty in lots.items() or [(self.env["stock.lot"], delivered_qty)]:
            buckets = self._returnable_buckets({**ids, "lot_id": lot.id}, product, customer)
            rows.append({**common, "lot_id": lot, "delivered_qty": qty if lot else delivered_qty,
                         "_buckets": buckets})
        return rows
