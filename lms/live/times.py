"""Time zones for live sessions: reading times people type, and showing them with the zone named.

Sessions are stored in naive UTC. A time typed without a zone is read as wall-clock time in
the session's zone; a time that does not exist there (the hour skipped when the clocks go
forward) is refused rather than quietly moved.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from lms.errors import InvalidInput

DEFAULT_ZONE = "Europe/London"


def zone(name: str | None, *, field: str = "timezone") -> ZoneInfo:
    """The ``ZoneInfo`` for an IANA name such as ``Europe/London``; InvalidInput if unknown."""
    text = (name or "").strip()
    try:
        if not text:
            raise ValueError
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidInput(
            f"“{text}” isn't a time zone we know. Use a name like Europe/London or "
            "Atlantic/St_Helena."
            if text
            else "Choose the time zone the session runs in, for example Europe/London.",
            field_errors={field: "Use a time zone name like Europe/London."},
        ) from None


def to_utc(value: datetime, zone_name: str, *, field: str = "starts_at") -> datetime:
    """Naive UTC from an aware datetime, or from a naive one read as wall time in the zone."""
    if value.tzinfo is not None and value.utcoffset() is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    tz = zone(zone_name)
    local = value.replace(tzinfo=tz)
    back = local.astimezone(UTC).astimezone(tz)
    if back.replace(tzinfo=None) != value:
        raise InvalidInput(
            f"{value:%H:%M} on {long_date(value)} doesn't exist in {zone_label(tz)}: the clocks "
            "go forward then. Please choose another time.",
            field_errors={field: "That time is skipped when the clocks go forward."},
        )
    return local.astimezone(UTC).replace(tzinfo=None)


def local(value: datetime, tz: tzinfo | str) -> datetime:
    """A stored naive-UTC time as an aware time in ``tz``."""
    target = ZoneInfo(tz) if isinstance(tz, str) else tz
    return value.replace(tzinfo=UTC).astimezone(target)


def zone_label(tz: tzinfo | str) -> str:
    """“London time” for Europe/London, “St Helena time” for Atlantic/St_Helena, “UTC”."""
    key = tz if isinstance(tz, str) else getattr(tz, "key", str(tz))
    if key.upper() in ("UTC", "ETC/UTC", "GMT", "ETC/GMT"):
        return "UTC"
    place = key.rsplit("/", 1)[-1].replace("_", " ")
    return f"{place} time"


def abbreviation(moment: datetime) -> str:
    """The zone's abbreviation at ``moment`` (GMT, BST, CET), or an offset like UTC+04."""
    name = moment.tzname() or ""
    if name and not name.startswith(("+", "-")):
        return name
    offset = moment.utcoffset()
    if offset is None:
        return ""
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}" + (f":{rest:02d}" if rest else "")


def long_date(moment: datetime, *, year: bool = False) -> str:
    """“Tuesday 3 March” (with the year when asked)."""
    text = f"{moment:%A} {moment.day} {moment:%B}"
    return f"{text} {moment.year}" if year else text


def format_when(
    session: Any, tz: tzinfo | str | None = None, *, now: datetime | None = None
) -> str:
    """When ``session`` runs, in ``tz`` (default: its own zone), with the zone named:
    “Tuesday 3 March, 10:00 to 11:30 (London time, GMT)”. The year is added when it is not
    this year; a session past midnight names both days."""
    tz = tz or session.timezone
    target = ZoneInfo(tz) if isinstance(tz, str) else tz
    start = local(session.starts_at, target)
    end = local(session.ends_at, target)
    this_year = (now or datetime.now(UTC)).astimezone(target).year
    show_year = start.year != this_year
    text = f"{long_date(start, year=show_year)}, {start:%H:%M} to "
    if end.date() != start.date():
        text += f"{long_date(end, year=show_year)}, "
    text += f"{end:%H:%M} ({zone_label(target)}, {abbreviation(start)})"
    return text


def format_moment(value: datetime, tz: tzinfo | str) -> str:
    """A single stored time, e.g. a booking deadline: “Monday 2 March, 17:00 (London time)”."""
    moment = local(value, tz)
    this_year = datetime.now(UTC).astimezone(moment.tzinfo).year
    return f"{long_date(moment, year=moment.year != this_year)}, {moment:%H:%M} ({zone_label(tz)})"


def viewer_zone(user: Any, session: Any) -> str:
    """The zone to show ``session`` in for ``user``: theirs once people can choose one,
    otherwise the session's own (which for a cohort is the cohort's)."""
    return getattr(user, "timezone", None) or session.timezone or DEFAULT_ZONE
