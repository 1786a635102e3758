from . import test_cadence, test_install
