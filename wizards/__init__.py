from . import collection_pause_wizard, collection_whatsapp_reply
