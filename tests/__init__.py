from . import test_install
from . import test_cadence
from . import test_cadence_concurrency
from . import test_security
from . import test_tours
from . import test_whatsapp
from . import test_matching
from . import test_cfdi_data
from . import test_cfdi_sat
from . import test_cfdi_complement
from . import test_collection_summary
from . import test_collection_promise
from . import test_collection_analysis_statement
from . import test_security_models
from . import test_review_tray_tours

from . import test_replies
from . import test_payment_plan
