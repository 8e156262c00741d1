"""Credit-note lines of returns gained a kind (goods or a deduction); classify the lines drafted before.

Lines crediting an invoice line are the goods; the other lines of a return were the two deductions
that existed then, told apart by the label the addon gave them.
"""


def migrate(cr, version):
    cr.execute("""
        UPDATE account_move_line
           SET return_credit_kind = CASE
                   WHEN return_credited_line_id IS NOT NULL THEN 'goods'
                   WHEN name LIKE 'Condition on return%%' THEN 'condition'
                   ELSE 'restocking_fee'
               END
         WHERE return_line_id IS NOT NULL AND return_credit_kind IS NULL
    """)
