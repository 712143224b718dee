"""What the webhook routes share: the running sources that take pushes, and the request as given.

The routes know HTTP; each source knows its own token or signature scheme and
payload (``collectors.base.PushReceiver``), so nothing here names a collector class.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Mapping
from typing import Any

from flask import Response, jsonify, request

from collectors.base import PushReceiver, PushRequest
from wallboard.api.errors import error_response
from wallboard.state.ports import StoreUnavailable, forward_hook
from wallboard.wall import Wall


def receivers(wall: Wall, kind: str) -> dict[str, PushReceiver]:
    """The running sources of ``kind`` that are set up to take pushes, by source id."""
    return {
        sid: source
        for sid, source in wall.sources.items()
        if isinstance(source, PushReceiver) and source.kind == kind and source.accepts_pushes
    }


def push_request(body: bytes | None = None) -> PushRequest:
    """This request for a source to verify; its raw body is read once, only if needed."""
    headers = {name.lower(): value for name, value in request.headers.items()}
    if body is not None:
        known = body
        return PushRequest(headers, lambda: known)
    return PushRequest(headers, functools.cache(lambda: request.get_data(cache=False)))


def verified_by(sources: dict[str, PushReceiver], push: PushRequest) -> str | None:
    """The first source that accepts the request; every candidate is checked in full."""
    accepted = [sid for sid, source in sources.items() if source.verify(push)]
    return accepted[0] if accepted else None


# -- webhooks queued for the leader when replicas share a board (wallboard/state) ------------
# Only what ``receive`` reads after verification is queued: the resource header and the raw
# body (base64: a body need not be UTF-8). Never the Authorization header or a signature.
QUEUED_HEADERS = ("sentry-hook-resource",)


def queue_entry(push: PushRequest) -> dict[str, Any]:
    """A verified push as JSON-ready data for the shared hook queue."""
    headers = {name: push.header(name) for name in QUEUED_HEADERS if push.header(name)}
    return {"headers": headers, "body": base64.b64encode(push.body()).decode("ascii")}


def from_queue(entry: Mapping[str, Any]) -> PushRequest:
    """The push a replica queued (``queue_entry``), to apply on the leader."""
    headers = entry.get("headers")
    items = headers.items() if isinstance(headers, dict) else ()
    known = {str(k).lower(): str(v) for k, v in items}
    body = base64.b64decode(str(entry.get("body", "")))
    return PushRequest(known, lambda: body)


def queued_answer(wall: Wall, kind: str, source_id: str, push: PushRequest) -> Response | None:
    """With replicas sharing a board, queue the verified push for the leader and answer
    (202-like 200, or 503 when it cannot be made durable); None: apply it here."""
    return queue_for_leader(wall, kind, source_id, queue_entry(push))


def queue_for_leader(
    wall: Wall,
    kind: str,
    source_id: str,
    entry: Mapping[str, Any],
    dedup: str | None = None,
    **answer: Any,
) -> Response | None:
    """``queued_answer`` for any JSON-ready entry (``answer``: more fields for the 200)."""
    try:
        queued = forward_hook(wall.state, kind, source_id, dict(entry), dedup)
    except StoreUnavailable as exc:
        return error_response(503, "state_store_unavailable", f"not accepted, retry: {exc}")
    if queued is None:
        return None
    # Several replicas: the leader applies it, exactly once.
    return jsonify(ok=True, queued=queued, duplicate=not queued, **answer)
