from . import whatsapp_webhook
from . import collection_portal
from . import payment_plan
