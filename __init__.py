from . import models
from . import wizards
from . import report
from . import controllers


def post_init_hook(env):
    """Every existing company starts with the default cadences (Standard, Key accounts,
    Repeat late payers); companies created later get them on creation."""
    env["res.company"].search([])._collection_create_default_policies()


def pre_init_hook(env):
    """Existing invoices keep empty CFDI payment data on install (no flood of old PPD
    invoices in the payment-complement tray): the columns exist before the ORM would
    compute them; importing their XML fills them."""
    from odoo.tools import sql

    for column, pg_type in (
        ("cfdi_usage", "varchar"),
        ("cfdi_payment_method", "varchar"),
        ("cfdi_payment_form", "varchar"),
        ("cfdi_complement_required", "boolean"),
        ("cfdi_complement_due_date", "date"),
        ("cfdi_complement_payment_count", "int4"),
    ):
        if not sql.column_exists(env.cr, "account_move", column):
            sql.create_column(env.cr, "account_move", column, pg_type)
