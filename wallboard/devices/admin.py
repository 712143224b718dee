"""Who is an admin: a bearer admin token (CLI, scripts) or a browser's admin session.

Admin tokens come from the env vars named in ``screen.admin_tokens_env`` (or the
files in ``screen.admin_tokens_file``), like the API's read tokens (``api.tokens_env``
/ ``api.tokens_file``), and are checked the same way (per request, constant time,
``collectors.tokens``). A value that is also a read API token is refused: a
read token never grants admin, even if someone configured the same secret twice.

A browser signs in once with the token (``/screens/login``) and gets a separate
random session id in an HttpOnly, SameSite=Strict cookie that lives one hour;
the token itself is never stored in the browser. Sessions live in memory, or with
replicas (Redis) in the shared store, by hash, so any replica knows a sign-in.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from flask import Request

from collectors.tokens import bearer, matches_any
from wallboard.devices.codes import digest, new_secret
from wallboard.security import origin_allowed
from wallboard.state.ports import KeepsSessions
from wallboard.wall import Wall
from wallboard.web import accepted_tokens

SESSION_COOKIE = "wallboard_admin"
SESSION_TTL = 3600.0
MAX_SESSIONS = 1000


def admin_tokens(wall: Wall) -> list[bytes]:
    screen = wall.config.screen
    return accepted_tokens(screen.admin_tokens_env, wall.env, screen.admin_tokens_file)


def configured(wall: Wall) -> bool:
    """Whether any admin token can be presented at all (named in the config and set)."""
    return bool(admin_tokens(wall))


def token_is_admin(wall: Wall, presented: str) -> bool:
    admin = admin_tokens(wall)
    if not admin or not matches_any(presented, admin):
        return False
    api = wall.config.api
    return not matches_any(presented, accepted_tokens(api.tokens_env, wall.env, api.tokens_file))


class Sessions:
    def __init__(self, shared: Callable[[], KeepsSessions | None] = lambda: None) -> None:
        self._lock = threading.Lock()
        self._expires: dict[str, float] = {}  # hash of the session id -> unix expiry
        # Replicas (Redis): sessions in the shared store, so any replica knows a sign-in.
        self._shared = shared

    @property
    def shared(self) -> KeepsSessions | None:
        return self._shared()

    def open(self) -> str:
        session = new_secret()
        shared = self.shared
        if shared is not None:
            shared.open_session(digest(session), SESSION_TTL)
            return session
        now = time.time()
        with self._lock:
            for key in [k for k, t in self._expires.items() if t <= now]:
                del self._expires[key]
            if len(self._expires) >= MAX_SESSIONS:  # bounded: the oldest sign-in goes
                del self._expires[min(self._expires, key=self._expires.__getitem__)]
            self._expires[digest(session)] = now + SESSION_TTL
        return session

    def valid(self, session: str | None) -> bool:
        if not session:
            return False
        shared = self.shared
        if shared is not None:
            return shared.session_valid(digest(session))
        with self._lock:
            expires = self._expires.get(digest(session))
        return expires is not None and expires > time.time()

    def close(self, session: str | None) -> None:
        shared = self.shared
        if session and shared is not None:
            shared.close_session(digest(session))
        elif session:
            with self._lock:
                self._expires.pop(digest(session), None)


def is_admin(wall: Wall, sessions: Sessions, request: Request) -> bool:
    """A bearer admin token, or an admin session cookie on a same-origin request."""
    presented = bearer(request.headers.get("Authorization"))
    if presented is not None:
        return token_is_admin(wall, presented)
    if not sessions.valid(request.cookies.get(SESSION_COOKIE)):
        return False
    if not admin_tokens(wall):
        return False  # every admin token was withdrawn: so are the sessions they opened
    if request.method in ("GET", "HEAD"):
        return True
    # Writes with the cookie: SameSite=Strict already stops cross-site sends; the Origin
    # check is the second lock, for browsers that do not honour SameSite.
    origin = request.headers.get("Origin")
    allowed = wall.config.wall.allowed_origins
    return origin is not None and origin_allowed(origin, request.host, allowed)
