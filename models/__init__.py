from . import (
    account_move,
    account_partial_reconcile,
    collection_engine,
    collection_event,
    collection_non_contact_day,
    collection_policy,
    collection_policy_stage,
    res_company,
    res_config_settings,
    res_partner,
)
