from . import test_cadence, test_cadence_concurrency, test_install
from . import test_tours
