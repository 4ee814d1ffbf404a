"""What every event builder shares: the clock, the random source, and ids in AWS's own shapes.

Builders take ``now`` (epoch seconds) and ``seed`` or ``rng`` instead of reading the wall clock
and module-level randomness, so a notebook's saved output and a test's expectations do not churn:
the same ``now`` and ``seed`` give the same event, byte for byte.
"""

from __future__ import annotations

import base64
import json
import random
import string
import time
import uuid
from datetime import datetime, timezone
from typing import Any

DEFAULT_REGION = "us-east-1"
#: The account id AWS's own documentation uses in its examples.
DEFAULT_ACCOUNT_ID = "123456789012"

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_LOWER_ALNUM = string.ascii_lowercase + string.digits
_UPPER_ALNUM = string.ascii_uppercase + string.digits
# IAM unique ids (AIDA..., AROA...) are base32: upper-case letters and the digits 2-7.
_BASE32 = string.ascii_uppercase + "234567"


class Ids:
    """Random ids in the shapes AWS uses, drawn from one ``random.Random`` so they repeat on demand."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def uuid4(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def hex(self, length: int, *, upper: bool = False) -> str:
        text = f"{self.rng.getrandbits(4 * length):0{length}x}"
        return text.upper() if upper else text

    def chars(self, alphabet: str, length: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(length))

    def lower_alnum(self, length: int) -> str:
        return self.chars(_LOWER_ALNUM, length)

    def upper_alnum(self, length: int) -> str:
        return self.chars(_UPPER_ALNUM, length)

    def raw(self, length: int) -> bytes:
        return self.rng.getrandbits(8 * length).to_bytes(length, "big")

    def b64(self, length: int, *, urlsafe: bool = False) -> str:
        data = self.raw(length)
        return (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(data).decode("ascii")

    def iam_user_id(self) -> str:
        """An IAM user's unique id, e.g. ``AIDAINPONIXQXHT3IKHL2`` (21 characters)."""
        return "AIDA" + self.chars(_BASE32, 17)

    def source_ip(self) -> str:
        # Addresses from the ranges reserved for documentation (RFC 5737): they look like a real
        # client's public address and can never be one.
        prefix = self.rng.choice(("192.0.2", "198.51.100", "203.0.113"))
        return f"{prefix}.{self.rng.randint(1, 254)}"

    def trace_id(self, now: float) -> str:
        """An X-Ray trace header as API Gateway and function URLs add it: ``Root=1-<time>-<24 hex>``."""
        return f"Root=1-{int(now):08x}-{self.hex(24)}"


def resolve_now(now: float | None) -> float:
    return time.time() if now is None else float(now)


def resolve_rng(seed: int | str | None, rng: random.Random | None, source: str) -> random.Random:
    """The caller's ``rng`` if given, else a fresh ``random.Random`` (never the module's).

    A seed is mixed with the event source, so ``seed=1`` gives an SQS message and an S3 upload
    different ids, as AWS would, while each stays the same from run to run.
    """
    if rng is not None:
        return rng
    return random.Random(None if seed is None else f"{source}:{seed}")


def epoch_ms(now: float) -> int:
    return int(now * 1000)


def _utc(now: float) -> datetime:
    # Seconds come from the same millisecond count as the fraction, so 12.9995 s never prints
    # as second 12 with 1000 ms.
    return datetime.fromtimestamp(epoch_ms(now) // 1000, tz=timezone.utc)


def iso_ms(now: float) -> str:
    """``2019-09-03T19:37:27.192Z``: S3, SNS."""
    return _utc(now).strftime("%Y-%m-%dT%H:%M:%S") + f".{epoch_ms(now) % 1000:03d}Z"


def iso_seconds(now: float) -> str:
    """``2019-03-01T01:23:45Z``: EventBridge."""
    return _utc(now).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_ms_no_zone(now: float) -> str:
    """``2015-06-27T00:48:05.899``: a DynamoDB stream label."""
    return iso_ms(now)[:-1]


def clf_time(now: float) -> str:
    """``10/Mar/2020:00:03:59 +0000``: API Gateway's ``requestTime``/``time`` (English months, always)."""
    moment = _utc(now)
    return f"{moment.day:02d}/{_MONTHS[moment.month - 1]}/{moment.year}:{moment.strftime('%H:%M:%S')} +0000"


def json_body(value: Any) -> str:
    """A message body as AWS delivers it: a string. Dicts and lists are JSON-encoded."""
    if isinstance(value, str):
        return value
    return json.dumps(value)
