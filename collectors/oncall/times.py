"""Vendor timestamps to unix seconds: every on-call API writes ISO 8601 with an offset."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from collectors.errors import CollectorError


def iso(at: float) -> str:
    """``at`` as ISO 8601 in UTC, seconds only, the form every vendor takes."""
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch(raw: Any, what: str) -> float:
    """Unix seconds of an ISO 8601 time; a CollectorError naming ``what`` if it is not one."""
    try:
        parsed = datetime.fromisoformat(str(raw))
    except ValueError:
        raise CollectorError(
            f"{what}: not a time: {str(raw)[:40]!r}", kind="bad_response"
        ) from None
    if parsed.tzinfo is None:  # every vendor sends an offset; a bare time is UTC
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def maybe_epoch(raw: Any, what: str) -> float | None:
    return None if raw in (None, "") else epoch(raw, what)
