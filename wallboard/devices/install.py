"""Wire screens as devices into an app: the store, the gate, the fleet routes, /metrics."""

from __future__ import annotations

from collections.abc import Iterator

from flask import Flask
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from wallboard.devices import gate, listing, routes
from wallboard.devices.service import EXTENSION, Devices
from wallboard.devices.sharing import Sharing
from wallboard.ops.metrics import EXTENSION as METRICS_EXTENSION
from wallboard.wall import wall as wall_of


class FleetCollector(Collector):
    def __init__(self, devices: Devices) -> None:
        self.devices = devices

    def collect(self) -> Iterator[Metric]:
        rows = listing.rows(self.devices)
        yield GaugeMetricFamily(
            "wallboard_screens_offline",
            "Screens seen in the last 24 h that missed more than three heartbeats.",
            value=sum(1 for r in rows if r["status"] == "offline"),
        )
        yield GaugeMetricFamily(
            "wallboard_screens_paired",
            "Paired screens (not revoked).",
            value=sum(1 for r in rows if r["paired"]),
        )


def register(app: Flask) -> Devices:
    """After ``metrics.register`` (its registry gets the fleet gauges)."""
    devices = Devices(wall_of(app))
    app.extensions[EXTENSION] = devices
    Sharing(devices)  # the state store's pairings and fleet, once it is opened
    gate.register(app)
    routes.register(app)
    registry = app.extensions.get(METRICS_EXTENSION)
    if isinstance(registry, CollectorRegistry):
        registry.register(FleetCollector(devices))
    return devices
