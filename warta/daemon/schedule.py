"""When each site is crawled: standard crontab expressions as APScheduler 3 cron triggers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from apscheduler.triggers.cron import CronTrigger

from warta.daemon.crawls import ScheduledSite

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

DEFAULT_SCHEDULE = "0 1 * * *"
DEFAULT_TIMEZONE = "Asia/Jakarta"


CRON_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def cron_trigger(expression: str, timezone: str) -> CronTrigger:
    """A trigger for a standard 5-field crontab expression.

    APScheduler 3 numbers weekdays from Monday = 0, crontab from Sunday = 0 (or 7), so a plain
    `from_crontab("0 1 * * 1")` would fire on Tuesdays. Numeric weekdays are rewritten as day
    names, which both agree on.
    """
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"expected 5 fields (minute hour day month weekday), got {len(fields)}")
    fields[4] = _crontab_weekdays(fields[4])
    return CronTrigger.from_crontab(" ".join(fields), timezone=timezone)


def _crontab_weekdays(field: str) -> str:
    if not any(char.isdigit() for char in field):
        return field  # '*' or names: the same in both
    days: set[int] = set()
    for part in field.split(","):
        span, slash, step_text = part.partition("/")
        step = int(step_text) if slash else 1
        if step < 1:
            raise ValueError(f"bad weekday step in {field!r}")
        if span == "*":
            first, last = 0, 6
        elif "-" in span:
            first, last = (_crontab_weekday(end) for end in span.split("-", 1))
        else:
            first = _crontab_weekday(span)
            last = 6 if slash else first  # '1/2' = from Monday, every other day
        if first > last:
            raise ValueError(f"bad weekday range {span!r}")
        days.update(day % 7 for day in range(first, last + 1, step))
    # Listed Monday first, APScheduler's week order.
    return ",".join(CRON_WEEKDAYS[day] for day in sorted(days, key=lambda d: (d + 6) % 7))


def _crontab_weekday(text: str) -> int:
    if text.isdigit() and int(text) <= 7:
        return int(text)  # 7 is Sunday too; kept as 7 so that '5-7' is a valid range
    if text.lower() in CRON_WEEKDAYS:
        return CRON_WEEKDAYS.index(text.lower())
    raise ValueError(f"bad weekday {text!r}")


def site_trigger(site: ScheduledSite, settings: BaseSettings) -> CronTrigger:
    """The site's cron trigger: its own schedule/timezone, else the deployment's."""
    expression = site.schedule or settings.get("WARTA_SCHEDULE", DEFAULT_SCHEDULE)
    zone = site.timezone or settings.get("WARTA_TIMEZONE", DEFAULT_TIMEZONE)
    try:
        return cron_trigger(expression, zone)
    except (ValueError, LookupError) as exc:
        raise ValueError(
            f"site {site.name!r}: bad schedule {expression!r} ({zone}): {exc}"
        ) from exc
