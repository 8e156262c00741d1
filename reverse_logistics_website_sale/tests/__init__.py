from . import test_refurbished_shop
