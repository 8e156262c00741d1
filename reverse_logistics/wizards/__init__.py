from . import return_order_wizard
from . import return_order_refuse_wizard
from . import return_order_override_wizard
from . import return_disposition_override_wizard
from . import return_inspection_batch_wizard
from . import return_credit_price_wizard
from . import customs_bill_match_wizard
from . import return_credit_dispute_wizard
