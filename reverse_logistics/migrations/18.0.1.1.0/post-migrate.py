"""Grades gained a resale value; give the default grades theirs where nobody set one yet."""

from odoo import SUPERUSER_ID, api

DEFAULT_RESALE_VALUES = {"grade_b": 70.0, "grade_c": 45.0, "grade_d": 15.0, "grade_scrap": 0.0}


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    for xmlid, percent in DEFAULT_RESALE_VALUES.items():
        grade = env.ref(f"reverse_logistics.{xmlid}", raise_if_not_found=False)
        # 100 is the column's default: the grade was never given a value of its own.
        if grade and grade.resale_value_percent == 100.0:
            grade.resale_value_percent = percent
