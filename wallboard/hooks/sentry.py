"""``POST /hooks/sentry``: Sentry integration-platform webhooks, applied to the board at once.

Each sentry source with ``webhook_secret_env`` or ``_file`` checks the signature itself
(``collectors/sentry/webhook.py``); anything unsigned or mis-signed is 401 and
changes nothing; a signed but malformed body is 400 naming the field. The answer
comes from memory, well inside Sentry's 1 s. With replicas sharing a board, a
verified, well-formed webhook is queued durably and the leader applies it, exactly once.
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
KIND = "sentry"


def receive() -> Response:
    wall = current_wall()
    sources = receivers(wall, KIND)
    if not sources:
        return error_response(
            404,
            "not_configured",
            "no sentry source has webhook_secret_env or webhook_secret_file set",
        )
    body = raw_body()  # a JSON 413 past the size limit (hooks/body.py)
    if isinstance(body, Response):
        return body
    push = push_request(body)
    source_id = verified_by(sources, push)
    if source_id is None:
        presented = request.headers.get("Sentry-Hook-Signature", "").strip()
        reason = "bad signature" if presented else "missing Sentry-Hook-Signature"
        return error_response(401, "unauthorized", reason)
    # Signed, so parsed: deep, non-JSON or non-object bodies are a JSON 400 before the
    # source reads anything.
    payload = json_object(body)
    if isinstance(payload, Response):
        return payload
    resource = request.headers.get("Sentry-Hook-Resource", "")
    # The shape, checked by the source before anything is queued: a 400 naming the field
    # from whichever replica got it, and a resource the wall does not show is not queued.
    try:
        handled = sources[source_id].check(push)
    except CollectorError as exc:
        return error_response(400, "bad_request", exc.reason)
    if not handled:
        return jsonify(ok=True, ignored=resource or "no Sentry-Hook-Resource")
    queued = queued_answer(wall, KIND, source_id, push)
    if queued is not None:
        return queued
    try:
        applied = _apply(wall, source_id, push)
    except CollectorError as exc:
        return error_response(400, "bad_request", exc.reason)
    if applied is None:
        return jsonify(ok=True, ignored=resource or "no Sentry-Hook-Resource")
    teams, version = applied
    return jsonify(ok=True, teams=teams, version=version)


def _apply(wall: Wall, source_id: str, push: PushRequest) -> tuple[list[str], int] | None:
    """Apply a verified webhook: (teams changed, board version), None when ignored."""
    collection = receivers(wall, KIND)[source_id].receive(push)
    if collection is None:
        return None
    version = wall.board.push(source_id, collection)
    teams = sorted({team for team, _ in collection.readings})
    log.info("sentry webhook %r updated %s", push.header("Sentry-Hook-Resource"), teams)
    return teams, version


def apply(wall: Wall, source_id: str, queued: Mapping[str, Any]) -> int | None:
    """Apply a webhook a replica queued (``hooks.push.queue_entry``); the board version."""
    applied = _apply(wall, source_id, from_queue(queued))
    return None if applied is None else applied[1]


bp = Blueprint("hooks_sentry", __name__)
bp.add_url_rule("/hooks/sentry", "receive", receive, methods=["POST"])
