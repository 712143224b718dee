"""Sentry integration-platform webhooks: the signature check and the payload's outer shape.

Sentry signs the exact raw body: ``Sentry-Hook-Signature`` is the lowercase hex
HMAC-SHA256 keyed with the integration's client secret (from the env var named
by the source's ``webhook_secret_env``). The timestamp header is not signed, so
no replay window can be enforced with it. Beside the Alertmanager token check
(``collectors/alertmanager/source.py``): each kind checks its own pushes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from collectors.base import PushRequest
from collectors.errors import CollectorError
from collectors.tokens import same

SIGNATURE_HEADER = "Sentry-Hook-Signature"
RESOURCE_HEADER = "Sentry-Hook-Resource"
# Sentry sends every subscribed resource; the rest are not ours to show.
HANDLED = frozenset({"issue", "event_alert"})


@dataclass(frozen=True)
class SentryHook:
    """A verified integration-platform webhook: the resource header and the parsed body."""

    resource: str
    body: Mapping[str, Any]


def signature(secret: bytes, body: bytes) -> str:
    """The ``Sentry-Hook-Signature`` Sentry sends for this raw body."""
    return hmac.new(secret, body, hashlib.sha256).hexdigest()


def signed(secret: bytes, request: PushRequest) -> bool:
    """Whether ``secret`` signed this request's body (constant time; no secret, no match)."""
    presented = request.header(SIGNATURE_HEADER).strip().lower()
    if not secret or not presented:
        return False
    return same(presented, signature(secret, request.body()))


def parse(request: PushRequest) -> SentryHook | None:
    """The hook of a verified request; None for a resource this wall does not show."""
    try:
        payload = json.loads(request.body())
    except (ValueError, UnicodeDecodeError) as exc:
        raise CollectorError("body is not JSON", kind="bad_request") from exc
    if not isinstance(payload, Mapping):
        raise CollectorError("body is not a JSON object", kind="bad_request")
    resource = request.header(RESOURCE_HEADER)
    if resource not in HANDLED:
        return None
    return SentryHook(resource, payload)
