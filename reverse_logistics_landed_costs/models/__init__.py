from . import res_company
from . import customs_declaration
from . import account_move
