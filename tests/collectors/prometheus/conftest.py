"""The real Prometheus the source's modules share (one per worker, in group "prometheus").

It scrapes a target with known rates (``RATES``); modules that use it mark themselves
``xdist_group("prometheus")`` so that one worker starts it once for all of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.prometheus import PrometheusServer, RequestsTarget

# (team, code) -> requests per second served by the target
RATES = {
    ("payments", "200"): 9.0,
    ("payments", "500"): 1.0,  # 10 % errors
    ("search", "200"): 4.0,
    ("search", "503"): 0.2,  # 0.2 / 4.2 = 4.76 % errors
    ("quiet", "200"): 5.0,  # traffic, but no 5xx series at all
    ("idle", "200"): 0.0,  # series exist, no traffic: 0/0
    ("idle", "500"): 0.0,
    ("", "200"): 1.0,  # a series without a team label
}


@pytest.fixture(scope="session")
def target() -> Iterator[RequestsTarget]:
    target = RequestsTarget()
    for (team, code), rate in RATES.items():
        target.set_rate(team, code, rate)
    for i in range(30):
        target.set_rate(f"t{i:02d}", "200", 2.0)
    yield target
    target.close()


@pytest.fixture(scope="session")
def prom(tmp_path_factory: pytest.TempPathFactory, target: RequestsTarget) -> Iterator[Any]:
    server = PrometheusServer(tmp_path_factory.mktemp("prometheus"), [target.address])
    server.start()
    server.wait_scraped(samples=5)
    yield server
    server.stop()
