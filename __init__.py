from . import controllers, models, wizards


def post_init_hook(env):
    """Every existing company starts with the default cadences (Standard, Key accounts,
    Repeat late payers); companies created later get them on creation."""
    env["res.company"].search([])._collection_create_default_policies()
