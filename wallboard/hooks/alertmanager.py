"""``POST /hooks/alertmanager``: Alertmanager webhooks (v4), on the team's screen at once.

Alertmanager does not sign payloads; it sends ``Authorization: Bearer <token>``
from its ``http_config.authorization``, checked in constant time by each
alertmanager source against its ``webhook_token_env``. A missing or wrong token is
401, a malformed body 400 (naming the field; checked before anything is queued), and
in both cases nothing on the board changes. With replicas sharing a board
(``[state] backend = "redis"``) a verified, well-formed webhook is queued durably and
the leader applies it, exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, jsonify, request

from collectors.base import PushRequest
from collectors.errors import CollectorError
from wallboard.api.errors import error_response
from wallboard.hooks.body import json_object, raw_body
from wallboard.hooks.push import from_queue, push_request, queued_answer, receivers, verified_by
from wallboard.wall import Wall, current_wall

log = logging.getLogger(__name__)
KIND = "alertmanager"


def receive() -> Response:
    wall = current_wall()
    sources = receivers(wall, KIND)
    if not sources:
        return error_response(404, "not_configured", "no alertmanager source is configured")
    push = push_request()
    source_id = verified_by(sources, push)
    if source_id is None:
        given = request.headers.get("Authorization", "").partition(" ")[2]
        reason = "wrong bearer token" if given else "missing bearer token"
        response = error_response(401, "unauthorized", reason)
        response.headers["WWW-Authenticate"] = 'Bearer realm="wallboard"'
        return response
    # Only a verified sender gets its body read: oversized, deep or non-object bodies are
    # a JSON 413/400 here, before the source parses anything (hooks/body.py).
    body = raw_body()
    if isinstance(body, Response):
        return body
    payload = json_object(body)
    if isinstance(payload, Response):
        return payload
    verified = push_request(body)
    # The payload's shape, checked by the source before anything is queued or applied: a
    # replica answers 400 itself rather than 200 for a push the leader would drop.
    try:
        sources[source_id].check(verified)
    except CollectorError as exc:
        return error_response(400, "bad_request", exc.reason)
    queued = queued_answer(wall, KIND, source_id, verified)
    if queued is not None:
        return queued
    try:
        version = _apply(wall, source_id, verified)
    except CollectorError as exc:
        return error_response(400, "bad_request", exc.reason)
    if version is None:
        return jsonify(ok=True, ignored=KIND)
    return jsonify(ok=True, version=version)


def _apply(wall: Wall, source_id: str, push: PushRequest) -> int | None:
    """Apply a verified webhook to the board; the board version after it (None: ignored)."""
    collection = receivers(wall, KIND)[source_id].receive(push)
    if collection is None:
        return None
    # The collection is the source's whole alert state (not a delta), so it is applied
    # like a cycle: that also refreshes the source's "no team label" warning on /wall.
    version = wall.board.apply(source_id, collection)
    log.info("alertmanager webhook for %s applied", source_id)
    return version


def apply(wall: Wall, source_id: str, queued: Mapping[str, Any]) -> int | None:
    """Apply a webhook a replica queued (``hooks.push.queue_entry``); the board version."""
    return _apply(wall, source_id, from_queue(queued))


bp = Blueprint("hooks_alertmanager", __name__)
bp.add_url_rule("/hooks/alertmanager", "receive", receive, methods=["POST"])
