"""The fleet view (``/screens``) and its API (``/api/v1/screens``), for admins only.

A browser signs in on ``/screens`` with an admin token and gets a short-lived
admin session cookie (admin.py); scripts and the CLI send the token as a bearer.
Read API tokens are refused here. Answers under ``/api/`` are JSON; refusals
say no more than "unauthorized", "invalid code" or "too many attempts".
"""

from __future__ import annotations

import logging
import math
import re
import time
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    Flask,
    Response,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
)
from werkzeug.wrappers import Response as BaseResponse

from collectors.tokens import bearer
from wallboard.devices import admin, codes, cookies, listing, models, offer
from wallboard.devices.gate import current_devices
from wallboard.devices.service import Devices, Refused
from wallboard.web import PREFIX, body, error_response

log = logging.getLogger(__name__)
ACTIONS = ("identify", "reload", "move", "revoke")


def _refused(exc: Refused) -> Response:
    response = error_response(exc.status, exc.code, exc.message)
    if exc.retry_after:
        response.headers["Retry-After"] = str(math.ceil(exc.retry_after))
    return response


def _unauthorized() -> Response:
    response = error_response(401, "unauthorized", "this needs an admin token")
    response.headers["WWW-Authenticate"] = 'Bearer realm="wallboard admin"'
    return response


def _code(raw: str) -> str:
    """A code carried through the sign-in (QR link): letters and dashes only, short."""
    return re.sub(r"[^A-Za-z-]", "", raw)[:12]


def _page_arg(raw: str | None) -> str:
    """A ``page`` carried through the sign-in: a screen path, or nothing."""
    raw = (raw or "")[:300]
    return raw if raw.startswith("/") and not raw.startswith("//") else ""


def _login_page(
    devices: Devices, code: str, page: str | None, status: int, refused: bool = False
) -> Response:
    """The sign-in page: its form (or, with no admin token configured, how to set one)."""
    body = render_template(
        "fleet_login.html",
        config=devices.wall.config,
        code=code,
        page=_page_arg(page),
        can_sign_in=admin.configured(devices.wall),
        refused=refused,
    )
    return cookies.no_store(make_response(body, status))


def _body() -> dict[str, Any] | None:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else None


def _string(data: dict[str, Any], name: str) -> str:
    value = data.get(name, "")
    return value if isinstance(value, str) else ""


web = Blueprint("fleet", __name__)
api = Blueprint("screens_api", __name__, url_prefix=f"{PREFIX}/screens")


def current() -> Devices:
    return current_devices()


def admin_ok() -> bool:
    devices = current()
    return admin.is_admin(devices.wall, devices.sessions, request)


@web.get("/screens")
def fleet_page() -> Response:
    devices = current()
    code = _code(request.args.get("code", ""))
    if not admin_ok():
        return _login_page(devices, code, request.args.get("page"), 401)
    config = devices.wall.config
    page = render_template(
        "fleet.html",
        config=config,
        wall=devices.wall,
        code=code,
        pages=offer.screen_pages(config),
        chosen=offer.chosen_page(config, request.args.get("page")),
    )
    return cookies.no_store(make_response(page, 200))


@web.post("/screens/login")
def login() -> BaseResponse:
    devices = current()
    address = request.remote_addr or ""
    code = _code(request.form.get("code", ""))
    token = request.form.get("token", "")
    try:  # admin token guesses per address and minute, checked and counted at once
        right = devices.admin_attempt(address, lambda: admin.token_is_admin(devices.wall, token))
    except Refused as exc:  # past the limit: nothing evaluated, and the browser told so
        blocked = _login_page(devices, code, request.form.get("page"), 429, refused=True)
        blocked.headers["Retry-After"] = str(math.ceil(exc.retry_after))
        return blocked
    if not right:
        log.warning("fleet view: refused an admin sign-in from %s", address)
        return _login_page(devices, code, request.form.get("page"), 401, refused=True)
    back = {"code": code, "page": _page_arg(request.form.get("page"))}
    query = urlencode({k: v for k, v in back.items() if v})
    response = redirect("/screens" + (f"?{query}" if query else ""), code=303)
    session = devices.sessions.open()
    cookies.set_secret(
        response, devices.wall, admin.SESSION_COOKIE, session, int(admin.SESSION_TTL)
    )
    log.info("fleet view: admin signed in from %s", address)
    return cookies.no_store(response)


@web.post("/screens/logout")
def logout() -> BaseResponse:
    devices = current()
    devices.sessions.close(request.cookies.get(admin.SESSION_COOKIE))
    response = redirect("/screens", code=303)
    cookies.clear(response, devices.wall, admin.SESSION_COOKIE)
    return cookies.no_store(response)


@api.before_request
def _admins_only() -> Response | None:
    devices = current()
    if bearer(request.headers.get("Authorization")) is None:
        return None if admin_ok() else _unauthorized()
    # A bearer token is a guess like the sign-in form's: the same limiter, per address.
    address = request.remote_addr or ""
    try:
        if devices.admin_attempt(address, admin_ok):
            return None
    except Refused as exc:  # past the limit: 429, quietly (nothing was evaluated)
        return _refused(exc)
    log.warning("screens API: refused an admin token from %s", address)
    return _unauthorized()


@api.get("")
def list_screens() -> Response:
    devices = current()
    rows = listing.rows(devices)
    offline = listing.offline_of(rows)
    now = time.time()
    waiting = [
        {
            "code": codes.display(p.code),
            "address": p.address,
            "page": p.page,
            "expires_in": max(0, math.ceil(p.expires_at - now)),
        }
        for p in devices.store.waiting(now)
    ]
    listed = {
        "access": devices.wall.config.screen.access,
        "build": devices.wall.build_id,
        "offline": offline,
        "screens": rows,
        "waiting": waiting,
    }
    return cookies.no_store(jsonify(body(models.ScreenList, listed)))


@api.post("/approve")
def approve() -> Response:
    devices = current()
    data = _body()
    if data is None:
        return error_response(400, "bad_request", "expected a JSON object")
    via = "fleet" if request.cookies.get(admin.SESSION_COOKIE) else "api"
    if _string(data, "via") == "cli" and via == "api":
        via = "cli"
    try:
        device = devices.approve(
            _string(data, "code"),
            _string(data, "name"),
            _string(data, "page"),
            via,
            request.remote_addr or "",
        )
    except Refused as exc:
        return _refused(exc)
    screen = {"id": device.id, "name": device.name, "page": device.page}
    response = jsonify(body(models.ScreenApproved, {"screen": screen}))
    response.status_code = 201
    return cookies.no_store(response)


@api.post("/<screen_id>/<action>")
def act(screen_id: str, action: str) -> Response:
    devices = current()
    if action not in ACTIONS:
        return error_response(404, "not_found", f"actions: {', '.join(ACTIONS)}")
    found = listing.find(devices, screen_id)
    if found is None:
        return error_response(404, "unknown_screen", "no such screen")
    key, device = found
    data = _body() or {}
    try:
        if action == "revoke":
            if device is None:
                raise Refused(409, "not_paired", "only a paired screen can be revoked")
            devices.revoke(device.id)
            sent = 1
        elif action == "move":
            page = devices.check_page(_string(data, "page"))
            if device is not None:
                devices.move(device.id, page)
                sent = 1
            else:
                sent = devices.send(key, "move", page=page)
        elif action == "identify":
            name = device.name if device else _identify_name(devices, screen_id)
            sent = devices.send(key, "identify", name=name)
        else:
            sent = devices.send(key, "reload")
    except Refused as exc:
        return _refused(exc)
    answer = {"action": action, "screen": screen_id, "sockets": sent}
    return cookies.no_store(jsonify(body(models.ScreenAction, answer)))


def register(app: Flask) -> None:
    """The fleet view and its API on ``app``."""
    app.register_blueprint(web)
    app.register_blueprint(api)


def _identify_name(devices: Devices, screen_id: str) -> str:
    for row in listing.rows(devices):
        if row["id"] == screen_id:
            return str(row["name"] or f"unnamed screen at {row['address']}")
    return "unnamed screen"
