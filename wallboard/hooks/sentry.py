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
import logging

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from collectors.errors import CollectorError
from collectors.options import read_env
from collectors.sentry.source import SentryHook, SentrySource
from wallboard.api.errors import error_response
from wallboard.hooks.body import json_object, raw_body
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
    body = raw_body()
    if isinstance(body, Response):
        return body
    presented = request.headers.get("Sentry-Hook-Signature", "").strip().lower()
    source_id = _signed_by(the_wall, body, presented) if presented else None
    if source_id is None:
        reason = "bad signature" if presented else "missing Sentry-Hook-Signature"
        return error_response(401, "unauthorized", reason)
    payload = json_object(body)
    if isinstance(payload, Response):
        return payload
    resource = request.headers.get("Sentry-Hook-Resource", "")
    if resource not in HANDLED:
        # Sentry sends every subscribed resource; the rest are not ours to show.
        return jsonify(ok=True, ignored=resource or "no Sentry-Hook-Resource")
    source = the_wall.sources.get(source_id)
    if not isinstance(source, SentrySource):
        return error_response(404, "not_configured", f"source {source_id} is not running")
    try:
        collection = source.receive(SentryHook(resource, payload))
    except CollectorError as exc:
        return error_response(400, "bad_request", exc.reason)
    version = the_wall.board.push(source_id, collection)
    teams = sorted({team for team, _ in collection.readings})
    log.info("sentry webhook %r %r updated %s", resource, payload.get("action"), teams)
    return jsonify(ok=True, teams=teams, version=version)


def register(app: Flask) -> None:
    bp = Blueprint("hooks_sentry", __name__)
    bp.add_url_rule("/hooks/sentry", "receive", receive, methods=["POST"])
    app.register_blueprint(bp)
