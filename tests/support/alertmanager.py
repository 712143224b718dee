"""A real Alertmanager (Debian's /usr/bin/prometheus-alertmanager) posting webhooks to the wall."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from tests.support.daemons import Daemon, free_port

ALERTMANAGER = "/usr/bin/prometheus-alertmanager"


class AlertmanagerServer(Daemon):
    """Alertmanager on a free loopback port, no clustering, a 1 s group_wait/group_interval.

    Its one receiver posts webhook v4 payloads to ``webhook_url`` with
    ``Authorization: Bearer <token>``, resolved notifications included.
    """

    def __init__(self, workdir: Path, webhook_url: str, token: str) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        config = {
            "route": {
                "receiver": "wall",
                "group_by": ["alertname", "team"],
                "group_wait": "1s",
                "group_interval": "1s",
                "repeat_interval": "1h",
            },
            "receivers": [
                {
                    "name": "wall",
                    "webhook_configs": [
                        {
                            "url": webhook_url,
                            "send_resolved": True,
                            "http_config": {
                                "authorization": {"type": "Bearer", "credentials": token}
                            },
                        }
                    ],
                }
            ],
        }
        (workdir / "alertmanager.yml").write_text(json.dumps(config))  # JSON is YAML
        port = free_port()
        argv = [
            ALERTMANAGER,
            f"--config.file={workdir / 'alertmanager.yml'}",
            f"--storage.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",  # no gossip port, no peers
            "--log.level=warn",
        ]
        super().__init__("alertmanager", argv, port, workdir, "/-/ready")

    def alerts(self) -> list[dict[str, Any]]:
        """What Alertmanager would show as firing (active, not silenced, not inhibited)."""
        path = "/api/v2/alerts?active=true&silenced=false&inhibited=false"
        rows: list[dict[str, Any]] = json.loads(self.get(path).data)
        return rows

    def silence(self, alertname: str, minutes: float = 10) -> str:
        now = time.time()
        body = {
            "matchers": [{"name": "alertname", "value": alertname, "isRegex": False}],
            "startsAt": _rfc3339(now - 1),
            "endsAt": _rfc3339(now + minutes * 60),
            "createdBy": "wallboard tests",
            "comment": "silenced by a test",
        }
        response = self.http.request(
            "POST",
            self.url + "/api/v2/silences",
            body=json.dumps(body),
            headers={"Content-Type": "application/json"},
        )
        silence_id: str = json.loads(response.data)["silenceID"]
        return silence_id

    def expire(self, silence_id: str) -> None:
        self.http.request("DELETE", f"{self.url}/api/v2/silence/{silence_id}")


def _rfc3339(unix: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(unix))


def payload(*alerts: dict[str, Any], status: str = "firing") -> dict[str, Any]:
    """A webhook v4 body as Alertmanager 0.25 sends it, around the given alerts."""
    common = alerts[0]["labels"] if alerts else {}
    return {
        "version": "4",
        "groupKey": '{}:{alertname="Synthetic"}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "wall",
        "groupLabels": {"alertname": common.get("alertname", "")},
        "commonLabels": common,
        "commonAnnotations": {},
        "externalURL": "http://127.0.0.1:9093",
        "alerts": list(alerts),
    }


def alert(fingerprint: str, status: str = "firing", **labels: str) -> dict[str, Any]:
    """One alert of a webhook payload (``fingerprint`` is 16 hex characters upstream)."""
    return {
        "status": status,
        "labels": {"alertname": "Synthetic", **labels},
        "annotations": {"summary": f"synthetic alert {fingerprint}"},
        "startsAt": "2026-08-20T10:00:00.123456789Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://127.0.0.1:9090/graph",
        "fingerprint": fingerprint,
    }
