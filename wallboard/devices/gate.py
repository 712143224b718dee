"""With ``access = "paired"``: screen pages and sockets only for a paired device, in scope.

A browser without a valid credential gets the pairing view instead of the page
it asked for (its code and QR), and polls ``/pair/poll`` until a person
approves it; the answer then sets the device cookie and names its page.
Polling (every 300 ms, only while a code is shown) rather than a websocket:
nothing to keep open, it works through every proxy, and a shared store later
serves it from any replica. Admin browsers (the fleet view's session) may open
every screen page.
"""

from __future__ import annotations

import math
import time
from collections.abc import Collection, Mapping
from typing import Any
from urllib.parse import urlencode

import segno
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
)
from werkzeug.wrappers import Response as BaseResponse

from wallboard.config.model import Room
from wallboard.devices import codes, cookies, offer, scope
from wallboard.devices.admin import is_admin
from wallboard.devices.service import EXTENSION, Devices
from wallboard.state.ports import Device
from wallboard.wall import current_wall
from wallboard.web import base_url

PAGES = frozenset(
    {
        "web.index",
        "web.team_page",
        "web.wall_page",
        "web.rotate_page",
        "web.wall_sources",
        "rooms.room_page",
        "mobile.team_qr",
    }
)
SOCKETS = frozenset({"sockets.team_socket", "sockets.screens_socket"})
POLL_MS = 300
REMOVED_RETRY_SECONDS = 10  # how often a TV whose page was removed looks again


def devices_of(app: Flask) -> Devices:
    found: Devices = app.extensions[EXTENSION]
    return found


def current_devices() -> Devices:
    """The devices of the app handling this request."""
    return devices_of(current_app)


def _listed() -> frozenset[str] | None:
    listed = frozenset(t for t in request.args.get("teams", "").split(",") if t)
    return listed or scope.ALL


def wanted_teams(endpoint: str) -> frozenset[str] | None:
    """The teams the request would show (``ALL`` for every team)."""
    if endpoint in ("web.team_page", "sockets.team_socket", "mobile.team_qr"):
        return frozenset({str((request.view_args or {}).get("team", ""))})
    if endpoint in ("web.rotate_page", "web.wall_page", "sockets.screens_socket"):
        return _listed()
    if endpoint == "rooms.room_page":
        room = current_wall().config.rooms.get(str((request.view_args or {}).get("room_id", "")))
        return (
            scope.ALL
            if room is None
            else scope.page_teams(room.path, (), current_wall().config.rooms)
        )
    return scope.ALL  # /, /wall, /wall/sources


def gate() -> BaseResponse | None:
    """``before_request``: None lets a screen request through (and notes its device)."""
    endpoint = request.endpoint or ""
    if endpoint not in PAGES and endpoint not in SOCKETS:
        return None
    devices = current_devices()
    g.device = None
    if not devices.paired or is_admin(devices.wall, devices.sessions, request):
        return None
    credential = request.cookies.get(cookies.DEVICE_COOKIE)
    device = devices.device_for(credential)
    if device is None:
        if endpoint in SOCKETS:
            abort(403)
        if endpoint == "web.wall_sources":
            return cookies.no_store(_json_error(401, "not_paired", "this screen is not paired"))
        return pairing_view(devices)
    try:
        granted = scope.page_teams(
            device.page, devices.wall.config.teams, devices.wall.config.rooms
        )
        removed = False
    except ValueError:  # its page's team was removed by a reload: nothing to show
        granted, removed = frozenset(), True
    allowed = not removed and scope.may_see(granted, wanted_teams(endpoint))
    if not allowed:
        if endpoint in SOCKETS:
            abort(403)
        if endpoint == "web.wall_sources":
            return _json_error(403, "out_of_scope", "this screen is paired for another page")
        if removed or _is_this_request(device.page):
            # Its page's team was removed by a reload: a redirect would point at itself
            # (a loop no kiosk script can leave). It says so and looks again.
            return page_removed_view(devices, device)
        # A paired TV on a page it may not show goes to its own page.
        return cookies.no_store(redirect(device.page, code=303))
    g.device = device
    g.renew_credential = credential if endpoint in PAGES else None
    return None


def renew(response: Response) -> Response:
    """``after_request``: a paired TV's page load pushes its cookie's expiry further out."""
    credential = g.get("renew_credential")
    if credential and response.status_code == 200:
        cookies.set_secret(
            response, current_wall(), cookies.DEVICE_COOKIE, credential, cookies.DEVICE_MAX_AGE
        )
    return response


def page_exists(page: str, teams: Collection[str], rooms: Mapping[str, Room] | None = None) -> bool:
    """Whether a device's page is still one this wall shows (a reload can remove its team)."""
    try:
        scope.page_teams(page, teams, rooms)
    except ValueError:
        return False
    return True


def _is_this_request(page: str) -> bool:
    """A redirect to ``page`` would send this request back to itself."""
    here = request.full_path.rstrip("?")
    return page in (request.path, here)


def page_removed_view(devices: Devices, device: Device) -> Response:
    """Full screen: this TV's page is gone; it reloads itself until an admin moves it."""
    html = render_template(
        "page_removed.html",
        config=devices.wall.config,
        device_name=device.name,
        page=device.page,
        retry_seconds=REMOVED_RETRY_SECONDS,
    )
    return cookies.no_store(Response(html, 200, mimetype="text/html"))


def _json_error(status: int, code: str, message: str) -> Response:
    response = jsonify(error={"code": code, "message": message})
    response.status_code = status
    return response


def approval_url(devices: Devices, code: str, page: str | None = None) -> str:
    """The fleet view's approval of ``code``; ``page``, the page the TV was opened at, is
    the approval's default target."""
    url = f"{base_url(devices.wall.config)}/screens?code={codes.display(code)}"
    return url + "&" + urlencode({"page": page}) if page else url


def pairing_view(devices: Devices) -> Response:
    """The full-screen code and QR, reusing this browser's code while it is alive."""
    wall = devices.wall
    secret = request.cookies.get(cookies.PAIRING_COOKIE)
    pending = devices.waiting(secret)
    context: dict[str, Any] = {"config": wall.config, "wall": wall, "poll_ms": POLL_MS}
    requested = offer.requested_page(wall.config)
    if pending is None or secret is None:
        started = devices.start(request.remote_addr or "", requested or "")
        if started is None:
            body = render_template("pairing.html", code=None, **context)
            return cookies.no_store(make_response(body, 503))
        code, secret, expires_at = started.code, started.secret, started.expires_at
    else:
        code, expires_at = pending.code, pending.expires_at
    url = approval_url(devices, code, requested)
    qr = segno.make(url, error="m").svg_inline(scale=1, border=2, svgclass="qr-code", omitsize=True)
    body = render_template(
        "pairing.html",
        code=codes.display(code),
        raw_code=code,
        url=url,
        qr=qr,
        expires_in=math.ceil(expires_at - time.time()),
        **context,
    )
    response = make_response(body, 200)
    cookies.set_secret(
        response, wall, cookies.PAIRING_COOKIE, secret, math.ceil(expires_at - time.time())
    )
    return cookies.no_store(response)


bp = Blueprint("pairing", __name__)


@bp.get("/pair/poll")
def poll() -> Response:
    devices = current_devices()
    secret = request.cookies.get(cookies.PAIRING_COOKIE)
    pending = devices.waiting(secret)
    if pending is None or secret is None:
        return cookies.no_store(jsonify(status="expired"))
    if pending.device_id is None:
        return cookies.no_store(
            jsonify(status="pending", expires_in=math.ceil(pending.expires_at - time.time()))
        )
    collected = devices.collect(secret)
    if collected is None:
        return cookies.no_store(jsonify(status="expired"))
    device, credential = collected
    response = jsonify(status="paired", page=device.page)
    cookies.set_secret(
        response, devices.wall, cookies.DEVICE_COOKIE, credential, cookies.DEVICE_MAX_AGE
    )
    cookies.clear(response, devices.wall, cookies.PAIRING_COOKIE)
    return cookies.no_store(response)


@bp.get("/pair/status")
def status() -> Response:
    # After a lost socket the page asks whether it is still paired (revoked offline).
    devices = current_devices()
    device: Device | None = devices.device_for(request.cookies.get(cookies.DEVICE_COOKIE))
    admin = is_admin(devices.wall, devices.sessions, request)
    # A TV whose page a reload removed is paired but has nothing to show: not valid, so the
    # page reloads itself into the "page removed" view (which looks again by itself).
    removed = device is not None and not page_exists(
        device.page, devices.wall.config.teams, devices.wall.config.rooms
    )
    valid = admin or ((not devices.paired or device is not None) and not removed)
    return cookies.no_store(
        jsonify(access=devices.wall.config.screen.access, valid=valid, page_removed=removed)
    )


def register(app: Flask) -> None:
    """The pairing page's polls on ``app`` (the gate's hooks are ``create_app``'s to order)."""
    app.register_blueprint(bp)
