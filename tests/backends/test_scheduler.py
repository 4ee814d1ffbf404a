"""Schedule expressions as EventBridge and EventBridge Scheduler read them:
https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from lambda_lab.backends.local.scheduler import Schedule, SchedulerSchedule
from lambda_lab.errors import InvalidParameterValueError


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()


def test_rate_and_cron_fire_at_their_times():
    assert Schedule("rate(5 minutes)").next_after(at("2026-12-04T10:00:00")) == at("2026-12-04T10:05:00")
    assert Schedule("cron(0 12 * * ? *)").next_after(at("2026-12-04T12:00:00")) == at("2026-12-05T12:00:00")


def test_a_one_time_schedule_fires_once():
    once = Schedule("at(2026-12-24T18:30:00)")
    assert once.next_after(at("2026-12-04T00:00:00")) == at("2026-12-24T18:30:00")
    assert once.next_after(at("2026-12-24T18:30:00")) is None


def test_a_bad_expression_says_how_to_write_one():
    with pytest.raises(InvalidParameterValueError, match="rate.5 minutes"):
        Schedule("every 5 minutes")


class _MotoSchedule:
    arn = "arn:aws:scheduler:us-east-1:123456789012:schedule/default/nightly"
    schedule_expression, state = "rate(1 day)", "ENABLED"

    def __init__(self, target):
        self.target = target


def test_a_lambda_target_gets_its_input_with_context_attributes_filled_in():
    calls = []
    schedule = SchedulerSchedule(_MotoSchedule({"Arn": "arn:aws:lambda:us-east-1:123456789012:function:f",
                                                "Input": '{"at": "<aws.scheduler.scheduled-time>", '
                                                         '"by": "<aws.scheduler.schedule-arn>"}'}),
                                 lambda arn, payload: calls.append((arn, payload)))
    schedule.send_to_targets({"time": "2026-12-04T00:00:00Z", "id": "e-1"})
    assert calls == [("arn:aws:lambda:us-east-1:123456789012:function:f",
                      {"at": "2026-12-04T00:00:00Z", "by": _MotoSchedule.arn})]


def test_targets_other_than_lambda_are_not_delivered():
    calls = []
    SchedulerSchedule(_MotoSchedule({"Arn": "arn:aws:sqs:us-east-1:123456789012:q"}),
                      lambda arn, payload: calls.append(arn)).send_to_targets({"time": "t", "id": "i"})
    assert calls == []
