from . import portal
from . import portal_tracking
from . import carrier_webhook
from . import resale_feed
from . import portal_excess
from . import packaging_portal
