"""A webhook's body, read and decoded so that no body can turn into a 5xx.

Oversized (413), not JSON, wrongly encoded, nested past any sane depth, or not
a JSON object (400): each is a JSON error naming what is wrong, and the board is
never touched. The depth check runs before ``json.loads`` would recurse, so a
megabyte of ``[`` costs one linear scan, not a RecursionError.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import Response, request
from werkzeug.exceptions import RequestEntityTooLarge

from wallboard.api.errors import error_response

MAX_DEPTH = 32  # Alertmanager and Sentry payloads nest under 10 levels


def raw_body() -> bytes | Response:
    """The raw bytes (signatures cover them), or a 413 JSON error past MAX_CONTENT_LENGTH."""
    try:
        return request.get_data(cache=False)
    except RequestEntityTooLarge:
        limit = request.max_content_length
        return error_response(413, "payload_too_large", f"body over the {limit} byte limit")


def json_object(body: bytes) -> Mapping[str, Any] | Response:
    """The body as a JSON object, or a 400 JSON error saying why not."""
    if _depth(body) > MAX_DEPTH:
        return error_response(400, "bad_request", f"JSON nested deeper than {MAX_DEPTH} levels")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return error_response(400, "bad_request", "body is not JSON")
    if not isinstance(payload, Mapping):
        return error_response(400, "bad_request", "body is not a JSON object")
    return payload


def _depth(body: bytes) -> int:
    """The deepest bracket nesting, skipping strings; an upper bound for json.loads' recursion."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_DEPTH:
                return deepest
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest
