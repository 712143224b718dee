"""``POST /hooks/sentry``: Sentry integration-platform webhooks, applied to the board at once.

Sentry signs the exact raw body: ``Sentry-Hook-Signature`` is the lowercase hex
HMAC-SHA256 keyed with the integration's client secret (from the env var named
by a sentry source's ``webhook_secret_env``). Anything unsigned or mis-signed is
401 and changes nothing. The timestamp header is not signed, so no replay window
can be enforced with it. The answer comes from memory, well inside Sentry's 1 s.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from collectors.errors import CollectorError
from collectors.options import read_env
from collectors.sentry.source import SentryHook, SentrySource
from wallboard.api.errors import error_response
from wallboard.state.store import StoreUnavailable, forward_hook
from wallboard.wall import Wall, wall

log = logging.getLogger(__name__)
HANDLED = frozenset({"issue", "event_alert"})


def signature(secret: bytes, body: bytes) -> str:
    """The ``Sentry-Hook-Signature`` Sentry sends for this raw body."""
    return hmac.new(secret, body, hashlib.sha256).hexdigest()


def _secrets(the_wall: Wall) -> list[tuple[str, bytes]]:
    """(source id, client secret) of every sentry source that takes webhooks."""
    out = []
    for sid, source in the_wall.config.sources.items():
        if source.type != "sentry":
            continue
        secret = read_env(getattr(source.options, "webhook_secret_env", None), the_wall.env)
        if secret:
            out.append((sid, secret.encode()))
    return out


def _signed_by(the_wall: Wall, body: bytes, presented: str) -> str | None:
    """The source whose secret signed ``body``; every candidate is compared in full."""
    match = None
    for sid, secret in _secrets(the_wall):
        if hmac.compare_digest(signature(secret, body).encode(), presented.encode()) and not match:
            match = sid
    return match


def receive() -> Response:
    the_wall = wall(current_app)
    if not _secrets(the_wall):
        return error_response(404, "not_configured", "no sentry source has webhook_secret_env set")
    try:
        body = request.get_data(cache=False)
    except RequestEntityTooLarge:
        return error_response(413, "payload_too_large", "webhook body too large")
    presented = request.headers.get("Sentry-Hook-Signature", "").strip().lower()
    source_id = _signed_by(the_wall, body, presented) if presented else None
    if source_id is None:
        reason = "bad signature" if presented else "missing Sentry-Hook-Signature"
        return error_response(401, "unauthorized", reason)
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return error_response(400, "bad_request", "body is not JSON")
    resource = request.headers.get("Sentry-Hook-Resource", "")
    if not isinstance(payload, Mapping):
        return error_response(400, "bad_request", "body is not a JSON object")
    if resource not in HANDLED:
        # Sentry sends every subscribed resource; the rest are not ours to show.
        return jsonify(ok=True, ignored=resource or "no Sentry-Hook-Resource")
    source = the_wall.sources.get(source_id)
    if not isinstance(source, SentrySource):
        return error_response(404, "not_configured", f"source {source_id} is not running")
    if not isinstance(payload.get("data"), Mapping):
        return error_response(400, "bad_request", 'webhook body has no "data" object')
    try:
        queued = forward_hook(
            the_wall, "sentry", source_id, {"resource": resource, "body": payload}
        )
    except StoreUnavailable as exc:
        return error_response(503, "state_store_unavailable", f"not accepted, retry: {exc}")
    if queued is not None:  # several replicas: the leader applies it, exactly once
        return jsonify(ok=True, queued=queued, duplicate=not queued)
    try:
        teams, version = _apply(the_wall, source_id, resource, payload)
    except CollectorError as exc:
        return error_response(400, "bad_request", exc.reason)
    return jsonify(ok=True, teams=teams, version=version)


def _apply(
    the_wall: Wall, source_id: str, resource: str, payload: Mapping[str, Any]
) -> tuple[list[str], int]:
    source = the_wall.sources[source_id]
    assert isinstance(source, SentrySource)
    collection = source.receive(SentryHook(resource, payload))
    version = the_wall.board.push(source_id, collection)
    teams = sorted({team for team, _ in collection.readings})
    log.info("sentry webhook %r %r updated %s", resource, payload.get("action"), teams)
    return teams, version


def apply(the_wall: Wall, source_id: str, queued: Mapping[str, Any]) -> int:
    """Apply a webhook queued by a replica (``{"resource", "body"}``); the board version."""
    return _apply(the_wall, source_id, str(queued["resource"]), queued["body"])[1]


def register(app: Flask) -> None:
    bp = Blueprint("hooks_sentry", __name__)
    bp.add_url_rule("/hooks/sentry", "receive", receive, methods=["POST"])
    app.register_blueprint(bp)
