"""Figures of the weekly collections summary, the analysis and the payer rating.

Pure standard library: dates and numbers in, numbers out.  The ORM side fetches
the data with a handful of SQL queries and hands it to these functions.

Definitions (kept here so that the summary, the analysis and the tests agree):

* **Aging bucket** of an open receivable item: ``days = as_of - due date``;
  ``current`` when ``days <= 0`` (not yet due or due today), ``1_30`` for 1..30,
  ``31_60`` for 31..60, ``61_90`` for 61..90 and ``90_plus`` above 90 days.
* **DSO, countback method**: take the receivable balance at the end of the
  period and walk back over the sales of the previous periods (30 days each):
  while the balance covers a whole period's sales, subtract them and add the
  period's days; then add the fraction of the next period still covered.
* **Projection of the coming week**: the residual of the invoices due in the
  next 7 days (today included) plus the open promises to pay falling in those
  days, each weighted by the payer's rating (``RATING_FACTORS``); a promised
  invoice counts through its promise only (never twice).
* **Reminder effectiveness** of a stage: among the invoices that received the
  stage's message (email / WhatsApp) at least ``window`` days ago, the share
  paid within ``window`` days after the message (payment date = latest
  reconciliation date of the invoice).  Recent messages whose window is still
  running count only once paid.
* **Average days late** of a customer: over the invoices paid in the last 12
  months, the average of ``payment date - due date`` (negative = early)
  weighted by the invoice amount.
* **Rating**: ``risky`` when the average days late exceeds ``risky_days`` or
  the customer broke ``risky_broken`` promises or more in 12 months; ``watch``
  when it exceeds ``watch_days`` or broke one promise; else ``good``.
"""

import bisect
import datetime as dt

#: the aging buckets in time order: (key, label, most days overdue in it; None: no limit)
AGING_BUCKETS = (
    ("current", "Current", 0),
    ("1_30", "1-30", 30),
    ("31_60", "31-60", 60),
    ("61_90", "61-90", 90),
    ("90_plus", "90+", None),
)
BUCKETS = tuple(key for key, _label, _most in AGING_BUCKETS)
BUCKET_LABELS = {key: label for key, label, _most in AGING_BUCKETS}
#: the upper edges (days overdue) of every bucket but the last
BUCKET_EDGES = tuple(most for _key, _label, most in AGING_BUCKETS if most is not None)

#: the payer ratings (best first)
RATINGS = [("good", "Good"), ("watch", "Watch"), ("risky", "Risky")]
#: share of the expected amount a payer of each rating is projected to pay
RATING_FACTORS = {"good": 0.9, "watch": 0.6, "risky": 0.3}

#: default rating thresholds (company settings override them)
WATCH_DAYS = 5
RISKY_DAYS = 20
RISKY_BROKEN = 2

DSO_PERIOD_DAYS = 30
DSO_MAX_PERIODS = 12


def aging_bucket(due, as_of):
    """The aging bucket key of an item due on ``due`` seen on ``as_of``."""
    return BUCKETS[bisect.bisect_left(BUCKET_EDGES, (as_of - due).days)]


def aging(items, as_of):
    """Totals per bucket of ``(due_date, amount)`` items (every bucket present)."""
    totals = dict.fromkeys(BUCKETS, 0.0)
    for due, amount in items:
        totals[aging_bucket(due, as_of)] += amount
    return totals


def per_customer(items, as_of):
    """Open and overdue amounts of each customer, with its overdue invoices.

    :param items: ``(customer_id, move_id, move_type, due_date, residual)`` of open
        receivable items (credit notes and payments included, negative)
    :return: ``{customer_id: {"open": amount, "overdue": amount, "moves": {ids}}}``, in the
        order of the items; ``moves``: the overdue customer invoices with a residual
    """
    customers = {}
    for customer_id, move_id, move_type, due, residual in items:
        row = customers.setdefault(customer_id, {"overdue": 0.0, "open": 0.0, "moves": set()})
        row["open"] += residual
        if aging_bucket(due, as_of) != "current":
            row["overdue"] += residual
            if move_type == "out_invoice" and residual > 0:
                row["moves"].add(move_id)
    return customers


def repeat_late_payers(customers):
    """The customers (of :func:`per_customer`) with more than one overdue invoice."""
    return [customer_id for customer_id, row in customers.items() if len(row["moves"]) > 1]


def top_overdue(customers, limit=10):
    """``[(customer_id, row)]`` of :func:`per_customer`: the ``limit`` known customers
    owing the most overdue, biggest first (ties in the order of the items)."""
    owing = (item for item in customers.items() if item[1]["overdue"] > 0 and item[0])
    return sorted(owing, key=lambda item: -item[1]["overdue"])[:limit]


def state_counts(counts, labels):
    """``"With a person (2), Active (1)"``: invoices per collection state, labelled.

    :param counts: ``{state: number of invoices}``
    :param labels: ``{state: label}`` (a state without a label is shown as is)
    """
    return ", ".join(f"{labels.get(state, state)} ({n})" for state, n in sorted(counts.items(), key=str))


def countback(balance, period_sales, period_days=DSO_PERIOD_DAYS):
    """DSO by the countback method.

    :param balance: receivable balance at the end of the last period
    :param period_sales: sales of each period, most recent first
    :return: days (float); when the balance exceeds all the given sales, the days
        of all the periods (the DSO is at least that)
    """
    remaining = balance
    days = 0.0
    if remaining <= 0:
        return 0.0
    for sales in period_sales:
        if sales <= 0:
            days += period_days
            continue
        if remaining >= sales:
            remaining -= sales
            days += period_days
            if remaining <= 0:
                break
        else:
            days += period_days * remaining / sales
            remaining = 0
            break
    return round(days, 1)


def period_sales(daily_sales, as_of, period_days=DSO_PERIOD_DAYS, periods=DSO_MAX_PERIODS):
    """Sales of the ``periods`` periods ending on ``as_of`` (included), most recent first.

    :param daily_sales: mapping date -> sales of that day
    """
    result = [0.0] * periods
    for day, amount in daily_sales.items():
        age = (as_of - day).days
        if age < 0:
            continue
        index = age // period_days
        if index < periods:
            result[index] += amount
    return result


def dso(balance, daily_sales, as_of, period_days=DSO_PERIOD_DAYS, periods=DSO_MAX_PERIODS):
    """DSO (countback) on ``as_of`` from the balance then and the daily sales."""
    return countback(balance, period_sales(daily_sales, as_of, period_days, periods), period_days)


def balance_at(opening, daily_moves, day):
    """Receivable balance at the end of ``day``: opening + movements up to that day."""
    return opening + sum(amount for when, amount in daily_moves.items() if when <= day)


def dso_trend(opening, daily_moves, daily_sales, as_of, weeks=8):
    """``[(week_end, dso)]`` for the last ``weeks`` week ends (oldest first, ``as_of`` last)."""
    trend = []
    for back in range(weeks - 1, -1, -1):
        day = as_of - dt.timedelta(days=7 * back)
        trend.append((day, dso(balance_at(opening, daily_moves, day), daily_sales, day)))
    return trend


def daily_receivable(rows):
    """(opening balance, {day: movement}, {day: sales}) from grouped receivable rows.

    :param rows: ``(day or None, balance, sales)``: ``None`` for everything up to the
        first day counted (the opening balance); sums may be ``None`` (nothing)
    """
    opening = 0.0
    moves, sales = {}, {}
    for day, balance, sold in rows:
        if day is None:
            opening = balance or 0.0
        else:
            moves[day] = balance or 0.0
            sales[day] = sold or 0.0
    return opening, moves, sales


def rating_factor(rating):
    return RATING_FACTORS.get(rating or "good", RATING_FACTORS["good"])


def projection(invoices, promises, as_of, days=7):
    """Expected collections of the next ``days`` days (``as_of`` included).

    :param invoices: ``(move_id, due_date, residual, rating)`` of open invoices
    :param promises: ``(promised_date, amount, rating, move_ids)`` of open promises
    :return: dict with ``due`` (raw amount due), ``promised`` (raw promised amount),
        ``expected`` (weighted by rating)
    """
    end = as_of + dt.timedelta(days=days - 1)
    promised_moves = set()
    due_total = promised_total = expected = 0.0
    for promised_date, amount, rating, move_ids in promises:
        promised_moves.update(move_ids)
        if as_of <= promised_date <= end:
            promised_total += amount
            expected += amount * rating_factor(rating)
    for move_id, due, residual, rating in invoices:
        if move_id in promised_moves or not due or not (as_of <= due <= end):
            continue
        due_total += residual
        expected += residual * rating_factor(rating)
    return {
        "due": round(due_total, 2),
        "promised": round(promised_total, 2),
        "expected": round(expected, 2),
    }


def effectiveness(messages, as_of, window=7):
    """Share of invoices paid within ``window`` days after each stage's message.

    :param messages: ``(stage_key, move_id, sent_date, paid_date or None)``; several
        messages of one stage to the same invoice count once (the first one)
    :return: ``{stage_key: {"sent": n, "paid": m, "rate": m / n (0..1)}}``
    """
    first = {}
    for stage, move_id, sent, paid in messages:
        key = (stage, move_id)
        if key not in first or sent < first[key][0]:
            first[key] = (sent, paid)
    result = {}
    for (stage, _move_id), (sent, paid) in first.items():
        paid_in_window = paid is not None and 0 <= (paid - sent).days <= window
        window_over = (as_of - sent).days >= window
        if not window_over and not paid_in_window:
            continue  # still running: we do not know yet
        row = result.setdefault(stage, {"sent": 0, "paid": 0, "rate": 0.0})
        row["sent"] += 1
        row["paid"] += int(paid_in_window)
    for row in result.values():
        row["rate"] = round(row["paid"] / row["sent"], 4) if row["sent"] else 0.0
    return result


def average_days_late(payments):
    """Amount-weighted average of ``paid - due`` in days.

    :param payments: ``(due_date, paid_date, amount)``; ``None`` when there is none
    """
    total = weighted = 0.0
    for due, paid, amount in payments:
        if not due or not paid or amount <= 0:
            continue
        total += amount
        weighted += amount * (paid - due).days
    if not total:
        return None
    return round(weighted / total, 2)


def rating(avg_days_late, broken_promises=0, watch_days=WATCH_DAYS, risky_days=RISKY_DAYS, risky_broken=RISKY_BROKEN):
    """``good`` / ``watch`` / ``risky`` (see the module doc)."""
    late = avg_days_late or 0.0
    if late > risky_days or (risky_broken and broken_promises >= risky_broken):
        return "risky"
    if late > watch_days or broken_promises >= 1:
        return "watch"
    return "good"


def promise_outcome(amount, received, deadline, today, tolerance=0.0):
    """``kept`` once the received amount covers the promise (by the deadline), ``broken``
    the day after the deadline when it does not, else ``None`` (still open).

    ``received`` must only count what arrived by the deadline.
    """
    if received >= amount - tolerance:
        return "kept"
    if today > deadline:
        return "broken"
    return None


def iso_week(day):
    """``'2026-W48'``: the key of the week a summary belongs to."""
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def summary_due(local_now, weekday, hour, last_week):
    """Whether the weekly summary must go now.

    :param local_now: naive or aware datetime in the company's time zone
    :param weekday: 0 = Monday
    :param hour: local hour (float, 8.5 = 08:30)
    :param last_week: :func:`iso_week` key of the last summary sent (or None)
    """
    week = iso_week(local_now.date())
    if week == last_week:
        return False
    monday = local_now.date() - dt.timedelta(days=local_now.weekday())
    hours = int(hour)
    minutes = int(round((hour - hours) * 60))
    moment = dt.datetime.combine(monday + dt.timedelta(days=int(weekday)), dt.time(min(hours, 23), min(minutes, 59)))
    return local_now.replace(tzinfo=None) >= moment
