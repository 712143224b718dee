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
    """The hook of a verified request; None for a resource this wall does not show.

    The shape the source reads (docs/api-facts.md 2.7) is checked here, in full, so a
    malformed body is refused (CollectorError, kind ``bad_request``, naming the field)
    before anything is applied or queued for a replicas' leader.
    """
    try:
        payload = json.loads(request.body())
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise CollectorError("body is not JSON", kind="bad_request") from exc
    if not isinstance(payload, Mapping):
        raise CollectorError("body is not a JSON object", kind="bad_request")
    resource = request.header(RESOURCE_HEADER)
    if resource not in HANDLED:
        return None
    _check(resource, payload)
    return SentryHook(resource, payload)


def _check(resource: str, payload: Mapping[str, Any]) -> None:
    def refuse(reason: str) -> CollectorError:
        return CollectorError(f"{resource} webhook: {reason}", kind="bad_request")

    action = payload.get("action")
    if not isinstance(action, str) or not action:
        raise refuse('"action": expected a non-empty string')
    data = payload.get("data")
    if not isinstance(data, Mapping):
        raise refuse('"data": expected an object')
    if resource == "issue":
        issue = data.get("issue")
        if not isinstance(issue, Mapping):
            raise refuse('"data.issue": expected an object')
        if not isinstance(issue.get("id"), (str, int)) or isinstance(issue.get("id"), bool):
            raise refuse('"data.issue.id": expected a string')
        if not isinstance(issue.get("project"), Mapping):
            raise refuse('"data.issue.project": expected an object')
        return
    event = data.get("event")
    if not isinstance(event, Mapping):
        raise refuse('"data.event": expected an object')
    if not isinstance(event.get("issue_id"), (str, int)) or isinstance(event.get("issue_id"), bool):
        raise refuse('"data.event.issue_id": expected a string')
    if not isinstance(event.get("project"), (str, int)) or isinstance(event.get("project"), bool):
        raise refuse('"data.event.project": expected the project id')
