"""``POST /hooks/alertmanager``: Alertmanager webhooks (v4), on the team's screen at once.

Alertmanager does not sign payloads; it sends ``Authorization: Bearer <token>``
from its ``http_config.authorization``, checked in constant time against each
alertmanager source's ``webhook_token_env``. A missing or wrong token is 401, a
malformed body 400, and in both cases nothing on the board changes.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from collectors.alertmanager.payload import PayloadError, webhook_alerts
from collectors.alertmanager.source import AlertmanagerSource
from wallboard.api.errors import error_response
from wallboard.state.store import StoreUnavailable, forward_hook
from wallboard.wall import Wall, wall

log = logging.getLogger(__name__)


def receive() -> Response:
    the_wall = wall(current_app)
    sources: dict[str, AlertmanagerSource] = {}
    for sid, source in the_wall.sources.items():
        if isinstance(source, AlertmanagerSource):
            sources[sid] = source
    if not sources:
        return error_response(404, "not_configured", "no alertmanager source is configured")
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    matches = [
        sid
        for sid, candidate in sources.items()
        if scheme.lower() == "bearer" and candidate.accepts_token(presented.strip())
    ]
    if not matches:
        reason = "wrong bearer token" if presented else "missing bearer token"
        response = error_response(401, "unauthorized", reason)
        response.headers["WWW-Authenticate"] = 'Bearer realm="wallboard"'
        return response
    try:
        payload = json.loads(request.get_data(cache=False))
    except (ValueError, UnicodeDecodeError):
        return error_response(400, "bad_request", "body is not JSON")
    source_id = matches[0]
    try:
        webhook_alerts(payload)  # checked here: a queued payload must be one that applies
        queued = forward_hook(the_wall, "alertmanager", source_id, payload)
        if queued is not None:  # several replicas: the leader applies it, exactly once
            return jsonify(ok=True, queued=queued, duplicate=not queued)
        version = apply(the_wall, source_id, payload)
    except PayloadError as exc:
        return error_response(400, "bad_request", f"not an Alertmanager v4 payload: {exc}")
    except StoreUnavailable as exc:
        return error_response(503, "state_store_unavailable", f"not accepted, retry: {exc}")
    return jsonify(ok=True, version=version)


def apply(the_wall: Wall, source_id: str, payload: Any) -> int:
    """Apply a checked webhook payload to the board; the board version after it."""
    source = the_wall.sources[source_id]
    assert isinstance(source, AlertmanagerSource)
    collection = source.receive(payload)
    # The collection is the source's whole alert state (not a delta), so it is applied
    # like a cycle: that also refreshes the source's "no team label" warning on /wall.
    version = the_wall.board.apply(source_id, collection)
    log.info("alertmanager webhook %r for %s applied", payload.get("status"), source_id)
    return version


def register(app: Flask) -> None:
    bp = Blueprint("hooks_alertmanager", __name__)
    bp.add_url_rule("/hooks/alertmanager", "receive", receive, methods=["POST"])
    app.register_blueprint(bp)
