"""``POST /hooks/deploy``: CI tells the wall a team deployed; the screens tick at once.

Authorised by ``Authorization: Bearer <token>`` (parsed and compared in constant time
by collectors.tokens, through the API's own check), the token read from the env var
named by ``[deploys] token_env`` or the file named by ``token_file`` (404 while
neither is set, so an unconfigured wall takes no deploys). Bodies are read through
``hooks/body.py``: oversized, deep or non-object JSON is a JSON 413/400. The body
is a JSON object: ``team`` (or ``service``, mapped by ``[deploys.services]``),
``version``, optional ``url``, ``environment`` and ``time`` (unix seconds or
ISO 8601; default now). Anything refused leaves the board exactly as it was.
With replicas sharing a board the checked deploy (its time fixed on arrival) is
queued durably before the answer and the leader records it, once per team and
version; it reaches every replica with the board.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, jsonify, request

from wallboard.api.auth import accepted_tokens, presents_token
from wallboard.api.errors import error_response
from wallboard.board.deploys import Deploy
from wallboard.config.model import WallConfig
from wallboard.hooks.body import json_object, raw_body
from wallboard.hooks.push import queue_for_leader
from wallboard.wall import Wall, current_wall

log = logging.getLogger(__name__)
FIELDS = frozenset({"team", "service", "version", "url", "environment", "time"})
KIND = "deploy"
MAX_UNIX_SECONDS = 10**12  # year 33658: anything larger is no time we take


class Refused(ValueError):
    """A body we cannot take; the message says which field and why."""


def _text(body: Mapping[str, Any], key: str, limit: int, required: bool = False) -> str | None:
    value = body.get(key)
    if value is None:
        if required:
            raise Refused(f'"{key}" is required')
        return None
    if not isinstance(value, str) or not value.strip():
        raise Refused(f'"{key}" must be a non-empty string')
    if len(value) > limit:
        raise Refused(f'"{key}" is longer than {limit} characters')
    return value.strip()


def _time(raw: object, now: float) -> float:
    if raw is None:
        return now
    # Bounded before any conversion: float() of a 400-digit int raises OverflowError.
    if isinstance(raw, int) and not isinstance(raw, bool) and abs(raw) < MAX_UNIX_SECONDS:
        at = float(raw)
    elif isinstance(raw, float) and math.isfinite(raw):
        at = raw
    elif isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raise Refused('"time" must lie within the last 30 days')
    elif isinstance(raw, str) and len(raw) <= 64:
        try:
            at = datetime.fromisoformat(raw.replace("Z", "+00:00")).timestamp()
        except (ValueError, OverflowError, OSError):  # year 1 at +23:59 overflows
            raise Refused('"time" must be unix seconds or ISO 8601 with a zone') from None
    else:
        raise Refused('"time" must be unix seconds or ISO 8601 with a zone')
    if not now - 30 * 86400 <= at <= now + 300:
        raise Refused('"time" must lie within the last 30 days')
    return at


def parse(config: WallConfig, body: object, now: float) -> Deploy:
    if not isinstance(body, Mapping):
        raise Refused("body must be a JSON object")
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        raise Refused(
            f"unknown field(s): {', '.join(unknown)} (known: {', '.join(sorted(FIELDS))})"
        )
    team = _text(body, "team", 64)
    service = _text(body, "service", 128)
    if (team is None) == (service is None):
        raise Refused('give exactly one of "team" or "service"')
    if service is not None:
        team = config.deploys.services.get(service)
        if team is None:
            raise Refused(f'service "{service}" is not mapped to a team in [deploys.services]')
    assert team is not None
    if team not in config.teams:
        raise Refused(f'no team "{team}"')
    version = _text(body, "version", 128, required=True)
    assert version is not None
    url = _text(body, "url", 2000)
    if url is not None and not url.startswith(("https://", "http://")):
        raise Refused('"url" must be an http(s) URL')
    environment = _text(body, "environment", 64)
    return Deploy(team, version, _time(body.get("time"), now), "hook", url, environment)


def receive() -> Response:
    wall = current_wall()
    with wall.board.read() as config:
        settings = config.deploys
    accepted = accepted_tokens(
        [settings.token_env] if settings.token_env else [],
        wall.env,
        [settings.token_file] if settings.token_file else [],
    )
    if not accepted:
        return error_response(404, "not_configured", "[deploys] token_env or token_file is not set")
    if not presents_token(request.headers.get("Authorization"), accepted):
        return error_response(401, "unauthorized", "missing or wrong bearer token")
    raw = raw_body()
    if isinstance(raw, Response):
        return raw
    body = json_object(raw)
    if isinstance(body, Response):
        return body
    try:
        with wall.board.read() as config:  # the team and service map of one config
            deploy = parse(config, body, time.time())
    except Refused as exc:
        return error_response(400, "bad_request", str(exc))
    # The board dedups a deploy by (team, version, source): so does the shared queue.
    queued = queue_for_leader(
        wall,
        KIND,
        deploy.source,
        asdict(deploy),
        f"{deploy.team}\n{deploy.version}",
        deploy=deploy.view(),
    )
    if queued is not None:
        return queued
    try:
        version = wall.board.add_deploy(deploy)
    except KeyError:  # a reload removed the team since the body was read
        return error_response(400, "bad_request", f'no team "{deploy.team}"')
    log.info("deploy %s of team %s", deploy.version, deploy.team)
    return jsonify(ok=True, deploy=deploy.view(), version=version)


def apply(wall: Wall, source_id: str, queued: Mapping[str, Any]) -> int:
    """Record a deploy a replica queued (the fields of :class:`Deploy`); the board version."""
    deploy = Deploy(**{**queued, "source": source_id})
    version = wall.board.add_deploy(deploy)  # KeyError: a reload removed the team since
    log.info("deploy %s of team %s (queued)", deploy.version, deploy.team)
    return version


bp = Blueprint("hooks_deploy", __name__)
bp.add_url_rule("/hooks/deploy", "receive", receive, methods=["POST"])
