"""The phone's way from the TV to the next step: ``/m/teams/<team>`` and the QR pointing at it.

A troubled screen shows a QR (``/qr/teams/<team>.svg``, behind the screens' gate)
of a signed, expiring link to a small read-only page: the team's problems, since
when, and their links. Open mode needs no login; paired mode follows the screens'
rules: a valid signature for that team, an admin, or a paired screen whose page
shows the team; anything else gets 403.
"""

from __future__ import annotations

import io
import time

import segno
from flask import Blueprint, Response, abort, current_app, render_template, request

from wallboard.api.links import base_url
from wallboard.devices import cookies, mobile_links, scope
from wallboard.devices.admin import is_admin
from wallboard.devices.gate import current_devices
from wallboard.views import links
from wallboard.views.screen_shape import age_text
from wallboard.wall import current_wall

bp = Blueprint("mobile", __name__)
# Scannable from 1.5 m at ~200 px: error correction M, the standard 4-module quiet zone.
QR_BORDER = 4


def _allowed(team: str) -> bool:
    devices = current_devices()
    wall = devices.wall
    if not devices.paired:
        return True
    now = time.time()
    args = request.args
    if mobile_links.valid(current_app, wall, team, args.get("exp"), args.get("sig"), now):
        return True
    if is_admin(wall, devices.sessions, request):
        return True
    device = devices.device_for(request.cookies.get(cookies.DEVICE_COOKIE))
    if device is None:
        return False
    try:
        granted = scope.page_teams(device.page, wall.config.teams, wall.config.rooms)
    except ValueError:
        return False
    return scope.may_see(granted, frozenset({team}))


@bp.get("/m/teams/<team>")
def team_problems(team: str) -> tuple[str, int] | str:
    wall = current_wall()
    if team not in wall.config.teams:
        abort(404, f"unknown team: {team[:60]}")
    if not _allowed(team):
        page = render_template("mobile_refused.html", config=wall.config, wall=wall)
        return page, 403
    now = time.time()
    with wall.board.read() as config:
        view = wall.views.get(team).plain(history=False)
        team_links = links.safe(config.teams[team].links)
    return render_template(
        "mobile.html",
        config=config,
        wall=wall,
        team=view,
        problems=links.problems(view),
        team_links=[(links.label(k), u) for k, u in team_links.items()],
        label=links.label,
        as_of=time.strftime("%H:%M:%S UTC", time.gmtime(now)),
        since=lambda at: age_text(now - at, "for") if at else "",
    )


@bp.get("/qr/teams/<team>.svg")
def team_qr(team: str) -> Response:
    wall = current_wall()
    if team not in wall.config.teams:
        abort(404)
    url = mobile_links.mobile_url(current_app, wall, base_url(wall.config), team, time.time())
    out = io.BytesIO()
    segno.make(url, error="m").save(
        out, kind="svg", scale=4, border=QR_BORDER, dark="#000", light="#fff", xmldecl=False
    )
    response = Response(out.getvalue(), mimetype="image/svg+xml")
    # The link inside expires: a screen asks again every few minutes, never from a cache.
    response.headers["Cache-Control"] = "no-store"
    return response
