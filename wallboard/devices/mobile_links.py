"""Signed, expiring links to a team's mobile page (the QR on a troubled screen).

A link names one team and a time; its signature is an HMAC under a key derived from
the admin tokens (every replica derives the same), so it opens that team's problems
until it expires and nothing else: never a credential, no cookie, no write. Without
an admin token (open mode) the key is this process's own; open mode needs no
signature anyway. Expiries are rounded to a quarter hour, so a screen's QR stays the
same picture for minutes and every TV of a team shows the same one.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from urllib.parse import urlencode

from flask import Flask

from wallboard.devices.admin import admin_tokens
from wallboard.wall import Wall

LINK_TTL = 3600.0  # a link scanned now still opens for at least this long
ROUND_TO = 900.0
_KEY = "wallboard.mobile_links_key"
_PURPOSE = b"wallboard mobile page link v1\0"


def _key(app: Flask, wall: Wall) -> bytes:
    tokens = sorted(admin_tokens(wall))
    if tokens:
        return hashlib.sha256(_PURPOSE + b"\0".join(tokens)).digest()
    key: bytes = app.extensions.setdefault(_KEY, secrets.token_bytes(32))
    return key


def _mac(key: bytes, team: str, expires: int) -> str:
    message = f"{team}\n{expires}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def signed_query(app: Flask, wall: Wall, team: str, now: float) -> str:
    """``exp=…&sig=…`` for ``team``'s mobile page, valid at least LINK_TTL from ``now``."""
    expires = int(math.ceil((now + LINK_TTL) / ROUND_TO) * ROUND_TO)
    return urlencode({"exp": expires, "sig": _mac(_key(app, wall), team, expires)})


def mobile_url(app: Flask, wall: Wall, base: str, team: str, now: float) -> str:
    return f"{base}/m/teams/{team}?{signed_query(app, wall, team, now)}"


def valid(app: Flask, wall: Wall, team: str, exp: str | None, sig: str | None, now: float) -> bool:
    """Whether ``sig`` signs ``team`` until ``exp``, which has not passed."""
    if not exp or not sig or not exp.isdigit() or len(exp) > 12:
        return False
    expires = int(exp)
    if expires <= now or expires > now + LINK_TTL + ROUND_TO:
        return False
    return hmac.compare_digest(sig, _mac(_key(app, wall), team, expires))
