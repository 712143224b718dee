"""Wire screens as devices into an app: the store, the gate, the fleet routes, /metrics."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from flask import Blueprint, Flask, Response, request
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from wallboard.devices import gate, listing, routes
from wallboard.devices.service import EXTENSION, Devices
from wallboard.state.ports import StoreUnavailable
from wallboard.wall import wall as wall_of
from wallboard.web import error_response

log = logging.getLogger(__name__)


class FleetCollector(Collector):
    def __init__(self, devices: Devices) -> None:
        self.devices = devices

    def collect(self) -> Iterator[Metric]:
        try:
            rows = listing.rows(self.devices)
        except StoreUnavailable:
            return  # no fleet gauges while the pairing store is unreachable; the rest stay
        yield GaugeMetricFamily(
            "wallboard_screens_offline",
            "Named or paired screens seen in the last 24 h that missed more than three heartbeats.",
            value=listing.offline_of(rows),
        )
        yield GaugeMetricFamily(
            "wallboard_screens_paired",
            "Paired screens (not revoked).",
            value=sum(1 for r in rows if r["paired"]),
        )


bp = Blueprint("devices", __name__)


@bp.app_errorhandler(StoreUnavailable)
def _unavailable(exc: StoreUnavailable) -> Response:
    """503, never "not paired": a TV keeps its page and cookie, and tries again."""
    log.warning("pairing: %s", exc)
    if request.path.startswith(("/api/", "/pair/")) or request.path == "/wall/sources":
        response = error_response(503, "store_unavailable", "pairing records unreachable; retry")
    else:
        response = Response("pairing records unreachable; retrying\n", 503, mimetype="text/plain")
        response.headers["Cache-Control"] = "no-store"
    response.headers["Retry-After"] = "5"
    return response


def register(app: Flask, registry: CollectorRegistry) -> Devices:
    """Screens as devices on ``app``: the fleet's gauges join ``registry`` (``/metrics``).

    The gate's two request hooks (``gate.gate``, ``gate.renew``) are the app's to order:
    ``create_app`` declares them among its own."""
    devices = Devices(wall_of(app))
    app.extensions[EXTENSION] = devices
    app.register_blueprint(bp)  # whichever face meets the pairing store unreachable: a 503
    gate.register(app)
    routes.register(app)
    registry.register(FleetCollector(devices))
    return devices
