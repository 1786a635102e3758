from . import whatsapp_webhook
from . import payment_plan
