"""``POST /hooks/alertmanager``: Alertmanager webhooks (v4), on the team's screen at once.

Alertmanager does not sign payloads; it sends ``Authorization: Bearer <token>``
from its ``http_config.authorization``, checked in constant time against each
alertmanager source's ``webhook_token_env``. A missing or wrong token is 401, a
malformed body 400, and in both cases nothing on the board changes.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, current_app, jsonify, request

from collectors.alertmanager.payload import PayloadError
from collectors.alertmanager.source import AlertmanagerSource
from wallboard.api.errors import error_response
from wallboard.hooks.body import json_object, raw_body
from wallboard.wall import wall

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
    body = raw_body()
    if isinstance(body, Response):
        return body
    payload = json_object(body)
    if isinstance(payload, Response):
        return payload
    source_id = matches[0]
    try:
        collection = sources[source_id].receive(payload)
    except PayloadError as exc:
        return error_response(400, "bad_request", f"not an Alertmanager v4 payload: {exc}")
    # The collection is the source's whole alert state (not a delta), so it is applied
    # like a cycle: that also refreshes the source's "no team label" warning on /wall.
    version = the_wall.board.apply(source_id, collection)
    log.info("alertmanager webhook %r for %s applied", payload.get("status"), source_id)
    return jsonify(ok=True, version=version)


def register(app: Flask) -> None:
    bp = Blueprint("hooks_alertmanager", __name__)
    bp.add_url_rule("/hooks/alertmanager", "receive", receive, methods=["POST"])
    app.register_blueprint(bp)
