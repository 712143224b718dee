"""A webhook's body, read and decoded so that no body can turn into a 5xx.

Oversized (413), not JSON, wrongly encoded, nested past any sane depth, holding a
number out of range (``1e400``, ``NaN``, 400 digits) or not a JSON object (400):
each is a JSON error naming what is wrong, and the board is never touched. The
depth check runs before the parser would recurse (collectors/jsonsafe.py), so a
megabyte of ``[`` costs one linear scan, not a RecursionError.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, request
from werkzeug.exceptions import RequestEntityTooLarge

from collectors import jsonsafe
from wallboard.api.errors import error_response

MAX_DEPTH = jsonsafe.MAX_DEPTH  # Alertmanager and Sentry payloads nest under 10 levels


def raw_body() -> bytes | Response:
    """The raw bytes (signatures cover them), or a 413 JSON error past MAX_CONTENT_LENGTH."""
    try:
        return request.get_data(cache=False)
    except RequestEntityTooLarge:
        limit = request.max_content_length
        return error_response(413, "payload_too_large", f"body over the {limit} byte limit")


def json_object(body: bytes) -> Mapping[str, Any] | Response:
    """The body as a JSON object, or a 400 JSON error saying why not (too deep, a
    number out of range or not a number at all, not JSON, not an object)."""
    try:
        payload = jsonsafe.loads(body, MAX_DEPTH)
    except (jsonsafe.TooDeep, jsonsafe.BadNumber) as exc:
        return error_response(400, "bad_request", str(exc))
    except (ValueError, UnicodeDecodeError):
        return error_response(400, "bad_request", "body is not JSON")
    if not isinstance(payload, Mapping):
        return error_response(400, "bad_request", "body is not a JSON object")
    return payload
