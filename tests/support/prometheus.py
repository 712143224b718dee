"""A real Prometheus (Debian's /usr/bin/prometheus) scraping a target the test serves.

The target exposes ``http_requests_total{team,code}`` whose values grow at
rates the test sets, computed at scrape time (no thread, no drift), so the
expected PromQL answers are known exactly.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily
from prometheus_client.parser import text_string_to_metric_families

from tests.support.daemons import Daemon, free_port, wait_until

PROMETHEUS = "/usr/bin/prometheus"


class RequestsTarget:
    """``http_requests_total{team,code}`` growing at settable per-second rates.

    ``team=""`` makes a series without a team label (an empty label is no label).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._series: dict[tuple[str, str], tuple[float, float, float]] = {}
        self.registry = CollectorRegistry()
        self.registry.register(self)  # type: ignore[arg-type]
        self.port = free_port()
        self.server, self.thread = start_http_server(
            self.port, addr="127.0.0.1", registry=self.registry
        )
        self.address = f"127.0.0.1:{self.port}"

    def set_rate(self, team: str, code: str, per_second: float) -> None:
        """From now on, the series grows by ``per_second`` each second."""
        now = time.time()
        with self._lock:
            value = self._value((team, code), now)
            self._series[(team, code)] = (value, now, per_second)

    def _value(self, key: tuple[str, str], now: float) -> float:
        base, since, rate = self._series.get(key, (0.0, now, 0.0))
        return base + rate * (now - since)

    def collect(self) -> Iterator[CounterMetricFamily]:
        now = time.time()
        family = CounterMetricFamily(
            "http_requests", "Requests served, by team and status code", labels=["team", "code"]
        )
        with self._lock:
            for key in self._series:
                family.add_metric(list(key), self._value(key, now))
        yield family

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class PrometheusServer(Daemon):
    """Prometheus on a free loopback port, scraping every second, with a temp data dir."""

    def __init__(
        self,
        workdir: Path,
        targets: list[str],
        *,
        rules: list[dict[str, Any]] | None = None,
        alertmanager: str | None = None,
    ) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        config: dict[str, Any] = {
            "global": {
                "scrape_interval": "1s",
                "scrape_timeout": "900ms",
                "evaluation_interval": "1s",
            },
            "scrape_configs": [{"job_name": "app", "static_configs": [{"targets": targets}]}],
        }
        if rules:
            (workdir / "rules.yml").write_text(json.dumps({"groups": rules}))
            config["rule_files"] = [str(workdir / "rules.yml")]
        if alertmanager:
            config["alerting"] = {
                "alertmanagers": [{"static_configs": [{"targets": [alertmanager]}]}]
            }
        # JSON is YAML: no YAML writer needed.
        (workdir / "prometheus.yml").write_text(json.dumps(config))
        port = free_port()
        argv = [
            PROMETHEUS,
            f"--config.file={workdir / 'prometheus.yml'}",
            f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ]
        if alertmanager:
            # Alerts that fired before Alertmanager was discovered (~5 s) are dropped;
            # resending every second instead of every minute delivers them promptly.
            argv.append("--rules.alert.resend-delay=1s")
        super().__init__("prometheus", argv, port, workdir, "/-/ready")

    def wait_scraped(self, samples: int = 5, timeout: float = 30.0) -> None:
        """Wait until the target has been scraped ``samples`` times (discovery takes ~5 s)."""

        def enough() -> bool:
            rows = self.query("count_over_time(up[1m])")
            return any(float(row["value"][1]) >= samples for row in rows)

        wait_until(enough, timeout, f"{samples} scrapes by Prometheus", every=0.5)

    def metric(self, name: str, **labels: str) -> float:
        """The sum of the samples of ``name`` in Prometheus' own /metrics matching ``labels``."""
        text = self.get("/metrics").data.decode()
        total = 0.0
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == name and all(
                    sample.labels.get(k) == v for k, v in labels.items()
                ):
                    total += sample.value
        return total

    def queries_served(self) -> float:
        return self.metric("prometheus_http_requests_total", handler="/api/v1/query")

    def connections_accepted(self) -> float:
        return self.metric("net_conntrack_listener_conn_accepted_total", listener_name="http")

    def query(self, promql: str) -> list[dict[str, Any]]:
        response = self.http.request(
            "POST", self.url + "/api/v1/query", fields={"query": promql}, encode_multipart=False
        )
        body = json.loads(response.data)
        result: list[dict[str, Any]] = body["data"]["result"]
        return result
