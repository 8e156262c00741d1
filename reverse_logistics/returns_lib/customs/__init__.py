"""Customs logic for international returns, without Odoo.

- ``territory``: which customs territory an address is in, and whether moving goods
  between two addresses crosses a customs border.
- ``relief``: whether Returned Goods Relief applies to goods coming back.
- ``declaration``: the declaration as plain data, and every check it must pass.
- ``wco``: the WCO Data Model DEC-DMS XML message, and its validation against a schema set.
"""
