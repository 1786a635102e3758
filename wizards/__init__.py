from . import collection_pause_wizard
from . import collection_whatsapp_reply
from . import collection_cfdi_import
from . import collection_cfdi_complement_register
from . import collection_customer_invoices_wizard
from . import collection_promise_wizard
from . import collection_review_wizard
from . import collection_payment_plan_wizard
