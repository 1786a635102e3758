"""Payment plans (convenios de pago): instalments and their short cadence (no ORM).

* **Instalments** are generated from "N payments every K days starting on ...": the
  amount left after the optional down payment is split in N equal parts (in cents), the
  last part taking the rounding difference, so the parts always add up to the total.
* **Payments count in order**: what the customer paid since the plan was made (the
  plan's total minus what is still due on its invoices) covers the down payment, then
  the first instalment, then the second...  An instalment is paid once its share is
  covered (within the company's tolerance).
* **Short cadence** of each unpaid instalment: a friendly reminder three days before
  (D-3), "due today" (D0), a firm reminder with a task for the collector (D+3); five
  days after its date (D+5) an unpaid instalment breaks the plan.  Like the invoices'
  cadence, only the latest step due fires; earlier ones never sent are skipped.
"""

import datetime as dt
from dataclasses import dataclass, field

#: (step, days from the instalment date), in order
STEPS = (("before", -3), ("due", 0), ("late", 3))
#: an instalment still unpaid this many days after its date breaks the plan
BREAK_AFTER_DAYS = 5


def split_amount(total, count, digits=2):
    """``count`` amounts adding up exactly to ``total`` (the last one takes the rest)."""
    if count <= 0:
        raise ValueError("count must be positive")
    factor = 10**digits
    cents = round(total * factor)
    part = cents // count
    parts = [part] * count
    parts[-1] = cents - part * (count - 1)
    return [p / factor for p in parts]


def schedule(total, count, every_days, first_date, down_payment=0.0, down_date=None, digits=2):
    """Instalments ``[(date, amount, is_down_payment)]`` of a plan.

    :param total: amount covered by the plan
    :param count: number of instalments (after the down payment)
    :param every_days: days between two instalments
    :param first_date: date of the first instalment
    :param down_payment: optional amount paid first (0: none)
    :param down_date: date of the down payment (default: ``first_date``)
    """
    if every_days <= 0:
        raise ValueError("every_days must be positive")
    down_payment = round(down_payment or 0.0, digits)
    if down_payment < 0 or down_payment >= total:
        raise ValueError("the down payment must be between 0 and the total")
    lines = []
    if down_payment:
        lines.append((down_date or first_date, down_payment, True))
    for index, amount in enumerate(split_amount(total - down_payment, count, digits)):
        lines.append((first_date + dt.timedelta(days=every_days * index), amount, False))
    return lines


def allocate(amounts, paid, tolerance=0.0):
    """What the ``paid`` amount covers of each instalment, in order.

    :param amounts: instalment amounts, in their order (down payment first)
    :return: list of ``(covered, is_paid)``; an instalment is paid when at most
        ``tolerance`` of it is left
    """
    left = max(paid or 0.0, 0.0)
    result = []
    for amount in amounts:
        covered = min(amount, left)
        left -= covered
        result.append((round(covered, 6), amount - covered <= tolerance + 1e-9))
    return result


@dataclass
class StepPlan:
    fire: str | None = None
    superseded: list = field(default_factory=list)
    broken: bool = False


def step_date(due_date, step):
    return due_date + dt.timedelta(days=dict(STEPS)[step])


def due_step(due_date, today, done_steps=()):
    """What to do today for one unpaid instalment.

    :param done_steps: steps already in the contact log (sent, skipped...)
    :return: :class:`StepPlan`: the step to fire (or None), the earlier ones skipped,
        and whether the plan is broken (D+5 reached)
    """
    result = StepPlan()
    if today >= due_date + dt.timedelta(days=BREAK_AFTER_DAYS):
        result.broken = True
        return result
    order = [name for name, _offset in STEPS]
    done = set(done_steps)
    last_done = max((order.index(s) for s in done if s in order), default=-1)
    due = [
        name for index, (name, _offset) in enumerate(STEPS) if index > last_done and step_date(due_date, name) <= today
    ]
    if due:
        result.fire = due[-1]
        result.superseded = due[:-1]
    return result
