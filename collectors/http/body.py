"""An answer's body, read in chunks under a size cap and the request's total deadline."""

from __future__ import annotations

from typing import Any

from collectors.http import deadline as deadlines
from collectors.http.response import body_too_large, timeout_error

_CHUNK = 64 * 1024


def read_capped(raw: Any, spent: deadlines.Budget, max_body: int) -> bytes:
    """The body in chunks, never more than ``max_body`` bytes, never past the budget.

    A body cut short (cap, deadline) closes the connection rather than returning
    it to the pool: the rest of the answer would still be on the wire.
    """
    length = raw.headers.get("content-length", "")
    if length.isdigit() and int(length) > max_body:
        raw.close()
        raise body_too_large(max_body)
    # One growing buffer rather than a list of chunks: it is a single allocation the
    # allocator hands back to the system when freed, so a cycle leaves no fragments.
    body = bytearray()
    try:
        while True:
            if spent.expired:
                raise timeout_error(spent.seconds)
            chunk = raw.read(_CHUNK)
            if not chunk:
                if spent.expired:  # the watchdog's shutdown reads as an early end
                    raise timeout_error(spent.seconds)
                return bytes(body)
            if len(body) + len(chunk) > max_body:
                raise body_too_large(max_body)
            body += chunk
    except BaseException:
        raw.close()
        # The error's traceback keeps this frame alive (sources keep errors around):
        # free the partial body now rather than whenever the cycle collector runs.
        body.clear()
        raise
