"""The app factory: everything is built here, nothing is started here."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from wallboard import assets
from wallboard.api import routes as api_routes
from wallboard.api.json_provider import StrictJSONProvider
from wallboard.config import loader as config_mod
from wallboard.devices import install as devices
from wallboard.hooks import alertmanager as hooks_alertmanager
from wallboard.hooks import deploy as hooks_deploy
from wallboard.hooks import sentry as hooks_sentry
from wallboard.ops import logs, metrics, probes
from wallboard.proxies import ClientAddress
from wallboard.screens import pages, sockets
from wallboard.wall import EXTENSION, Wall


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
    wall = Wall(config, env=env, build=build)
    app.extensions[EXTENSION] = wall
    # Behind a load balancer, every face sees the client's address, not the proxy's.
    app.wsgi_app = ClientAddress(  # type: ignore[method-assign]
        app.wsgi_app, lambda: wall.config.server.trusted_proxies
    )

    pages.register(app)
    logs.register(app)
    probes.register(app)
    metrics.register(app)
    devices.register(app)  # after metrics: the fleet gauges join its registry
    api_routes.register(app)
    hooks_sentry.register(app)
    hooks_alertmanager.register(app)
    hooks_deploy.register(app)
    sockets.register(app)
    return app
