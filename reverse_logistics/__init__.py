from . import controllers
from . import models
from . import report
from . import wizards


def _post_init_create_warehouse_returns_data(env):
    """Give warehouses that existed before the install their Returns location and operation type.

    Warehouses created afterwards get them from ``stock.warehouse`` create hooks.
    """
    env["stock.warehouse"].search([])._create_returns_locations_and_types()
