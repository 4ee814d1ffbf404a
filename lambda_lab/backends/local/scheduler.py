"""EventBridge scheduled rules and EventBridge Scheduler schedules, fired on the lab clock (moto stores
them but never fires them).

``rate(5 minutes)`` and ``cron(0 12 * * ? *)`` follow AWS's syntax:
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
Because they run on ``lab.clock``, a notebook can ``lab.clock.advance(3600)`` or set
``lab.clock.speed = 360`` and see an hour of schedules in seconds. Each firing is delivered at its
own scheduled time (a jump of an hour fires a 5-minute rule twelve times).
"""

from __future__ import annotations

import calendar
import json
import re
import threading
import uuid
from datetime import datetime, timedelta, timezone
from typing import Callable

from ...clock import Clock
from ...errors import InvalidParameterValueError

__all__ = ["Schedule", "parse_schedule", "LabScheduler"]

_AT = re.compile(r"^at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)$")
_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_UNIT_S = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS = {name: i for i, name in enumerate(calendar.month_abbr) if name}
_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}   # AWS: 1 = Sunday
_MAX_FIRINGS_PER_TICK = 10_000


class Schedule:
    """When a schedule expression fires next, after a given moment (UTC epoch seconds)."""

    def __init__(self, expression: str):
        self.expression = expression.strip()
        rate = _RATE.match(self.expression)
        self._rate_s: int | None = None
        self._at: float | None = None
        at = _AT.match(self.expression)
        if at:   # EventBridge Scheduler's one-time schedule (UTC here; ScheduleExpressionTimezone is not read)
            self._at = datetime.strptime(at[1], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc).timestamp()
            return
        if rate:
            value, unit = int(rate[1]), rate[2].rstrip("s")
            if value < 1 or (value == 1) != (not rate[2].endswith("s")):
                raise InvalidParameterValueError(
                    f"Parameter ScheduleExpression is not valid: {expression!r}. Write rate(1 minute) or "
                    "rate(5 minutes): singular unit for 1, plural otherwise.")
            self._rate_s = value * _UNIT_S[unit]
            return
        cron = re.match(r"^cron\((.+)\)$", self.expression)
        if not cron:
            raise InvalidParameterValueError(
                f"Parameter ScheduleExpression is not valid: {expression!r}. Use rate(5 minutes) or "
                "cron(0 12 * * ? *) (minutes hours day-of-month month day-of-week year).")
        fields = cron[1].split()
        if len(fields) != 6:
            raise InvalidParameterValueError(
                f"cron expressions have six fields (minutes hours day-of-month month day-of-week year); got {cron[1]!r}.")
        minute, hour, dom, month, dow, year = fields
        if (dom == "?") == (dow == "?"):
            raise InvalidParameterValueError(
                f"In {expression!r}, exactly one of day-of-month and day-of-week must be '?'.")
        self._minutes = _field(minute, 0, 59)
        self._hours = _field(hour, 0, 23)
        self._doms = None if dom == "?" else _field(dom, 1, 31)
        self._months = _field(month, 1, 12, _MONTHS)
        self._dows = None if dow == "?" else _field(dow, 1, 7, _DAYS)
        self._years = _field(year, 1970, 2199)

    def next_after(self, moment: float) -> float | None:
        if self._at is not None:
            return self._at if self._at > moment else None
        if self._rate_s is not None:
            return moment + self._rate_s
        t = datetime.fromtimestamp(moment, tz=timezone.utc).replace(second=0, microsecond=0) + timedelta(minutes=1)
        limit = t + timedelta(days=366 * 5)
        while t < limit:
            if t.year not in self._years or t.month not in self._months:
                t = (t.replace(day=1, hour=0, minute=0) + timedelta(days=32)).replace(day=1)
                continue
            aws_dow = (t.isoweekday() % 7) + 1  # Sunday=1 ... Saturday=7
            if (self._doms is not None and t.day not in self._doms) or (self._dows is not None and aws_dow not in self._dows):
                t = t.replace(hour=0, minute=0) + timedelta(days=1)
                continue
            if t.hour not in self._hours:
                t = t.replace(minute=0) + timedelta(hours=1)
                continue
            if t.minute not in self._minutes:
                t += timedelta(minutes=1)
                continue
            return t.timestamp()
        return None

    @property
    def is_rate(self) -> bool:
        return self._rate_s is not None


class SchedulerSchedule:
    """An EventBridge Scheduler schedule seen as the lab scheduler sees a scheduled rule.

    A Lambda (templated) target is invoked asynchronously with the target's ``Input``, its context
    attributes (``<aws.scheduler.scheduled-time>`` ...) filled in, as Scheduler does:
    https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html
    Where the lab departs from AWS: with no Input, Scheduler sends "a default notification" whose
    shape it does not document; the lab sends ``{}``. Only Lambda targets are delivered, and a
    FlexibleTimeWindow fires at the start of its window.
    """

    def __init__(self, schedule, invoke: Callable[[str, object], None]):
        self._schedule, self._invoke = schedule, invoke
        self.arn = schedule.arn
        self.scheduled_expression = schedule.schedule_expression
        self.state = schedule.state

    def send_to_targets(self, event: dict) -> None:
        target = self._schedule.target or {}
        if ":lambda:" not in str(target.get("Arn", "")):
            return
        text = target.get("Input") or "{}"
        for name, value in (("schedule-arn", self.arn), ("scheduled-time", event["time"]),
                            ("execution-id", event["id"]), ("attempt-number", "1")):
            text = text.replace(f"<aws.scheduler.{name}>", value)
        try:
            payload: object = json.loads(text)
        except ValueError:
            payload = text
        self._invoke(target["Arn"], payload)


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> set[int]:
    values: set[int] = set()
    for part in text.split(","):
        if part in ("*", "?"):
            values.update(range(low, high + 1))
            continue
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if part in ("*", ""):
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = _value(a, names), _value(b, names)
        else:
            start = _value(part, names)
            end = high if step > 1 else start
        if not (low <= start <= high and low <= end <= high):
            raise InvalidParameterValueError(f"cron field value {part!r} is outside {low}-{high}.")
        values.update(range(start, end + 1, step))
    return values


def _value(text: str, names: dict[str, int] | None) -> int:
    if names and text.upper()[:3] in names:
        return names[text.upper()[:3]]
    try:
        return int(text)
    except ValueError:
        raise InvalidParameterValueError(
            f"cron field {text!r} is not supported by the local lab (L, W and # are not); "
            "use numbers, ranges, lists, steps or names.") from None


def parse_schedule(expression: str) -> Schedule:
    return Schedule(expression)


Fire = Callable[[object, dict], None]   # (rule, scheduled event)


class LabScheduler:
    """Fires scheduled rules when the lab clock passes their next time."""

    def __init__(self, *, rules: Callable[[], list], fire: Fire, clock: Clock, account_id: str, region: str,
                 tick_s: float = 0.05):
        self._rules = rules
        self._fire = fire
        self._clock = clock
        self._account_id = account_id
        self._region = region
        self._next: dict[str, tuple[str, float | None]] = {}   # rule ARN -> (expression, next time)
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._tick_s = tick_s
        self._thread = threading.Thread(target=self._run, name="lab-scheduler", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._tick_s):
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - a bad rule must not stop the others
                pass

    def tick(self) -> int:
        """Fire everything due by now on the lab clock; returns how many firings."""
        with self._lock:  # the background thread and a caller may tick at once: fire each once
            return self._tick()

    def _tick(self) -> int:
        now = self._clock.now()
        fired = 0
        live = set()
        for rule in self._rules():
            expression = getattr(rule, "scheduled_expression", None)
            if not expression or rule.state != "ENABLED":
                continue
            live.add(rule.arn)
            known = self._next.get(rule.arn)
            if known is None or known[0] != expression:
                # A new (or changed) rule first fires one period after it is created, as on AWS.
                self._next[rule.arn] = (expression, Schedule(expression).next_after(now))
                continue
            schedule, due = Schedule(expression), known[1]
            while due is not None and due <= now and fired < _MAX_FIRINGS_PER_TICK:
                self._fire(rule, self.scheduled_event(rule.arn, due))
                fired += 1
                due = schedule.next_after(due)
            self._next[rule.arn] = (expression, due)
        for gone in set(self._next) - live:
            del self._next[gone]
        return fired

    def scheduled_event(self, rule_arn: str, at: float) -> dict:
        return {"version": "0", "id": str(uuid.uuid4()), "detail-type": "Scheduled Event", "source": "aws.events",
                "account": self._account_id, "time": datetime.fromtimestamp(at, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "region": self._region, "resources": [rule_arn], "detail": {}}

    def close(self) -> None:
        self._stop.set()
