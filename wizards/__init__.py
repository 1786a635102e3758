from . import collection_cfdi_import
from . import collection_cfdi_complement_register
