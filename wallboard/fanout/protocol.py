"""The websocket protocol of docs/fanout.md, as encoded frames.

Server frames are unmasked and we refuse permessage-deflate, so one message
encodes to the same bytes for every screen: each message is serialised and
framed once, then written to every socket that wants it.
"""

from __future__ import annotations

import json
import time
from typing import Any

from wsproto.frame_protocol import FrameProtocol

from collectors import jsonsafe

# Screens send {"type": "pong"} and small reports; anything bigger is not a screen.
MAX_CLIENT_FRAME = 4096
CLOSE_GOING_AWAY = 1001
CLOSE_PROTOCOL_ERROR = 1002
CLOSE_INVALID_DATA = 1007  # a frame that is not the JSON a screen sends
CLOSE_TOO_BIG = 1009  # a frame nested deeper than any screen's
CLOSE_POLICY = 1008
CLOSE_UNKNOWN_TEAM = 4404
CLOSE_TEAMS_CHANGED = 4001  # a reload removed a team this screen showed: reload the page
CLOSE_REVOKED = 4403  # the screen's credential was revoked: back to the pairing view
# A screen's report texts (page, errors) are cut to this many characters, on both sides.
MAX_REPORT_TEXT = 300
# Screens' frames nest 3 levels ({"type": "report", "errors": [...]}); the bound is checked
# before parsing, so a 2000-deep frame costs a scan, not a RecursionError.
MAX_CLIENT_DEPTH = 8


def page_constants() -> dict[str, Any]:
    """What the page's scripts must agree on with the server: the close codes they act on
    and the caps they keep to. Rendered into every kiosk page and sent in every ``hello``,
    so static/*.js holds no copy of its own (static/protocol.js)."""
    return {
        "close": {
            "going_away": CLOSE_GOING_AWAY,
            "unknown_team": CLOSE_UNKNOWN_TEAM,
            "teams_changed": CLOSE_TEAMS_CHANGED,
            "revoked": CLOSE_REVOKED,
        },
        "max_client_frame": MAX_CLIENT_FRAME,
        "max_report_text": MAX_REPORT_TEXT,
    }


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
            "protocol": page_constants(),
        }
    )


def snapshot(team: dict[str, Any]) -> bytes:
    """A whole team as a screen draws it (``TeamView.screen``)."""
    return _encode(
        {"type": "snapshot", "team": team["id"], "version": team["version"], "data": team}
    )


def update(
    team_id: str, version: int, panels: list[dict[str, Any]], whole: dict[str, Any]
) -> bytes:
    """The changed panels of a team, with what is drawn from the team as a whole (its
    status, tile rows, header deploy note, rank: ``TeamView.whole``)."""
    return _encode(
        {"type": "update", "team": team_id, "version": version, "panels": panels, **whole}
    )


def command(action: str, **fields: Any) -> bytes:
    """An operator's command to one screen: identify, reload, move (docs/pairing.md)."""
    return _encode({"type": "command", "action": action, **fields})


def client_frame(message: str | bytes) -> dict[str, Any] | None:
    """A screen's frame as a dict with a string ``type``, or None for anything else."""
    if not isinstance(message, str) or len(message) > MAX_CLIENT_FRAME:
        return None
    try:
        data = jsonsafe.loads(message, MAX_CLIENT_DEPTH)
    except ValueError:  # not JSON, too deep (screens.reader closes 1009 first), bad number
        return None
    return data if isinstance(data, dict) and isinstance(data.get("type"), str) else None


def ping(notice: str | None = None) -> bytes:
    # ``notice``: a board-level warning every screen shows ("state store unreachable ...").
    return _encode({"type": "ping", "server_time": time.time(), "notice": notice})
