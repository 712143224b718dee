"""The Slack slash command (``POST /api/v1/slack/command``), answered from the board.

Slack signs each request: ``v0=`` + HMAC-SHA256(signing secret,
``v0:<timestamp>:<raw body>``). Anything unsigned, mis-signed or older than
five minutes gets 401 with no content. The answer is built from the board in
memory (never from Prometheus or Sentry), well inside Slack's 3 s limit.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from typing import Any
from urllib.parse import parse_qs

from flask import Blueprint, Response, jsonify, request

from collectors.options import read_secret
from collectors.tokens import same
from wallboard.api import errors as api_errors
from wallboard.api import models, slack_pair
from wallboard.api.links import PREFIX, base_url, screen_url
from wallboard.api.routes import next_step_links
from wallboard.config.loader import WallConfig
from wallboard.devices.gate import current_devices
from wallboard.views import links
from wallboard.views.chat import no_such_team, team_message, teams_message, text_message, usage
from wallboard.views.oncall_chat import everyone_message, oncall_message
from wallboard.wall import Wall, current_wall

MAX_SKEW = 300.0  # seconds either side of our clock, as Slack's docs ask
_TIMESTAMP = re.compile(r"\d{1,12}")


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    """The ``X-Slack-Signature`` value Slack sends for this timestamp and raw body."""
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    return "v0=" + hmac.new(secret, base, hashlib.sha256).hexdigest()


def verify(
    secret: bytes,
    timestamp: str | None,
    body: bytes,
    presented: str | None,
    *,
    now: float,
    max_skew: float = MAX_SKEW,
) -> bool:
    """True only for a correct signature on a timestamp within ``max_skew`` of ``now``.

    ``now`` is a parameter so the published test vector (from 2018) can be
    checked at its own time; the endpoint passes the real clock.
    """
    if not secret or not timestamp or not presented or not _TIMESTAMP.fullmatch(timestamp):
        return False
    if abs(now - int(timestamp)) > max_skew:
        return False
    expected = signature(secret, timestamp, body)
    return same(presented, expected)


def find_team(config: WallConfig, text: str) -> str | None:
    """A team id from what someone typed: its id or its name, in any case."""
    wanted = text.strip().lower()
    for team in config.teams.values():
        if wanted in (team.id.lower(), team.name.lower()):
            return team.id
    return None


def answer(wall: Wall, text: str, command: str, base: str) -> dict[str, Any]:
    """The reply to ``<command> <text>``, with its ``response_type``."""
    with wall.board.read() as config:  # the teams named and the board read agree
        return _answer(wall, config, text, command, base)


def _answer(wall: Wall, config: WallConfig, text: str, command: str, base: str) -> dict[str, Any]:
    configured = config.slack.response_type
    text = text.strip()
    if not text:
        rows = [(v.summary, screen_url(base, v.id)) for v in wall.views.worst_first()]
        message = teams_message(rows, f"{config.wall.title}: teams, worst first")
        return {"response_type": configured, **message}
    if text.lower() == "help":
        return {"response_type": "ephemeral", **text_message(usage(config, command))}
    if text.lower() == "oncall":  # `/wall oncall`: every team's, worst first
        views = [v.plain(history=False) for v in wall.views.worst_first()]
        message = everyone_message(views, f"{config.wall.title}: who is on call")
        return {"response_type": configured, **message}
    oncall = text.lower().startswith("oncall ")  # `/wall oncall payments`
    if oncall:
        text = text[len("oncall ") :].strip()
    team = find_team(config, text)
    if team is None:
        # Typos stay private whatever the config says: nobody else needs to see them.
        known = [(t.id, t.name) for t in config.teams.values()]
        close = api_errors.suggest_team(text, known)
        reply = no_such_team(text, close, command)
        return {"response_type": "ephemeral", **text_message(reply)}
    view = wall.views.get(team).plain(history=False)
    if oncall:
        return {"response_type": configured, **oncall_message(view, screen_url(base, team))}
    steps = links.next_steps(next_step_links(wall, base, team), view)
    return {"response_type": configured, **team_message(view, screen_url(base, team), steps)}


bp = Blueprint("slack", __name__, url_prefix=f"{PREFIX}/slack")


@bp.post("/command")
def command() -> Response:
    wall = current_wall()
    slack = wall.config.slack
    if slack.signing_secret_env is None and slack.signing_secret_file is None:
        return api_errors.error_response(
            404,
            "slack_not_configured",
            "set slack.signing_secret_env or slack.signing_secret_file in the config",
        )
    # The signature covers the raw bytes, so read them before any form parsing.
    body = request.get_data(cache=False)
    secret = (read_secret(slack, "signing_secret", wall.env) or "").encode()
    signed = verify(
        secret,
        request.headers.get("X-Slack-Request-Timestamp"),
        body,
        request.headers.get("X-Slack-Signature"),
        now=time.time(),
    )
    if not signed:
        refused = Response(status=401)
        del refused.headers["Content-Type"]  # no content, so no content type either
        return refused
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=64)
    except (UnicodeDecodeError, ValueError):
        return api_errors.error_response(400, "bad_request", "expected a form-encoded body")
    text = fields.get("text", [""])[0]
    slash = fields.get("command", ["/errors"])[0] or "/errors"
    if text.strip().lower().startswith("pair "):  # `/wall pair CODE team`: docs/pairing.md
        user = fields.get("user_id", [""])[0]
        reply = slack_pair.pair(current_devices(), user, text.strip())
    else:
        reply = answer(wall, text, slash, base_url(wall.config))
    response = jsonify(models.body(models.SlackReply, reply))
    response.headers["Cache-Control"] = "no-store"
    return response
