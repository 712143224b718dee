"""The app factory: everything is built here, nothing is started here.

``create_app`` reads in three steps: build the Wall, register each face's blueprint,
declare the app's own hooks in the order a request meets them. A face's blueprint
carries only what that face owns (its routes, its checks, its template helpers); what
every request goes through is written here, where its order can be read.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, Response

from wallboard import assets, security
from wallboard.api import rooms as api_rooms
from wallboard.api import routes as api_routes
from wallboard.api import slack
from wallboard.api.json_provider import StrictJSONProvider
from wallboard.config import loader as config_mod
from wallboard.devices import gate
from wallboard.devices import install as devices
from wallboard.hooks import alertmanager as hooks_alertmanager
from wallboard.hooks import deploy as hooks_deploy
from wallboard.hooks import sentry as hooks_sentry
from wallboard.ops import logs, metrics, probes
from wallboard.proxies import ClientAddress
from wallboard.screens import mobile, pages, rooms, sockets
from wallboard.screens.reader import NoReaderThread
from wallboard.wall import EXTENSION, Wall

FACES = (
    pages.bp,
    rooms.bp,
    mobile.bp,
    probes.bp,
    metrics.bp,
    api_routes.bp,
    api_rooms.bp,
    slack.bp,
    hooks_sentry.bp,
    hooks_alertmanager.bp,
    hooks_deploy.bp,
    sockets.bp,
)


def create_app(
    config: config_mod.WallConfig | str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    build: str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Flask:
    """Build the Flask app around a :class:`Wall`. Call ``wall(app).start()`` to run it."""
    if not isinstance(config, config_mod.WallConfig):
        path = config or os.environ.get("WALLBOARD_CONFIG", "config.toml")
        config = config_mod.load(path, env=env)
    # How the replicas' leader applies a webhook another replica queued, by kind.
    appliers = {
        hooks_sentry.KIND: hooks_sentry.apply,
        hooks_alertmanager.KIND: hooks_alertmanager.apply,
        hooks_deploy.KIND: hooks_deploy.apply,
    }
    wall = Wall(config, env=env, build=build, push_appliers=appliers)
    app = _flask(overrides)
    app.extensions[EXTENSION] = wall
    meter = metrics.Metrics(wall)  # /metrics' own registry; it counts every cycle
    app.extensions[metrics.EXTENSION] = meter

    for face in FACES:
        app.register_blueprint(face)
    devices.register(app, meter.registry)  # pairing, the fleet view and their gauges

    # The app's hooks, in the order a request meets them.
    # 1. Behind a load balancer, every face sees the client's address, not the proxy's.
    app.wsgi_app = ClientAddress(  # type: ignore[method-assign]
        app.wsgi_app, lambda: wall.config.server.trusted_proxies
    )
    # 2. Its id, before anything may refuse it: a refused request still gets its access line.
    app.before_request(logs.start_request)
    # 3. Paired screens only (``access = "paired"``): may answer with the pairing page.
    app.before_request(gate.gate)
    # (then the blueprint's own checks, such as the API token or the websocket Origin)
    # 4. The view. A websocket's server: a frame cap, and no reader thread per screen (the
    #    request thread reads).
    options = app.config["SOCK_SERVER_OPTIONS"]
    app.config["SOCK_SERVER_OPTIONS"] = {**options, "thread_class": NoReaderThread}
    # 5. On the way out, every answer (refusals and errors too), in this order: a paired
    #    TV's cookie renewed, the request counted, its id and access line, security headers.
    _after_request(app, gate.renew, meter.count_request, logs.finish_request, security.add_headers)
    return app


def _flask(overrides: Mapping[str, Any] | None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(assets.TEMPLATES),
        static_folder=str(assets.STATIC),
        static_url_path="/static",
    )
    app.config.update(
        MAX_CONTENT_LENGTH=1 * 1024 * 1024,  # webhooks and chat commands are small
        SOCK_SERVER_OPTIONS={"max_message_size": 4096},
        SEND_FILE_MAX_AGE_DEFAULT=3600,
    )
    app.json = StrictJSONProvider(app)  # no NaN or Infinity; the documented field order
    if overrides:
        app.config.update(overrides)
    return app


def _after_request(app: Flask, *hooks: Callable[[Response], Response]) -> None:
    """Run ``hooks`` on every response in the order given (Flask runs the last declared
    ``after_request`` first, so they are declared in reverse)."""
    for hook in reversed(hooks):
        app.after_request(hook)
