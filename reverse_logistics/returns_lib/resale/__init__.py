"""Listing refurbished and graded returned stock for resale, without Odoo.

- ``pricing``: the suggested listing price of a graded unit, its floor (cost + minimum margin, channel
  fee grossed up), the sales manager's override below the floor, price drops after days listed, and
  the realised price against the recovery value the disposition engine predicted.
- ``conditions``: the condition each sales channel (Google Merchant Center, eBay, Back Market,
  Amazon) shows for an internal grade, as data in ``data/channel_conditions.csv``.
- ``merchant_feed``: the Google Merchant Center RSS 2.0 product feed.
- ``marketplace_csv``: marketplace bulk listing files in Back Market's layout, split at 15,000 offers.
- ``channel_client``: the channel adapter interface and the generic REST adapter that pushes prices and
  quantities in batches, with retries, back-off and rate limits, and never raises for a channel's failure.
"""
