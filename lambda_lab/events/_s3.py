"""Amazon S3 event notifications, as S3 delivers them to a function.

Mirrors https://docs.aws.amazon.com/lambda/latest/dg/with-s3.html and
https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote_plus

from ..errors import LambdaLabError
from ._common import DEFAULT_REGION, Ids, iso_ms, resolve_now, resolve_rng

__all__ = ["s3_put", "s3_delete"]


def s3_put(
    bucket: str,
    key: str | None = None,
    *,
    keys: Sequence[str] | None = None,
    size: int = 1024,
    etag: str | None = None,
    version_id: str | None = None,
    region: str = DEFAULT_REGION,
    now: float | None = None,
    seed: int | str | None = None,
    rng: random.Random | None = None,
) -> dict[str, Any]:
    """The event S3 sends when an object is uploaded with PutObject (``ObjectCreated:Put``).

    >>> event = s3_put("photos", "cats/tom 1.jpg", size=2048, now=0, seed=1)
    >>> event["Records"][0]["s3"]["object"]["key"]      # URL-encoded, as S3 sends it
    'cats/tom+1.jpg'

    ``keys=[...]`` gives one record per key. AWS sends one record per notification; several in
    one event is a shortcut for exercising a loop over ``event["Records"]``.
    See https://docs.aws.amazon.com/lambda/latest/dg/with-s3.html
    """
    return _notification(
        "ObjectCreated:Put", bucket, _keys(key, keys), size=size, etag=etag, version_id=version_id,
        region=region, now=now, seed=seed, rng=rng,
    )


def s3_delete(
    bucket: str,
    key: str | None = None,
    *,
    keys: Sequence[str] | None = None,
    version_id: str | None = None,
    region: str = DEFAULT_REGION,
    now: float | None = None,
    seed: int | str | None = None,
    rng: random.Random | None = None,
) -> dict[str, Any]:
    """The event S3 sends when an object is deleted (``ObjectRemoved:Delete``).

    Like AWS, the object has no ``size`` or ``eTag``: the bytes are gone.

    >>> s3_delete("photos", "cats/tom.jpg", now=0, seed=1)["Records"][0]["eventName"]
    'ObjectRemoved:Delete'
    """
    return _notification(
        "ObjectRemoved:Delete", bucket, _keys(key, keys), size=None, etag=None, version_id=version_id,
        region=region, now=now, seed=seed, rng=rng,
    )


def encode_key(key: str) -> str:
    """An object key the way S3 writes it into a notification: form-encoded, slashes kept.

    Handlers decode it with ``urllib.parse.unquote_plus``; forgetting to is a classic bug.
    """
    return quote_plus(key, safe="/")


def _keys(key: str | None, keys: Sequence[str] | None) -> list[str]:
    if (key is None) == (keys is None):
        raise LambdaLabError("give the object key as `key=\"...\"` or several as `keys=[...]` (exactly one of them)")
    if keys is not None:
        if isinstance(keys, str) or not keys:
            raise LambdaLabError("`keys` takes a non-empty list of object keys, e.g. keys=[\"a.jpg\", \"b.jpg\"]")
        return list(keys)
    return [key]  # type: ignore[list-item]


def _notification(
    event_name: str,
    bucket: str,
    keys: list[str],
    *,
    size: int | None,
    etag: str | None,
    version_id: str | None,
    region: str,
    now: float | None,
    seed: int | str | None,
    rng: random.Random | None,
) -> dict[str, Any]:
    # S3 notifications name no account: the bucket ARN is global and carries none.
    moment = resolve_now(now)
    ids = Ids(resolve_rng(seed, rng, "s3"))
    # One uploader and one bucket owner for the whole event; request ids differ per record.
    principal = "AWS:" + ids.iam_user_id()
    owner = "A" + ids.upper_alnum(13)
    source_ip = ids.source_ip()
    configuration_id = ids.uuid4()
    # S3 sequencers are hex that only grows for a given key; ours start at the event's time.
    first_sequencer = (int(moment) << 32) | ids.rng.getrandbits(32)
    records = []
    for index, key in enumerate(keys):
        obj: dict[str, Any] = {"key": encode_key(key)}
        if size is not None:
            obj["size"] = int(size)
            obj["eTag"] = etag if etag is not None else ids.hex(32)
        if version_id is not None:
            obj["versionId"] = version_id
        obj["sequencer"] = f"{first_sequencer + index:018X}"
        records.append({
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "awsRegion": region,
            "eventTime": iso_ms(moment),
            "eventName": event_name,
            "userIdentity": {"principalId": principal},
            "requestParameters": {"sourceIPAddress": source_ip},
            "responseElements": {
                "x-amz-request-id": ids.hex(16, upper=True),
                "x-amz-id-2": ids.b64(56),
            },
            "s3": {
                "s3SchemaVersion": "1.0",
                "configurationId": configuration_id,
                "bucket": {
                    "name": bucket,
                    "ownerIdentity": {"principalId": owner},
                    "arn": f"arn:aws:s3:::{bucket}",
                },
                "object": obj,
            },
        })
    return {"Records": records}
