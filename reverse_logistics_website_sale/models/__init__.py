from . import product_product
from . import resale_listing
from . import sale_order
