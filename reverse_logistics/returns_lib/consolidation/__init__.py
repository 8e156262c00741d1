"""Consolidating scattered international returns at regional hubs, with cost and CO2e, without Odoo.

- ``planner``: direct as a parcel or through which hub, the consolidation each return joins, when it leaves,
  the mode of each leg, cost, declarations and CO2e per return and per plan, against the baseline "every
  return shipped direct as a parcel"; reasons as ``(code, params)`` for the addon to translate.
- ``release``: a hub's release rules (every N days, weekly or monthly on a weekday; weight, volume, value or
  count thresholds, whichever comes first).
- ``emissions``: ISO 14083 leg emissions from default well-to-wheel intensities per mode and vehicle class
  (``data/emission_intensities.csv``, GLEC Framework v3 frame) and per-mode detours of the great-circle
  distance (``data/distance_adjustments.csv``).
- ``geo``: great-circle distances, customs territories (the EU as one), and the country / postal-area centroid
  table used when a partner has no coordinates (``data/country_centroids.csv``, CIA World Factbook).
"""
