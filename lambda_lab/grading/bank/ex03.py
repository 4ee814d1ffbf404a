"""Exercise 3 (after notebook 4): record every upload to a bucket in a DynamoDB table.

On each S3 upload to the bucket ``ex03-uploads``, the function ``ex03-uploads`` writes one item per
record of the event to the table ``ex03-uploads`` (partition key ``key``): ``key`` (the object's
key as it was uploaded, decoded from the event's URL-encoding), ``bucket``, ``size`` (a number)
and ``etag``. The checks upload real objects with ``lab.fire.s3_put`` (which adds the bucket's
notification the first time) and read the table; one invokes with a hand-built event holding
several records. Each check uses keys of its own, so checks can run again.
"""

from __future__ import annotations

import uuid

from ..checks import Fail, exercise

ex03 = exercise("ex03", "From S3 uploads to a DynamoDB table")
FUNCTION = "ex03-uploads"
BUCKET = "ex03-uploads"
TABLE = "ex03-uploads"


def _upload(ns, key: str, body: bytes) -> str:
    """Upload through the real path and wait for the function; returns the object's ETag (no quotes)."""
    fn = ns.function(FUNCTION)
    ran = ns.lab.fire.s3_put(fn, BUCKET, key, body)
    failed = [i for i in ran if i.error]
    assert not failed, (f"uploading {key!r}: the handler failed with {failed[0].error.get('errorType')}: "
                        f"{failed[0].error.get('errorMessage')}"[:300] + " (see its logs: uploads.logs())")
    return ns.lab.client("s3").head_object(Bucket=BUCKET, Key=key)["ETag"].strip('"')


def _item(ns, key: str, tag: str, others: tuple[str, ...] = ()) -> dict:
    dynamodb = ns.lab.client("dynamodb")
    try:
        found = ns.item(TABLE, {"key": {"S": key}})
    except Fail:
        raise
    except Exception as exc:  # noqa: BLE001 - e.g. a table made with another key
        raise AssertionError(f"could not read the table {TABLE!r} by its key 'key': {exc}"[:300]) from None
    if found is None:
        scan = {"TableName": TABLE, "ConsistentRead": True}
        near: list[str] = []
        while True:  # items this check wrote under another key, e.g. the key as the event spelled it
            page = dynamodb.scan(**scan)
            near += [str(i["key"].get("S")) for i in page["Items"]
                     if tag in str(i.get("key", {}).get("S", "")) and i["key"].get("S") not in others]
            if "LastEvaluatedKey" not in page:
                break
            scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        hint = f"; it has an item under {sorted(near)[:3]!r:.200} instead" if near else ""
        raise AssertionError(f"the table has no item whose key is {key!r}{hint}")
    return found


def _expect(ns, key: str, tag: str, *, size: int, etag: str, others: tuple[str, ...] = (),
            number: bool = False) -> None:
    """The item for ``key``: its bucket, size and etag (``number``: the size must be a DynamoDB number)."""
    item = _item(ns, key, tag, others)
    assert item.get("bucket") == {"S": BUCKET}, (f"the item for {key!r} should have bucket = {BUCKET!r} (a string), "
                                                  f"it has {item.get('bucket')!r}")
    sizes = [{"N": str(size)}] if number else [{"N": str(size)}, {"S": str(size)}]
    assert item.get("size") in sizes, (f"the item for {key!r} should have size = {size} stored as a number, "
                                       f"it has {item.get('size')!r}")
    assert item.get("etag") == {"S": etag}, (f"the item for {key!r} should have etag = {etag!r} (the record's eTag), "
                                              f"it has {item.get('etag')!r}")


def _tag() -> str:
    return uuid.uuid4().hex[:6]


@ex03.check(points=2, hint="Each record's s3.object holds key, size and eTag; s3.bucket.name is the bucket. "
                           "Write them with table.put_item(Item={...}).")
def records_an_upload(ns):
    tag = _tag()
    key = f"hello-{tag}.txt"
    body = b"hello, world"
    etag = _upload(ns, key, body)
    _expect(ns, key, tag, size=len(body), etag=etag, number=True)


@ex03.check(points=1, hint="Store the key exactly as it was uploaded, folders included, and each object's own size.")
def records_each_upload_in_a_folder(ns):
    tag = _tag()
    uploads = {f"reports/{tag}/q1.csv": b"a,b\n1,2\n", f"reports/{tag}/q2.csv": b"a,b\n1,2\n3,4\n5,6\n"}
    for key, body in uploads.items():
        etag = _upload(ns, key, body)
        _expect(ns, key, tag, size=len(body), etag=etag, others=tuple(uploads))


@ex03.check(points=2, hidden=True)
def decodes_url_encoded_keys(ns):
    tag = _tag()
    keys = (f"my photo {tag} (1).jpg", f"a+b & c=d/{tag}/café.txt")
    for key in keys:
        body = key.encode()
        etag = _upload(ns, key, body)
        _expect(ns, key, tag, size=len(body), etag=etag, others=keys)


@ex03.check(points=1, hidden=True)
def records_every_record_of_an_event(ns):
    from ... import events
    tag = _tag()
    keys = [f"batch/{tag}/one.txt", f"batch/{tag}/two.txt", f"batch/{tag}/three.txt"]
    etag = uuid.uuid4().hex
    answer = ns.function(FUNCTION).invoke(events.s3_put(BUCKET, keys=keys, size=2048, etag=etag))
    assert answer.error is None, (f"an event with {len(keys)} records: the handler failed with "
                                  f"{answer.error.get('errorType')}: {answer.error.get('errorMessage')}"[:300])
    for key in keys:
        _expect(ns, key, tag, size=2048, etag=etag, others=tuple(keys))
