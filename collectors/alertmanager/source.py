"""The ``alertmanager`` source: firing alerts per team, pushed by webhook, reconciled by polling.

Webhooks (``receive``) make an alert appear within a blink; reconciliation
(``collect``: ``GET /api/v2/alerts?active=true&silenced=false&inhibited=false``
on start and every interval) repairs anything a missed webhook, a wall restart
or a silence left wrong. Both return the whole current state, so applying
either is always right. Alerts without a team label are counted in warnings.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Mapping
from typing import Any, ClassVar, cast

from collectors.alertmanager.payload import (
    Alert,
    PayloadError,
    alert_data,
    alert_from,
    api_alerts,
    webhook_alerts,
)
from collectors.base import Collection, Item, Reading, SourceContext
from collectors.errors import CollectorError
from collectors.http.client import HttpClient, HttpOptions, http_error
from collectors.labels import HttpUrl, TeamLabelOptions, team_of
from collectors.options import EnvName, NoOptions, read_env

# The ``severity`` label decides an alert's colour; one not listed here is "warn".
SEVERITY_STATUS = {
    "critical": "crit",
    "page": "crit",
    "error": "crit",
    "high": "crit",
    "warning": "warn",
    "warn": "warn",
    "info": "ok",
    "none": "ok",
}
_ORDER = {"crit": 0, "warn": 1, "ok": 2}


class AlertmanagerOptions(HttpOptions, TeamLabelOptions):
    url: HttpUrl
    webhook_token_env: EnvName  # Alertmanager's http_config.authorization credentials


class AlertmanagerSource:
    kind: ClassVar[str] = "alertmanager"
    Options: ClassVar[type[AlertmanagerOptions]] = AlertmanagerOptions
    PanelOptions: ClassVar[type[NoOptions]] = NoOptions
    TeamOptions: ClassVar[type[NoOptions]] = NoOptions

    def __init__(self, context: SourceContext) -> None:
        self.context = context
        self.options = cast(AlertmanagerOptions, context.options)
        self.client = HttpClient.from_options(
            self.options, timeout=context.timeout, env=context.env
        )
        self._token = (read_env(self.options.webhook_token_env, context.env) or "").encode()
        self._lock = threading.Lock()
        self._firing: dict[str, Alert] = {}  # fingerprint -> alert
        # Webhook changes by fingerprint (monotonic time, alert or None if resolved), so a
        # reconciliation that started before a webhook does not undo it.
        self._pushed: dict[str, tuple[float, Alert | None]] = {}
        self._truncated = 0  # alerts a webhook left out (max_alerts), until reconciled

    def accepts_token(self, presented: str) -> bool:
        """Constant-time check of a webhook's bearer token."""
        return bool(self._token) and hmac.compare_digest(presented.encode(), self._token)

    # -- push ----------------------------------------------------------------------------
    def receive(self, payload: Any) -> Collection:
        """Apply a webhook v4 payload; PayloadError (nothing applied) when it is malformed."""
        alerts = webhook_alerts(payload)
        truncated = payload.get("truncatedAlerts")
        now = time.monotonic()
        with self._lock:
            if isinstance(truncated, int) and truncated > 0:
                self._truncated += truncated
            for alert in alerts:
                if alert.firing:
                    self._firing[alert.fingerprint] = alert
                else:
                    self._firing.pop(alert.fingerprint, None)
                self._pushed[alert.fingerprint] = (now, alert if alert.firing else None)
            return self._collection()

    # -- poll ----------------------------------------------------------------------------
    def collect(self, deadline: float) -> Collection:
        """Replace the state with what Alertmanager says is firing now."""
        started = time.monotonic()
        response = self.client.request(
            "GET",
            f"{self.options.url}/api/v2/alerts",
            params={"active": "true", "silenced": "false", "inhibited": "false"},
            deadline=deadline,
        )
        if response.status != 200:
            raise http_error(response, "no Alertmanager API v2 at this URL")
        try:
            alerts = api_alerts(response.json())
        except PayloadError as exc:
            raise CollectorError(
                f"unexpected Alertmanager answer: {exc}", kind="bad_response"
            ) from exc
        with self._lock:
            firing = {a.fingerprint: a for a in alerts}
            for fingerprint, (at, alert) in list(self._pushed.items()):
                if at < started:
                    del self._pushed[fingerprint]  # the answer already reflects it
                elif alert is None:
                    firing.pop(fingerprint, None)
                else:
                    firing[fingerprint] = alert
            self._firing = firing
            self._truncated = 0
            return self._collection()

    # -- memory across restarts (collectors.base.Memory) ----------------------------------
    def export_memory(self) -> dict[str, Any]:
        """The firing alerts by fingerprint, so a restart shows them before reconciling."""
        with self._lock:
            return {"firing": [alert_data(a) for a in self._firing.values()]}

    def import_memory(self, memory: Mapping[str, Any]) -> None:
        saved = memory.get("firing")
        if not isinstance(saved, list):
            return
        alerts = [a for a in (alert_from(d) for d in saved) if a is not None]
        with self._lock:
            self._firing = {a.fingerprint: a for a in alerts}

    # -- state -> readings ----------------------------------------------------------------
    def _collection(self) -> Collection:
        by_team: dict[str, list[Alert]] = {}
        unrouted = 0
        for alert in self._firing.values():
            team = team_of(alert.labels, self.options.team_label, self.options.team_map)
            if team is None:
                unrouted += 1
            else:
                by_team.setdefault(team, []).append(alert)
        out = Collection()
        if unrouted:
            label = self.options.team_label
            noun = "alert has" if unrouted == 1 else "alerts have"
            out.warnings.append(f'{unrouted} firing {noun} no "{label}" label')
        if self._truncated:
            out.warnings.append(
                f"webhooks left out {self._truncated} alerts (max_alerts); "
                "the next reconciliation shows them"
            )
        for panel in self.context.panels:
            for team in panel.teams:
                out.readings[(team, panel.id)] = _reading(by_team.get(team, []))
        return out

    def close(self) -> None:
        self.client.close()


def _item(alert: Alert) -> Item:
    return Item(
        title=alert.name,
        status=SEVERITY_STATUS.get(alert.severity.lower(), "warn"),
        detail=alert.summary,
        since=alert.starts_at,
        meta={"severity": alert.severity or None, "fingerprint": alert.fingerprint},
    )


def _reading(alerts: list[Alert]) -> Reading:
    items = sorted(
        (_item(a) for a in alerts),
        key=lambda i: (_ORDER.get(i.status, 1), -(i.since or 0.0), i.title),
    )
    if not items:
        return Reading(value=0.0, text="none firing", status="ok", sample=0.0)
    status = min((i.status for i in items), key=lambda s: _ORDER.get(s, 1))
    return Reading(
        value=float(len(items)), text=f"{len(items)} firing", status=status, items=tuple(items)
    )
