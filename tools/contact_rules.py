"""Mexican collection contact rules: official holidays and the contact window.

* Official rest days: Ley Federal del Trabajo, art. 74 (1 Jan; first Monday of
  February; third Monday of March; 1 May; 16 Sep; third Monday of November;
  25 Dec; 1 Oct every six years from 2024, when the federal executive changes).
* Collection contact only inside a window of local time (CONDUSEF rules for
  collection agencies allow 07:00-22:00 at most; the default is business days
  08:00-20:00) in the debtor's time zone.

Pure standard library: datetimes in, datetimes out.  Naive datetimes given to
the window functions are UTC (Odoo stores UTC naive datetimes).
"""

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

#: legal limits of a collection contact window in Mexico (local hours)
LEGAL_START_MX = 7.0
LEGAL_END_MX = 22.0

DEFAULT_TZ = "America/Mexico_City"


def nth_weekday(year, month, weekday, n):
    """The ``n``-th ``weekday`` (0 = Monday) of ``month``."""
    first = dt.date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    return first + dt.timedelta(days=offset + 7 * (n - 1))


@lru_cache(maxsize=64)
def mx_official_holidays(year):
    """The official rest days of Mexico (LFT art. 74) in ``year``, as a frozenset of dates."""
    days = {
        dt.date(year, 1, 1),
        nth_weekday(year, 2, 0, 1),  # Constitution day, first Monday of February
        nth_weekday(year, 3, 0, 3),  # Benito Juarez, third Monday of March
        dt.date(year, 5, 1),
        dt.date(year, 9, 16),
        nth_weekday(year, 11, 0, 3),  # Revolution, third Monday of November
        dt.date(year, 12, 25),
    }
    if year >= 2024 and (year - 2024) % 6 == 0:
        days.add(dt.date(year, 10, 1))  # transmission of the federal executive power
    return frozenset(days)


def is_mx_holiday(day):
    return day in mx_official_holidays(day.year)


def hours_to_time(value):
    """8.5 -> 08:30 (24.0 and above -> end of day)."""
    if value >= 24:
        return dt.time(23, 59, 59)
    minutes = round(value * 60)
    return dt.time(minutes // 60, minutes % 60)


def check_window(start, end, mexico=True):
    """Return an error message (English, to be translated by the caller) or None."""
    if not (0 <= start < 24 and 0 < end <= 24):
        return "The contact window hours must be between 00:00 and 24:00."
    if start >= end:
        return "The contact window must start before it ends."
    if mexico and (start < LEGAL_START_MX or end > LEGAL_END_MX):
        return "In Mexico collection contact is only allowed between 07:00 and 22:00."
    return None


class ContactWindow:
    """When a customer may be contacted.

    :param start, end: local hours (floats, 8.5 = 08:30)
    :param weekdays: allowed weekdays (0 = Monday ... 6 = Sunday)
    :param extra_days: extra non-contact dates of the company
    :param holidays: callable(date) -> bool, the official holidays (Mexico by default)
    """

    def __init__(self, start=8.0, end=20.0, weekdays=(0, 1, 2, 3, 4), extra_days=(), holidays=is_mx_holiday):
        self.start = hours_to_time(start)
        self.end = hours_to_time(end)
        self.weekdays = frozenset(weekdays)
        self.extra_days = frozenset(extra_days)
        self.holidays = holidays or (lambda day: False)

    def is_contact_day(self, day):
        return day.weekday() in self.weekdays and day not in self.extra_days and not self.holidays(day)

    def non_contact_reason(self, local):
        """Why a local datetime is outside the window (None when inside)."""
        day = local.date()
        if self.holidays(day):
            return "official holiday"
        if day in self.extra_days:
            return "company non-contact day"
        if day.weekday() not in self.weekdays:
            return "non-contact weekday"
        if local.time() < self.start:
            return "before the contact window"
        if local.time() >= self.end:
            return "after the contact window"
        return None

    def next_opening(self, local):
        """The first local datetime >= ``local`` inside the window (``local`` itself if inside)."""
        if self.non_contact_reason(local) is None:
            return local
        day = local.date()
        if self.is_contact_day(day) and local.time() < self.start:
            return dt.datetime.combine(day, self.start, local.tzinfo)
        for _ in range(400):
            day += dt.timedelta(days=1)
            if self.is_contact_day(day):
                return dt.datetime.combine(day, self.start, local.tzinfo)
        raise ValueError("No contact day in the next 400 days: check the contact window settings.")


#: Mexico's time zones by state (codes of Odoo's ``res.country.state`` for Mexico, with the
#: ISO 3166-2 spelling too); the states not listed follow Mexico City
MX_STATE_TZ = {
    "BCN": "America/Tijuana",
    "BC": "America/Tijuana",  # Baja California
    "SON": "America/Hermosillo",  # Sonora (no DST)
    "ROO": "America/Cancun",
    "QR": "America/Cancun",  # Quintana Roo
    "BCS": "America/Mazatlan",  # Baja California Sur
    "SIN": "America/Mazatlan",  # Sinaloa
    "NAY": "America/Mazatlan",  # Nayarit (most of it)
    "CHH": "America/Chihuahua",
    "CHIH": "America/Chihuahua",  # Chihuahua
}


def valid_tz(tz_name):
    """``tz_name`` when it is a time zone this system knows, else None."""
    if not tz_name:
        return None
    try:
        ZoneInfo(tz_name)
    except (KeyError, ValueError, OSError):
        return None
    return tz_name


def state_tz(country_code, state_code):
    """The time zone of an address's state, when known (Mexico), else None."""
    if (country_code or "").upper() != "MX" or not state_code:
        return None
    return MX_STATE_TZ.get(state_code.upper(), DEFAULT_TZ)


def customer_tz(*candidates, default=DEFAULT_TZ):
    """The first valid time zone among ``candidates`` (the customer's own, the zone of its
    address, its company's ...), else ``default``."""
    for tz_name in candidates:
        if valid_tz(tz_name):
            return tz_name
    return default


def to_local(utc_naive, tz_name):
    """A naive UTC datetime as an aware datetime in ``tz_name`` (default Mexico City)."""
    try:
        tz = ZoneInfo(tz_name or DEFAULT_TZ)
    except (KeyError, ValueError, OSError):
        tz = ZoneInfo(DEFAULT_TZ)
    return utc_naive.replace(tzinfo=dt.timezone.utc).astimezone(tz)


def to_utc_naive(local):
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


def next_contact_utc(window, utc_naive, tz_name):
    """(next allowed UTC naive datetime, reason it had to wait or None)."""
    local = to_local(utc_naive, tz_name)
    reason = window.non_contact_reason(local)
    if reason is None:
        return utc_naive, None
    return to_utc_naive(window.next_opening(local)), reason
