"""The websocket protocol of design.md, as encoded frames.

Server frames are unmasked and we refuse permessage-deflate, so one message
encodes to the same bytes for every screen: each message is serialised and
framed once, then written to every socket that wants it.
"""

from __future__ import annotations

import json
import time
from typing import Any

from wsproto.frame_protocol import FrameProtocol

# Screens send only {"type": "pong"}; anything bigger is not a screen.
MAX_CLIENT_FRAME = 4096
CLOSE_GOING_AWAY = 1001
CLOSE_PROTOCOL_ERROR = 1002
CLOSE_POLICY = 1008
CLOSE_UNKNOWN_TEAM = 4404
CLOSE_TEAMS_CHANGED = 4001  # a reload removed a team this screen showed: reload the page


def _encode(message: dict[str, Any]) -> bytes:
    payload = json.dumps(message, separators=(",", ":"), allow_nan=False)
    # A fresh FrameProtocol per frame: cheap, and no shared state between threads.
    return bytes(FrameProtocol(client=False, extensions=[]).send_data(payload, fin=True))


def close_frame(code: int, reason: str = "") -> bytes:
    return bytes(FrameProtocol(client=False, extensions=[]).close(code, reason))


def hello(
    build_id: str,
    heartbeat: float,
    teams: list[str],
    screen: dict[str, Any],
    notice: str | None = None,
) -> bytes:
    return _encode(
        {
            "type": "hello",
            "build": build_id,
            "server_time": time.time(),
            "heartbeat": heartbeat,
            "teams": teams,
            "screen": screen,
            "notice": notice,
        }
    )


def snapshot(team: dict[str, Any]) -> bytes:
    return _encode(
        {"type": "snapshot", "team": team["id"], "version": team["version"], "data": team}
    )


def update(team_id: str, version: int, panels: list[dict[str, Any]], status: str) -> bytes:
    return _encode(
        {"type": "update", "team": team_id, "version": version, "status": status, "panels": panels}
    )


def ping(notice: str | None = None) -> bytes:
    # ``notice``: a board-level warning every screen shows ("state store unreachable ...").
    return _encode({"type": "ping", "server_time": time.time(), "notice": notice})
