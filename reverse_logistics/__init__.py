from . import controllers
from . import models
from . import report
from . import wizards



def uninstall_hook(env):
    """The source lock table is not a model: Odoo would leave it behind."""
    from odoo.tools import SQL

    from .models.return_order_line_returnable import LOCK_TABLE

    env.cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(LOCK_TABLE)))
