from . import test_cadence, test_cadence_concurrency, test_install, test_security, test_tours, test_whatsapp
