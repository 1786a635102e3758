from . import whatsapp_webhook
from . import collection_portal
