"""The ``alertmanager`` source: firing alerts per team, pushed by webhook, reconciled by polling.

Webhooks (``receive``) make an alert appear within a blink; reconciliation
(``collect``: ``GET /api/v2/alerts?active=true&silenced=false&inhibited=false``
on start and every interval) repairs anything a missed webhook, a wall restart
or a silence left wrong. Both return the whole current state, so applying
either is always right. Alerts without a team label are counted in warnings.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any, ClassVar, cast

from pydantic import model_validator

from collectors.alertmanager.payload import (
    Alert,
    PayloadError,
    alert_data,
    alert_from,
    api_alerts,
    webhook,
)
from collectors.base import Collection, Item, PushRequest, Reading, SourceContext, severity
from collectors.errors import CollectorError
from collectors.http.client import HttpClient, HttpOptions, HttpStats, http_error
from collectors.labels import TeamLabelOptions, team_of
from collectors.options import (
    EnvName,
    HttpUrl,
    NoOptions,
    SecretFile,
    read_secret,
    require_secret,
)
from collectors.tokens import bearer, same

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


# Largest answer read unless max_body_bytes says otherwise.
MAX_BODY = 16 * 1024 * 1024


class AlertmanagerOptions(HttpOptions, TeamLabelOptions):
    url: HttpUrl
    # Alertmanager's http_config.authorization credentials: one of the two is required.
    webhook_token_env: EnvName | None = None
    webhook_token_file: SecretFile | None = None

    @model_validator(mode="after")
    def _token(self) -> AlertmanagerOptions:
        require_secret(self, "webhook_token")
        return self


class AlertmanagerSource:
    kind: ClassVar[str] = "alertmanager"
    Options: ClassVar[type[AlertmanagerOptions]] = AlertmanagerOptions
    PanelOptions: ClassVar[type[NoOptions]] = NoOptions
    TeamOptions: ClassVar[type[NoOptions]] = NoOptions

    def __init__(self, context: SourceContext) -> None:
        self.context = context
        self.options = cast(AlertmanagerOptions, context.options)
        self.client = HttpClient.from_options(
            self.options, timeout=context.timeout, env=context.env, max_body=MAX_BODY
        )
        self._token = (read_secret(self.options, "webhook_token", context.env) or "").encode()
        # webhook_token_env or _file is required; an unset or unreadable one lets none pass
        self.accepts_pushes = True
        self._lock = threading.Lock()
        self._firing: dict[str, Alert] = {}  # fingerprint -> alert
        # Webhook changes by fingerprint (monotonic time, alert or None if resolved), so a
        # reconciliation that started before a webhook does not undo it.
        self._pushed: dict[str, tuple[float, Alert | None]] = {}
        self._truncated = 0  # alerts a webhook left out (max_alerts), until reconciled

    def http_stats(self) -> list[HttpStats]:
        return [self.client.stats]

    # -- push ----------------------------------------------------------------------------
    def verify(self, request: PushRequest) -> bool:
        """Constant-time check of the webhook's ``Authorization: Bearer`` token."""
        presented = bearer(request.header("Authorization"))
        return presented is not None and same(presented, self._token)

    def check(self, request: PushRequest) -> bool:
        """Whether a verified webhook is a v4 payload (CollectorError naming what is not)."""
        self._parse(request)
        return True

    def _parse(self, request: PushRequest) -> tuple[list[Alert], int]:
        try:
            return webhook(request.body())
        except PayloadError as exc:
            raise CollectorError(
                f"not an Alertmanager v4 payload: {exc}", kind="bad_request"
            ) from exc

    def receive(self, request: PushRequest) -> Collection:
        """Apply a webhook v4 payload; CollectorError (nothing applied) when it is malformed."""
        alerts, truncated = self._parse(request)
        now = time.monotonic()
        with self._lock:
            if truncated > 0:
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
        link=alert.link,
        meta={"severity": alert.severity or None, "fingerprint": alert.fingerprint},
        links=alert.links,
    )


def _reading(alerts: list[Alert]) -> Reading:
    items = sorted(
        (_item(a) for a in alerts),
        key=lambda i: (-severity(i.status), -(i.since or 0.0), i.title),
    )
    if not items:
        return Reading(value=0.0, text="none firing", status="ok", sample=0.0)
    status = max((i.status for i in items), key=severity)
    return Reading(
        value=float(len(items)), text=f"{len(items)} firing", status=status, items=tuple(items)
    )
