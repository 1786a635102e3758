import datetime as dt

import pytest
from acmx_tools import summary

D = dt.date


@pytest.mark.parametrize(
    ("due", "bucket"),
    [
        (D(2026, 3, 31), "current"),  # due in the future
        (D(2026, 3, 30), "current"),  # due today
        (D(2026, 3, 29), "1_30"),  # 1 day
        (D(2026, 2, 28), "1_30"),  # 30 days
        (D(2026, 2, 27), "31_60"),  # 31 days
        (D(2026, 1, 29), "31_60"),  # 60 days
        (D(2026, 1, 28), "61_90"),  # 61 days
        (D(2025, 12, 30), "61_90"),  # 90 days
        (D(2025, 12, 29), "90_plus"),  # 91 days
    ],
)
def test_aging_edges(due, bucket):
    assert summary.aging_bucket(due, D(2026, 3, 30)) == bucket


def test_aging_totals():
    totals = summary.aging([(D(2026, 3, 30), 100), (D(2026, 3, 1), 50), (D(2025, 1, 1), 7)], D(2026, 3, 30))
    assert totals == {"current": 100, "1_30": 50, "31_60": 0, "61_90": 0, "90_plus": 7}


def _items():
    as_of = D(2026, 3, 30)
    return as_of, [
        # customer, move, type, due, residual
        (7, 1, "out_invoice", D(2026, 3, 1), 100.0),  # overdue
        (7, 2, "out_invoice", D(2026, 2, 1), 200.0),  # overdue
        (7, 3, "out_refund", D(2026, 2, 1), -50.0),  # overdue credit note: amount only
        (7, 4, "out_invoice", as_of, 400.0),  # due today: current
        (8, 5, "out_invoice", D(2026, 3, 29), 70.0),  # overdue
        (8, 6, "entry", D(2026, 3, 1), -10.0),  # unapplied payment
        (9, 7, "out_invoice", D(2026, 4, 30), 900.0),  # not due
        (None, 8, "out_invoice", D(2026, 1, 1), 999.0),  # no customer
        (10, 9, "out_invoice", D(2026, 3, 1), 70.0),  # overdue, as much as customer 8
    ]


def test_per_customer_open_and_overdue():
    as_of, items = _items()
    customers = summary.per_customer(items, as_of)
    assert list(customers) == [7, 8, 9, None, 10]
    assert customers[7] == {"open": 650.0, "overdue": 250.0, "moves": {1, 2}}
    assert customers[8] == {"open": 60.0, "overdue": 60.0, "moves": {5}}
    assert customers[9] == {"open": 900.0, "overdue": 0.0, "moves": set()}
    assert summary.per_customer([], as_of) == {}


def test_repeat_late_payers():
    as_of, items = _items()
    assert summary.repeat_late_payers(summary.per_customer(items, as_of)) == [7]
    items.append((None, 10, "out_invoice", D(2026, 1, 2), 1.0))
    assert summary.repeat_late_payers(summary.per_customer(items, as_of)) == [7, None]


def test_top_overdue_known_customers_biggest_first():
    as_of, items = _items()
    customers = summary.per_customer(items, as_of)
    # customer 10 owes 70 overdue, customer 8 60; nobody else but customer 7; no "None"
    assert [c for c, _row in summary.top_overdue(customers)] == [7, 10, 8]
    assert [c for c, _row in summary.top_overdue(customers, limit=2)] == [7, 10]
    # ties keep the order of the items
    customers = summary.per_customer(
        [(3, 1, "out_invoice", D(2026, 3, 1), 5.0), (2, 2, "out_invoice", D(2026, 3, 1), 5.0)], as_of
    )
    assert [c for c, _row in summary.top_overdue(customers)] == [3, 2]


def test_state_counts():
    labels = {"active": "Active", "human": "With a person"}
    assert summary.state_counts({"human": 2, "active": 1, "other": 3}, labels) == (
        "Active (1), With a person (2), other (3)"
    )
    assert summary.state_counts({}, labels) == ""


def test_daily_receivable():
    rows = [
        (None, 500.0, 300.0),
        (D(2026, 3, 2), -100.0, None),
        (D(2026, 3, 1), 250.0, 250.0),
        (D(2026, 3, 3), None, None),
    ]
    opening, moves, sales = summary.daily_receivable(rows)
    assert opening == 500.0
    assert moves == {D(2026, 3, 2): -100.0, D(2026, 3, 1): 250.0, D(2026, 3, 3): 0.0}
    assert sales == {D(2026, 3, 2): 0.0, D(2026, 3, 1): 250.0, D(2026, 3, 3): 0.0}
    assert summary.daily_receivable([]) == (0.0, {}, {})


def test_countback():
    # balance 1000; last 30 days sold 600 -> 30 days, 400 left; previous 800 -> 15 days
    assert summary.countback(1000, [600, 800, 900]) == 45.0
    assert summary.countback(0, [600]) == 0.0
    # balance bigger than everything: all periods
    assert summary.countback(5000, [100, 100]) == 60.0
    # exact cover of one period
    assert summary.countback(600, [600, 800]) == 30.0


def test_period_sales_and_dso():
    as_of = D(2026, 3, 30)
    daily = {as_of: 300, D(2026, 3, 1): 300, D(2026, 2, 28): 800, D(2026, 4, 1): 999}
    # period 0 = Mar 1..Mar 30, period 1 = Jan 30..Feb 28
    assert summary.period_sales(daily, as_of, periods=3) == [600, 800, 0]
    assert summary.dso(1000, daily, as_of) == 45.0


def test_dso_trend():
    as_of = D(2026, 3, 30)
    moves = {D(2026, 3, 20): 100.0}
    sales = {D(2026, 3, 20): 100.0}
    trend = summary.dso_trend(0.0, moves, sales, as_of, weeks=3)
    assert [day for day, _v in trend] == [D(2026, 3, 16), D(2026, 3, 23), as_of]
    assert [v for _d, v in trend] == [0.0, 30.0, 30.0]


def test_projection_weights_and_no_double_count():
    as_of = D(2026, 3, 30)
    invoices = [
        (1, D(2026, 3, 30), 1000.0, "good"),  # today: in
        (2, D(2026, 4, 5), 1000.0, "risky"),  # day 7: in
        (3, D(2026, 4, 6), 1000.0, "good"),  # day 8: out
        (4, D(2026, 4, 1), 500.0, "watch"),  # promised: counted through the promise
    ]
    promises = [(D(2026, 4, 2), 400.0, "watch", [4])]
    result = summary.projection(invoices, promises, as_of)
    assert result == {"due": 2000.0, "promised": 400.0, "expected": 900 + 300 + 240}


def test_effectiveness():
    as_of = D(2026, 3, 30)
    messages = [
        ("D+3", 1, D(2026, 3, 1), D(2026, 3, 8)),  # paid on day 7: yes
        ("D+3", 2, D(2026, 3, 1), D(2026, 3, 9)),  # day 8: no
        ("D+3", 3, D(2026, 3, 1), None),  # never
        ("D+3", 3, D(2026, 3, 2), None),  # duplicate of the same invoice
        ("D+3", 4, D(2026, 3, 28), None),  # window still running: ignored
        ("D+7", 5, D(2026, 3, 28), D(2026, 3, 29)),  # running but paid: counts
    ]
    result = summary.effectiveness(messages, as_of)
    assert result["D+3"] == {"sent": 3, "paid": 1, "rate": 0.3333}
    assert result["D+7"] == {"sent": 1, "paid": 1, "rate": 1.0}


def test_average_days_late():
    payments = [
        (D(2026, 1, 1), D(2026, 1, 11), 100.0),  # 10 days late
        (D(2026, 1, 1), D(2025, 12, 31), 300.0),  # 1 day early
        (D(2026, 1, 1), None, 999.0),  # unpaid: ignored
    ]
    assert summary.average_days_late(payments) == (100 * 10 - 300) / 400
    assert summary.average_days_late([]) is None


@pytest.mark.parametrize(
    ("late", "broken", "expected"),
    [
        (None, 0, "good"),
        (5, 0, "good"),
        (5.01, 0, "watch"),
        (0, 1, "watch"),
        (20, 1, "watch"),
        (20.5, 0, "risky"),
        (0, 2, "risky"),
    ],
)
def test_rating_thresholds(late, broken, expected):
    assert summary.rating(late, broken) == expected


def test_promise_outcome_edges():
    deadline = D(2026, 4, 3)
    assert summary.promise_outcome(100, 100, deadline, deadline) == "kept"
    assert summary.promise_outcome(100, 99.5, deadline, deadline, tolerance=1) == "kept"
    assert summary.promise_outcome(100, 50, deadline, deadline) is None
    assert summary.promise_outcome(100, 50, deadline, D(2026, 4, 4)) == "broken"


def test_summary_due_once_per_week():
    # Monday 08:00 configured
    assert not summary.summary_due(dt.datetime(2026, 3, 30, 7, 59), 0, 8.0, None)
    assert summary.summary_due(dt.datetime(2026, 3, 30, 8, 0), 0, 8.0, None)
    assert not summary.summary_due(dt.datetime(2026, 3, 30, 9, 0), 0, 8.0, "2026-W14")
    # missed Monday (downtime): sent at the first run after
    assert summary.summary_due(dt.datetime(2026, 4, 1, 3, 0), 0, 8.0, "2026-W13")
    # Sunday of the same week: already sent
    assert not summary.summary_due(dt.datetime(2026, 4, 5, 23, 0), 0, 8.0, "2026-W14")
    # configured Wednesday 14:30
    assert not summary.summary_due(dt.datetime(2026, 4, 1, 14, 29), 2, 14.5, "2026-W13")
    assert summary.summary_due(dt.datetime(2026, 4, 1, 14, 30), 2, 14.5, "2026-W13")


def test_every_rating_has_a_projection_factor():
    assert [key for key, _label in summary.RATINGS] == list(summary.RATING_FACTORS)
