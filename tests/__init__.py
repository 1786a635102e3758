from . import test_install
from . import test_cfdi_data
from . import test_cfdi_sat
from . import test_cfdi_complement
