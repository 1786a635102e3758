"""Date arithmetic of reminder cadences (no ORM).

A cadence is a list of stages ordered by sequence, each due ``offset_days`` after the
invoice due date (negative = before).  Rules implemented here:

* a stage is due when the local date >= due date + offset and the stages before it
  are done or skipped;
* after downtime (or a pause) only the LATEST due stage fires; the earlier ones that
  were never executed are skipped, never sent in a burst;
* an invoice never goes back to a stage it already passed.
"""

import datetime as dt
from dataclasses import dataclass, field

#: collection states (``account.move.collection_state``) of an invoice: whose cadence keeps
#: a next stage, that a payment plan may take over, whose tasks are closed
NEXT_STAGE_STATES = ("active", "paused", "review")
PAYMENT_PLAN_STATES = ("active", "paused", "human", "review")
FINISHED_STATES = ("done", "excluded")
#: payment states of a paid invoice, and of an invoice with nothing left to collect
PAID_PAYMENT_STATES = ("paid", "in_payment")
SETTLED_PAYMENT_STATES = (*PAID_PAYMENT_STATES, "reversed")
#: domain of a form's invoices field (with the form's ``partner_id`` and ``company_id``):
#: the customer's posted invoices in the company with something left to collect
CUSTOMER_OPEN_INVOICES_DOMAIN = (
    "[('commercial_partner_id', '=', partner_id), ('move_type', '=', 'out_invoice'), "
    "('state', '=', 'posted'), ('company_id', '=', company_id), "
    f"('payment_state', 'not in', {SETTLED_PAYMENT_STATES!r})]"
)


@dataclass(frozen=True)
class Stage:
    id: int
    offset_days: int
    sequence: int = 10


@dataclass
class Plan:
    fire: Stage | None = None
    superseded: list = field(default_factory=list)
    next_stage: Stage | None = None
    next_date: dt.date | None = None


def stage_date(due_date, stage):
    return due_date + dt.timedelta(days=stage.offset_days)


def order(stages):
    return sorted(stages, key=lambda s: (s.sequence, s.offset_days, s.id))


def plan(stages, last_stage_id, due_date, today):
    """What to do today for one invoice.

    :param stages: the policy's stages (any order)
    :param last_stage_id: id of the last stage executed (None when none)
    :param due_date: the invoice due date
    :param today: the customer's local date
    :return: :class:`Plan` with the stage to fire (or None), the stages skipped because a
        later one is already due, and the next stage / date after that.
    """
    ordered = order(stages)
    ids = [s.id for s in ordered]
    start = ids.index(last_stage_id) + 1 if last_stage_id in ids else 0
    pending = ordered[start:]
    due = [s for s in pending if stage_date(due_date, s) <= today]
    result = Plan()
    if due:
        result.fire = due[-1]
        result.superseded = due[:-1]
        rest = pending[len(due) :]
    else:
        rest = pending
    if rest:
        result.next_stage = rest[0]
        result.next_date = stage_date(due_date, rest[0])
    return result


def days_overdue(due_date, today):
    return max((today - due_date).days, 0)


def allocate_credit(invoices, credit):
    """Which invoices are fully covered by the customer's open credit.

    :param invoices: iterable of (key, residual, due_date)
    :param credit: open credit notes + unapplied payments of the customer (positive)
    :return: set of keys covered, oldest due first
    """
    covered = set()
    available = credit
    for key, residual, _due in sorted(invoices, key=lambda i: (i[2], i[0])):
        if residual <= available + 1e-9:
            covered.add(key)
            available -= residual
    return covered


def gap_release(last_sent, gap_days, now):
    """When the minimum gap after ``last_sent`` allows another message (None = now)."""
    if not last_sent or gap_days <= 0:
        return None
    release = last_sent + dt.timedelta(days=gap_days)
    return release if release > now else None
