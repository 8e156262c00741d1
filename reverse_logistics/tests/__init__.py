from . import test_return_policy
from . import test_return_flow
from . import test_return_refusals
from . import test_return_concurrency
from . import test_return_security
from . import test_portal
from . import test_customs_territory
from . import test_customs_declaration
