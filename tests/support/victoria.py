"""A real single-node VictoriaMetrics (Debian's /usr/bin/victoria-metrics) scraping a target.

It scrapes every second itself (``-promscrape.config``), like the Prometheus of
tests/support/prometheus.py, so the same expected rates hold. ``-search.latencyOffset``
is 1 s here: at its default of 30 s, VictoriaMetrics hides the newest 30 s of samples
from queries (docs/sources/prometheus.md says what that means for a wall).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from tests.support.daemons import Daemon, free_port, wait_until

VICTORIA = "/usr/bin/victoria-metrics"


class VictoriaServer(Daemon):
    def __init__(self, workdir: Path, targets: list[str], latency_offset: str = "1s") -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        config = {
            "global": {"scrape_interval": "1s", "scrape_timeout": "900ms"},
            "scrape_configs": [{"job_name": "app", "static_configs": [{"targets": targets}]}],
        }
        (workdir / "scrape.yml").write_text(json.dumps(config))  # JSON is YAML
        port = free_port()
        argv = [
            VICTORIA,
            f"-httpListenAddr=127.0.0.1:{port}",
            f"-storageDataPath={workdir / 'data'}",
            f"-promscrape.config={workdir / 'scrape.yml'}",
            f"-search.latencyOffset={latency_offset}",
            "-search.disableCache",  # every cycle sees the newest samples, as Prometheus does
            "-loggerLevel=ERROR",
        ]
        super().__init__("victoria-metrics", argv, port, workdir, "/health")

    def query(self, promql: str) -> list[dict[str, Any]]:
        response = self.http.request(
            "POST", self.url + "/api/v1/query", fields={"query": promql}, encode_multipart=False
        )
        result: list[dict[str, Any]] = json.loads(response.data)["data"]["result"]
        return result

    def wait_scraped(self, samples: int = 5, timeout: float = 30.0) -> None:
        def enough() -> bool:
            # Fresh samples become searchable only at VictoriaMetrics' next flush (seconds).
            self.get("/internal/force_flush")
            rows = self.query("count_over_time(up[1m])")
            return any(float(row["value"][1]) >= samples for row in rows)

        wait_until(enough, timeout, f"{samples} scrapes by VictoriaMetrics", every=0.5)

    def queries_served(self) -> float:
        """Instant queries VictoriaMetrics answered (its own /metrics)."""
        text = self.get("/metrics").data.decode()
        total = 0.0
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == "vm_http_requests_total" and sample.labels.get("path") == (
                    "/api/v1/query"
                ):
                    total += sample.value
        return total
