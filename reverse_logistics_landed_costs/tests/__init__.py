from . import test_duty_landed_cost
