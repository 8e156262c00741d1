"""Pure-Python logic of reverse_logistics: no Odoo import anywhere in this package.

The addon's models translate records into these plain data classes, call the
functions, and apply the verdicts. Keeping the rules here makes them testable
with plain pytest and reusable by integrators.
"""
