from . import res_company
from . import collection_non_contact_day
from . import collection_policy
from . import collection_policy_stage
from . import collection_event
from . import res_partner
from . import account_move
