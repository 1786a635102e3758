from . import collection_cfdi_import
