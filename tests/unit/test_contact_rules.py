import datetime as dt

import pytest
from acmx_tools import contact_rules as cr

D = dt.date


@pytest.mark.parametrize(
    "year,expected",
    [
        (
            2025,
            {
                D(2025, 1, 1),
                D(2025, 2, 3),
                D(2025, 3, 17),
                D(2025, 5, 1),
                D(2025, 9, 16),
                D(2025, 11, 17),
                D(2025, 12, 25),
            },
        ),
        (
            2026,
            {
                D(2026, 1, 1),
                D(2026, 2, 2),
                D(2026, 3, 16),
                D(2026, 5, 1),
                D(2026, 9, 16),
                D(2026, 11, 16),
                D(2026, 12, 25),
            },
        ),
        # 2024 and 2030: transmission of the federal executive on 1 October
        (
            2024,
            {
                D(2024, 1, 1),
                D(2024, 2, 5),
                D(2024, 3, 18),
                D(2024, 5, 1),
                D(2024, 9, 16),
                D(2024, 10, 1),
                D(2024, 11, 18),
                D(2024, 12, 25),
            },
        ),
        (
            2030,
            {
                D(2030, 1, 1),
                D(2030, 2, 4),
                D(2030, 3, 18),
                D(2030, 5, 1),
                D(2030, 9, 16),
                D(2030, 10, 1),
                D(2030, 11, 18),
                D(2030, 12, 25),
            },
        ),
    ],
)
def test_official_holidays(year, expected):
    assert cr.mx_official_holidays(year) == expected


def test_october_first_only_every_six_years():
    assert not cr.is_mx_holiday(D(2025, 10, 1))
    assert not cr.is_mx_holiday(D(2018 + 1, 10, 1))
    assert cr.is_mx_holiday(D(2036, 10, 1))
    assert not cr.is_mx_holiday(D(2018, 10, 1))  # before the 2024 reform


def test_moving_mondays_are_mondays():
    for year in range(2024, 2040):
        for day in cr.mx_official_holidays(year):
            if day.month in (2, 3, 11):
                assert day.weekday() == 0


@pytest.mark.parametrize(
    "start,end,mexico,ok",
    [
        (8, 20, True, True),
        (7, 22, True, True),
        (6.5, 20, True, False),
        (8, 22.5, True, False),
        (6, 23, False, True),
        (20, 8, True, False),
        (8, 8, True, False),
        (-1, 8, False, False),
        (8, 25, False, False),
    ],
)
def test_check_window(start, end, mexico, ok):
    assert (cr.check_window(start, end, mexico) is None) == ok


def test_window_reasons_and_next_opening():
    window = cr.ContactWindow(8, 20, extra_days={D(2026, 11, 24)})
    tz = dt.timezone(dt.timedelta(hours=-6))
    friday_night = dt.datetime(2026, 11, 20, 21, 0, tzinfo=tz)
    assert window.non_contact_reason(friday_night) == "after the contact window"
    # Saturday, Sunday, then Monday 16 Nov 2026 is... already past; 23 Nov is a Monday
    opening = window.next_opening(friday_night)
    assert opening == dt.datetime(2026, 11, 23, 8, 0, tzinfo=tz)
    # Monday 16 Nov 2026 is the Revolution holiday (third Monday of November)
    assert window.non_contact_reason(dt.datetime(2026, 11, 16, 10, tzinfo=tz)) == "official holiday"
    assert window.next_opening(dt.datetime(2026, 11, 16, 10, tzinfo=tz)) == dt.datetime(2026, 11, 17, 8, tzinfo=tz)
    # company non-contact day
    assert window.non_contact_reason(dt.datetime(2026, 11, 24, 9, tzinfo=tz)) == ("company non-contact day")
    early = dt.datetime(2026, 11, 23, 6, 59, tzinfo=tz)
    assert window.non_contact_reason(early) == "before the contact window"
    assert window.next_opening(early) == dt.datetime(2026, 11, 23, 8, tzinfo=tz)
    inside = dt.datetime(2026, 11, 23, 19, 59, tzinfo=tz)
    assert window.next_opening(inside) is inside


def test_next_contact_utc_uses_partner_timezone():
    window = cr.ContactWindow(8, 20)
    # 14:30 UTC on Tuesday 24 Nov 2026 = 08:30 in Mexico City, 06:30 in Tijuana (UTC-8)
    utc = dt.datetime(2026, 11, 24, 14, 30)
    assert cr.next_contact_utc(window, utc, "America/Mexico_City") == (utc, None)
    when, reason = cr.next_contact_utc(window, utc, "America/Tijuana")
    assert reason == "before the contact window"
    assert when == dt.datetime(2026, 11, 24, 16, 0)  # 08:00 Tijuana
    # unknown time zone falls back to Mexico City
    assert cr.next_contact_utc(window, utc, "Mars/Olympus")[1] is None


def test_no_contact_day_at_all():
    window = cr.ContactWindow(8, 20, weekdays=())
    with pytest.raises(ValueError):
        window.next_opening(dt.datetime(2026, 1, 1, 9, tzinfo=dt.timezone.utc))


def test_hours_to_time():
    assert cr.hours_to_time(8.5) == dt.time(8, 30)
    assert cr.hours_to_time(24) == dt.time(23, 59, 59)


@pytest.mark.parametrize(
    "code,tz",
    [
        ("BCN", "America/Tijuana"),
        ("BC", "America/Tijuana"),
        ("son", "America/Hermosillo"),
        ("ROO", "America/Cancun"),
        ("BCS", "America/Mazatlan"),
        ("SIN", "America/Mazatlan"),
        ("NAY", "America/Mazatlan"),
        ("CHH", "America/Chihuahua"),
        ("JAL", "America/Mexico_City"),
        ("CMX", "America/Mexico_City"),
        ("YUC", "America/Mexico_City"),
    ],
)
def test_mexican_state_time_zones(code, tz):
    assert cr.state_tz("MX", code) == tz
    assert cr.valid_tz(tz) == tz


def test_state_time_zone_only_for_mexico():
    assert cr.state_tz("US", "CA") is None
    assert cr.state_tz("MX", False) is None
    assert cr.state_tz(False, "BCN") is None


def test_customer_tz_takes_the_first_valid_zone():
    assert cr.customer_tz(False, "America/Tijuana", "America/Mexico_City") == "America/Tijuana"
    assert cr.customer_tz("Mars/Olympus", None, "America/Cancun") == "America/Cancun"
    assert cr.customer_tz(None, None) == cr.DEFAULT_TZ


def test_baja_california_customer_not_contacted_at_six():
    # winter: Tijuana is UTC-8; 14:00 UTC = 06:00 local (too early), 16:00 UTC = 08:00
    window = cr.ContactWindow()
    tz = cr.customer_tz(None, cr.state_tz("MX", "BCN"))
    when, why = cr.next_contact_utc(window, dt.datetime(2026, 12, 7, 14, 0), tz)
    assert why == "before the contact window"
    assert when == dt.datetime(2026, 12, 7, 16, 0)
    # the same moment is 08:00 in Mexico City: inside the window there
    assert cr.next_contact_utc(window, dt.datetime(2026, 12, 7, 14, 0), cr.DEFAULT_TZ)[1] is None
