from . import collection_pause_wizard
from . import collection_whatsapp_reply
