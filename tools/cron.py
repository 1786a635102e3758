"""When the collections crons commit between their batches, and how long one call works."""

import threading
import time

#: seconds of work per cron call before it reports its progress and hands over to the
#: next call: well inside Odoo's ``limit_time_real_cron`` (120 s by default), since the
#: batch (or message) being processed when the budget runs out still finishes
CRON_TIME_BUDGET = 50
CRON_TIME_BUDGET_PARAM = "account_collections_mx.cron_time_budget"


def collection_may_commit(env):
    """Crons commit each finished batch so a crash later repeats nothing (no message sent
    twice); never inside tests (their transaction is rolled back) nor while Odoo installs
    the module (demo data calls some of them, inside the install's transaction).

    Tests are detected the way Odoo core does (``ir.cron``, ``mail.mail``): the test
    thread's ``testing`` flag, which Odoo's own mail mocks leave alone.
    """
    return not getattr(threading.current_thread(), "testing", False) and env.registry.ready


class CronBudget:
    """The time one cron call may work (``account_collections_mx.cron_time_budget``
    seconds, 50 by default); ask :meth:`exhausted` between two units of work."""

    def __init__(self, env, seconds=None):
        if seconds is None:
            try:
                seconds = float(env["ir.config_parameter"].sudo().get_param(CRON_TIME_BUDGET_PARAM) or CRON_TIME_BUDGET)
            except ValueError:
                seconds = CRON_TIME_BUDGET
        self.seconds = seconds
        self.started = time.monotonic()

    def exhausted(self):
        return time.monotonic() - self.started >= self.seconds


def collection_report_progress(env, cron_xmlid, done, remaining):
    """End of a cron call: tell Odoo's cron runner what was done and what remains; while
    something remains, the cron (``cron_xmlid``) runs again at once to go on."""
    env["ir.cron"]._notify_progress(done=done, remaining=remaining)
    if remaining:
        env.ref(cron_xmlid)._trigger()


def collection_cron_run(env, cron_xmlid, run):
    """One call of a cron that works in batches: ``run(commit)`` does the work (committing
    each finished batch when ``commit``: see :func:`collection_may_commit`) and returns
    (done, remaining); the progress is reported (:func:`collection_report_progress`).

    :return: the number of items done
    """
    done, remaining = run(collection_may_commit(env))
    collection_report_progress(env, cron_xmlid, done, remaining)
    return done
