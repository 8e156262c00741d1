"""Cells of the CSV files the addon hands to people and marketplaces (bulk listings, hub manifests).

Text comes from customers, products and users: a cell is kept to one line (whitespace runs, tabs and line
breaks become one space, so no bare carriage return can break a row), and a cell then starting with ``=``,
``+``, ``-`` or ``@`` gets a leading quote, so that a spreadsheet opening the file never runs it as a
formula (OWASP "CSV injection").
"""

FORMULA_STARTS = ("=", "+", "-", "@")


def safe_cell(value) -> str:
    text = " ".join(str(value).split())
    return "'" + text if text.startswith(FORMULA_STARTS) else text
