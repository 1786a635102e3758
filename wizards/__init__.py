from . import collection_pause_wizard
