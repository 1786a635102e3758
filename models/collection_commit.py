"""When the collections crons may commit between their batches."""

from odoo import modules


def collection_may_commit(env):
    """Crons commit each finished batch so a crash later repeats nothing (no message sent
    twice); never inside tests (their transaction is rolled back) nor while Odoo installs
    the module (demo data calls some of them, inside the install's transaction)."""
    return not modules.module.current_test and env.registry.ready
