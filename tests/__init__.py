from . import test_install
from . import test_cadence
from . import test_cadence_concurrency
from . import test_security
from . import test_tours
from . import test_whatsapp
from . import test_matching
