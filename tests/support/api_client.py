"""A plain HTTP client and board states for the API and Slack tests (stdlib only)."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

from collectors.base import Collection, Item, Reading
from tests.support.live import demo_config, write_config
from wallboard.wall import Wall

TIMEOUT = 5.0


@dataclass
class Answer:
    status: int
    headers: Message
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a test must see a redirect, not silently follow it


_OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    data: bytes | None = None,
) -> Answer:
    """One request; 4xx/5xx are answers too, not exceptions."""
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with _OPENER.open(req, timeout=TIMEOUT) as resp:
            return Answer(resp.status, resp.headers, resp.read())
    except urllib.error.HTTPError as err:
        with err:
            return Answer(err.code, err.headers, err.read())


def get_from(url: str, path: str, source: str) -> int:
    """GET ``path`` connecting from the loopback address ``source`` (127.0.0.2: another
    client than the proxy in front, which connects from 127.0.0.1); the status."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5, source_address=(source, 0))
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


def slack_headers(secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Headers as Slack sends them, signed independently of the project's code."""
    base = f"v0:{timestamp}:".encode() + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": f"v0={digest}",
    }


def api_config(directory: Path, extra: str = "") -> Path:
    """The demo wall (payments: error rate + services; search: error rate), never scheduled."""
    return write_config(directory, demo_config("1h") + extra)


def set_board(wall: Wall, payments_rate: float, search_rate: float, down: int = 0) -> int:
    """Put real readings on the real board; rates are ratios (0.062 shows as 6.20 %)."""
    services = 4 - down
    items = tuple(Item(f"svc-{i}", "crit", "HTTP 503") for i in range(down))
    readings = {
        ("payments", "error_rate"): Reading(value=payments_rate),
        ("search", "error_rate"): Reading(value=search_rate),
        ("payments", "services"): Reading(
            value=services,
            text=f"{services} / 4 up",
            status="crit" if down else "ok",
            items=items,
        ),
    }
    return wall.board.apply("demo", Collection(readings=readings))
