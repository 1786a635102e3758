import datetime as dt

from acmx_tools import cadence as c
from acmx_tools import channels

D = dt.date
STD = [c.Stage(1, -3, 10), c.Stage(2, 0, 20), c.Stage(3, 3, 30), c.Stage(4, 7, 40), c.Stage(5, 15, 50)]
DUE = D(2026, 11, 20)


def test_nothing_due_before_first_stage():
    p = c.plan(STD, None, DUE, D(2026, 11, 16))
    assert p.fire is None and p.superseded == []
    assert p.next_stage.id == 1 and p.next_date == D(2026, 11, 17)


def test_walk_the_cadence_day_by_day():
    fired, last = [], None
    day = D(2026, 11, 16)
    while day <= D(2026, 12, 6):
        p = c.plan(STD, last, DUE, day)
        assert p.superseded == []
        if p.fire:
            fired.append((day, p.fire.id))
            last = p.fire.id
        day += dt.timedelta(days=1)
    assert fired == [
        (D(2026, 11, 17), 1),
        (D(2026, 11, 20), 2),
        (D(2026, 11, 23), 3),
        (D(2026, 11, 27), 4),
        (D(2026, 12, 5), 5),
    ]


def test_downtime_fires_only_latest_due_stage():
    p = c.plan(STD, 1, DUE, D(2026, 11, 28))  # D+8 after a long outage
    assert p.fire.id == 4
    assert [s.id for s in p.superseded] == [2, 3]
    assert p.next_stage.id == 5


def test_unordered_input_and_sequence_wins():
    stages = list(reversed(STD))
    assert c.plan(stages, 2, DUE, D(2026, 11, 23)).fire.id == 3


def test_last_stage_done_means_nothing_more():
    p = c.plan(STD, 5, DUE, D(2027, 1, 1))
    assert p.fire is None and p.next_stage is None and p.next_date is None


def test_due_date_moved_replans():
    # invoice was due on 20 Nov, D-3 done; due date moved to 30 Nov: D0 waits
    p = c.plan(STD, 1, D(2026, 11, 30), D(2026, 11, 24))
    assert p.fire is None and p.next_date == D(2026, 11, 30)


def test_unknown_last_stage_starts_over():
    assert c.plan(STD, 99, DUE, D(2026, 11, 17)).fire.id == 1


def test_days_overdue():
    assert c.days_overdue(DUE, D(2026, 11, 19)) == 0
    assert c.days_overdue(DUE, D(2027, 1, 19)) == 60


def test_allocate_credit_oldest_first():
    invoices = [("a", 100.0, D(2026, 1, 10)), ("b", 50.0, D(2026, 1, 5)), ("c", 80.0, D(2026, 2, 1))]
    assert c.allocate_credit(invoices, 160) == {"b", "a"}
    assert c.allocate_credit(invoices, 49.99) == set()
    assert c.allocate_credit(invoices, 0) == set()


def test_gap_release():
    now = dt.datetime(2026, 11, 23, 10)
    assert c.gap_release(None, 2, now) is None
    assert c.gap_release(dt.datetime(2026, 11, 22, 9), 2, now) == dt.datetime(2026, 11, 24, 9)
    assert c.gap_release(dt.datetime(2026, 11, 20, 9), 2, now) is None
    assert c.gap_release(dt.datetime(2026, 11, 23, 9), 0, now) is None


def test_stage_event_channels():
    assert channels.stage_event_channels("email", False) == ("email",)
    assert channels.stage_event_channels("email_whatsapp", True) == ("email", "whatsapp", "alert")
    assert channels.stage_event_channels("activity", False) == ("activity",)
    assert channels.stage_event_channels("escalate", True) == ("activity", "alert")
    # every stage channel of the policy form is mapped
    assert set(channels.STAGE_REMINDER_CHANNELS) >= set(channels.TASK_STAGE_CHANNELS)
    assert set(channels.REMINDER_CHANNELS) <= set(channels.CONTACT_CHANNELS)
