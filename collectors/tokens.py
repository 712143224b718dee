"""Secrets compared the one safe way: in constant time, with bearer tokens parsed in one place.

Shared by every check of a presented secret (the API's tokens, the Alertmanager
webhook token, the Sentry and Slack signatures), so none of them can forget the
constant-time compare or read an ``Authorization`` header differently.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable


def _bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8", "replace")


def same(presented: str | bytes, expected: str | bytes) -> bool:
    """Constant-time equality; an empty ``expected`` (no secret configured) never matches."""
    if not expected:
        return False
    return hmac.compare_digest(_bytes(presented), _bytes(expected))


def matches_any(presented: str | bytes, accepted: Iterable[str | bytes]) -> bool:
    """Constant-time match against every accepted value (no early exit that times which one)."""
    matched = False
    for expected in accepted:
        matched |= same(presented, expected)
    return matched


def bearer(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, else None."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None
