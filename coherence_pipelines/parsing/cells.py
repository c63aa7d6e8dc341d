"""Turn spreadsheet cell values into the text the user sees in Excel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

_HALF_SECOND = dt.timedelta(microseconds=500_000)


def _text(value: str) -> str | None:
    return value or None


def number_text(value: float) -> str:
    """A numeric cell as Excel shows it by default: 2134.0 -> "2134", 12.5 -> "12.5"."""
    # Excel shows 15 significant digits, so a stored 0.30000000000000004 reads 0.3 and a
    # 2133.9999999999995 reads 2134; whole numbers lose the ".0" Python would add.
    shown = float(f"{value:.15g}")
    if shown.is_integer():
        return str(int(shown))
    return repr(shown)


def _integer(value: int) -> str:
    return str(value)


def _boolean(value: bool) -> str:
    return "TRUE" if value else "FALSE"


def _round_to_second(value: dt.datetime) -> dt.datetime:
    # Serial dates are floats; 14:30:00 can come back as 14:29:59.999999.
    if value.microsecond:
        return (value + _HALF_SECOND).replace(microsecond=0)
    return value


def datetime_text(value: dt.datetime) -> str:
    """As "YYYY-MM-DDTHH:MM:SS", or "YYYY-MM-DD" at midnight; rounded to the second."""
    value = _round_to_second(value)
    # A midnight datetime is what a date-formatted cell yields: show it as the date.
    if value.time() == dt.time(0):
        return value.date().isoformat()
    return value.replace(tzinfo=None).isoformat(timespec="seconds")


def _date(value: dt.date) -> str:
    return value.isoformat()


def time_text(value: dt.time) -> str:
    """A time-of-day cell as "HH:MM:SS", rounded to the second."""
    whole = dt.datetime.combine(dt.date(2000, 1, 1), value)
    return _round_to_second(whole).time().replace(tzinfo=None).isoformat(timespec="seconds")


def _duration(value: dt.timedelta) -> str:
    seconds = round(value.total_seconds())
    sign = "-" if seconds < 0 else ""
    hours, rest = divmod(abs(seconds), 3600)
    return f"{sign}{hours}:{rest // 60:02d}:{rest % 60:02d}"


def _none(value: None) -> None:
    return None


_CONVERTERS: dict[type, Callable[[object], str | None]] = {
    str: _text,
    float: number_text,
    int: _integer,
    bool: _boolean,
    dt.datetime: datetime_text,
    dt.date: _date,
    dt.time: time_text,
    dt.timedelta: _duration,
    type(None): _none,
}


def cell_text(value: object) -> str | None:
    """One cell as display text: "" and None -> None, 2134.0 -> "2134", True -> "TRUE",
    dates -> "YYYY-MM-DD", datetimes -> "YYYY-MM-DDTHH:MM:SS" (midnight -> the date), text as is."""
    return _CONVERTERS.get(type(value), str)(value)


def column_texts(values: Iterable[object]) -> list[str | None]:
    """cell_text over a column; dispatch on the exact type keeps the per-cell cost to a dict lookup."""
    get = _CONVERTERS.get
    return [get(type(v), str)(v) for v in values]
