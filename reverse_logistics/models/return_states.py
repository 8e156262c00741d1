"""The life of a return authorisation: its states and the groups of states the flows decide on.

Code tests a return's state against these names, never against literal tuples, so that a new
state has to be placed in every group once, here.
"""

RETURN_STATES = [
    ("draft", "Draft"),
    ("to_approve", "To Approve"),
    ("approved", "Approved"),
    ("in_transit", "In Transit"),
    ("received", "Received"),
    ("done", "Done"),
    ("refused", "Refused"),
    ("cancelled", "Cancelled"),
]

# The quantities of these returns count against what can still be returned from a document.
CLAIMING_STATES = ("draft", "to_approve", "approved", "in_transit", "received", "done")
# The goods are not back yet: the customer still has them (or they are on their way).
PENDING_STATES = ("draft", "to_approve", "approved", "in_transit")
# Lines, quantities, receiving warehouse and return address may still change.
EDITABLE_STATES = ("draft", "to_approve")
# Customer, company and source documents may still change.
DRAFT_STATES = ("draft",)
REFUSABLE_STATES = ("draft", "to_approve")
CANCELLABLE_STATES = PENDING_STATES
# Approved and expected at the warehouse: a receipt exists, the carrier may be asked.
RECEIVABLE_STATES = ("approved", "in_transit")
# The customer may print the label from approval on, and keep it afterwards.
LABEL_STATES = ("approved", "in_transit", "received", "done")
RECEIVED_STATES = ("received", "done")
# Ended without goods coming back; "Reset to Draft" reopens them.
ABANDONED_STATES = ("refused", "cancelled")
# A return can be deleted only while nobody has acted on it yet.
DELETABLE_STATES = ("draft", "cancelled")
