"""UTC calendar arithmetic of our own, so every port agrees whatever its epoch or time zone."""


def days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date."""
    year -= month <= 2
    era = (year if year >= 0 else year - 399) // 400
    yoe = year - era * 400
    doy = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def civil_from_days(days: int) -> tuple[int, int, int]:
    """Year, month and day of a count of days since 1970-01-01."""
    days += 719468
    era = (days if days >= 0 else days - 146096) // 146097
    doe = days - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + (3 if mp < 10 else -9)
    return yoe + era * 400 + (month <= 2), month, day


def epoch_from_rtc(dt: tuple[int, ...]) -> int:
    """Unix seconds from an ``RTC.datetime()`` tuple (year, month, day, weekday, h, m, s, sub)."""
    return days_from_civil(dt[0], dt[1], dt[2]) * 86400 + dt[4] * 3600 + dt[5] * 60 + dt[6]


def rtc_from_epoch(seconds: int) -> tuple[int, int, int, int, int, int, int, int]:
    """The ``RTC.datetime()`` tuple for Unix seconds (weekday 0 is Monday)."""
    days, rest = divmod(seconds, 86400)
    year, month, day = civil_from_days(days)
    weekday = (days + 3) % 7
    return (year, month, day, weekday, rest // 3600, rest % 3600 // 60, rest % 60, 0)


def iso_utc(seconds: int) -> str:
    """ISO 8601 with the ``Z`` offset the contract insists on."""
    year, month, day, _, hour, minute, second, _ = rtc_from_epoch(seconds)
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (year, month, day, hour, minute, second)


# Before this moment (2024-01-01) the clock has never been set: such timestamps are not sent.
CLOCK_VALID_AFTER = 1704067200
