"""AWS's event stream encoding (``application/vnd.amazon.eventstream``), as InvokeWithResponseStream sends it.

Each message: total length and headers length (4-byte big-endian each), the CRC32 of those 8
bytes, the headers (name length, name, type 7 = string, 2-byte value length, value), the payload,
and the CRC32 of everything before it. botocore's ``EventStreamBuffer`` reads these back.
https://docs.aws.amazon.com/lambda/latest/api/API_InvokeWithResponseStream.html and
https://docs.aws.amazon.com/AmazonS3/latest/API/RESTSelectObjectAppendix.html (the same framing)
"""

from __future__ import annotations

import json
import struct
import zlib

__all__ = ["event_message", "payload_chunk", "invoke_complete"]


def _headers(headers: dict[str, str]) -> bytes:
    out = b""
    for name, value in headers.items():
        name_bytes, value_bytes = name.encode(), value.encode()
        out += struct.pack(">B", len(name_bytes)) + name_bytes + struct.pack(">BH", 7, len(value_bytes)) + value_bytes
    return out


def event_message(event_type: str, payload: bytes, content_type: str) -> bytes:
    headers = _headers({":event-type": event_type, ":content-type": content_type, ":message-type": "event"})
    total = 12 + len(headers) + len(payload) + 4
    prelude = struct.pack(">II", total, len(headers))
    prelude += struct.pack(">I", zlib.crc32(prelude) & 0xFFFFFFFF)
    body = prelude + headers + payload
    return body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def payload_chunk(data: bytes) -> bytes:
    """A ``PayloadChunk`` event: the bytes the function wrote."""
    return event_message("PayloadChunk", data, "application/octet-stream")


def invoke_complete(*, error_code: str | None = None, error_details: str | None = None,
                    log_result: str | None = None) -> bytes:
    """The ``InvokeComplete`` event that ends the stream (with the error, if the function failed)."""
    document = {k: v for k, v in (("ErrorCode", error_code), ("ErrorDetails", error_details),
                                  ("LogResult", log_result)) if v is not None}
    return event_message("InvokeComplete", json.dumps(document).encode(), "application/json")
