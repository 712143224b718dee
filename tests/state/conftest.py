"""What the state and replica tests share: one real Prometheus and a quiet Alertmanager.

Session-scoped, so once per test worker: the replicas only read the target's fixed
rates. Redis comes from tests/conftest.py's ``store`` (a database per test).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.prometheus import PrometheusServer, RequestsTarget
from tests.support.replicas import quiet_alertmanager, replica_config


@pytest.fixture(scope="session")
def prom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrometheusServer]:
    """Prometheus scraping a target where payments fails 10 % of requests, search none."""
    target = RequestsTarget()
    target.set_rate("payments", "500", 1.0)
    target.set_rate("payments", "200", 9.0)
    target.set_rate("search", "200", 5.0)
    server = PrometheusServer(tmp_path_factory.mktemp("prometheus"), [target.address])
    server.start()
    server.wait_scraped(samples=3)
    yield server
    server.stop()
    target.close()


@pytest.fixture(scope="session")
def config(prom: PrometheusServer) -> Iterator[str]:
    """The replicas' config (docs/replicas.md shapes): TTL 2 s, 1 s interval, webhook alerts."""
    with quiet_alertmanager() as am:
        yield replica_config(prom.url, am)
