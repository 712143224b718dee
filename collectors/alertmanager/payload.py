"""Alerts as Alertmanager describes them: webhook v4 payloads and ``GET /api/v2/alerts`` rows.

Shapes from ``docs/api-facts.md`` 1.7. Every field is checked before anything
is applied, so a malformed payload changes nothing; unknown keys are ignored
(newer releases add ``notification_reason`` and ``routeLabels``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from collectors.options import http_link


class PayloadError(ValueError):
    """A webhook body that is not an Alertmanager v4 payload; the reason says what is wrong."""


@dataclass(frozen=True)
class Alert:
    fingerprint: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    starts_at: float | None  # unix seconds
    firing: bool
    link: str | None = None  # generatorURL: the rule's graph in Prometheus (chat links it)

    @property
    def name(self) -> str:
        return self.labels.get("alertname", "(no alertname)")

    @property
    def severity(self) -> str:
        return self.labels.get("severity", "")

    @property
    def links(self) -> dict[str, str]:
        """The alert's next steps: its ``runbook_url`` annotation and its ``generatorURL``."""
        found = {"runbook": self.annotations.get("runbook_url"), "source": self.link}
        return {k: v for k, v in found.items() if v}

    @property
    def summary(self) -> str:
        return self.annotations.get("summary") or self.annotations.get("description", "")


# Go writes nanoseconds; Python's fromisoformat takes at most microseconds.
_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_time(raw: Any, where: str) -> float | None:
    """Unix seconds for an RFC 3339 time; None for Go's zero time (``0001-01-01...``)."""
    if not isinstance(raw, str):
        raise PayloadError(f"{where}: expected an RFC 3339 time string")
    if raw.startswith("0001-01-01"):
        return None
    try:
        return datetime.fromisoformat(_FRACTION.sub(r"\1", raw.replace("Z", "+00:00"))).timestamp()
    except ValueError:
        raise PayloadError(f"{where}: not an RFC 3339 time: {raw[:40]!r}") from None


def _strings(raw: Any, where: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise PayloadError(f"{where}: expected an object of strings")
    return dict(raw)


def _alert(raw: Any, where: str, firing: bool) -> Alert:
    if not isinstance(raw, dict):
        raise PayloadError(f"{where}: expected an object")
    fingerprint = raw.get("fingerprint")
    if not isinstance(fingerprint, str) or not fingerprint:
        raise PayloadError(f"{where}.fingerprint: expected a non-empty string")
    return Alert(
        fingerprint=fingerprint,
        labels=_strings(raw.get("labels"), f"{where}.labels"),
        annotations=_strings(raw.get("annotations"), f"{where}.annotations"),
        starts_at=parse_time(raw.get("startsAt"), f"{where}.startsAt"),
        firing=firing,
        link=http_link(raw.get("generatorURL")),
    )


def webhook(body: bytes) -> tuple[list[Alert], int]:
    """(alerts, alerts left out by ``max_alerts``) of a raw webhook body, or a PayloadError.

    Checks everything before anything is applied, so a replica can refuse a malformed
    body (4xx) before it queues it for the leader."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise PayloadError("body is not JSON") from None
    alerts = webhook_alerts(payload)
    truncated = payload.get("truncatedAlerts", 0)
    if not isinstance(truncated, int) or isinstance(truncated, bool) or truncated < 0:
        raise PayloadError("truncatedAlerts: expected a non-negative integer")
    return alerts, truncated


def webhook_alerts(payload: Any) -> list[Alert]:
    """The alerts of a webhook v4 payload, firing and resolved, or a PayloadError."""
    if not isinstance(payload, dict):
        raise PayloadError("expected a JSON object")
    if payload.get("version") != "4":
        raise PayloadError(f'expected version "4", got {payload.get("version")!r:.20}')
    if payload.get("status") not in ("firing", "resolved"):
        raise PayloadError('status: expected "firing" or "resolved"')
    alerts = payload.get("alerts")
    if not isinstance(alerts, list):
        raise PayloadError("alerts: expected a list")
    out = []
    for i, raw in enumerate(alerts):
        status = raw.get("status") if isinstance(raw, dict) else None
        if status not in ("firing", "resolved"):
            raise PayloadError(f'alerts[{i}].status: expected "firing" or "resolved"')
        out.append(_alert(raw, f"alerts[{i}]", status == "firing"))
    return out


def api_alerts(body: Any) -> list[Alert]:
    """The rows of ``GET /api/v2/alerts`` (asked for active, unsilenced, uninhibited only)."""
    if not isinstance(body, list):
        raise PayloadError("expected a JSON list of alerts")
    out = []
    for i, raw in enumerate(body):
        state = raw.get("status", {}).get("state") if isinstance(raw, dict) else None
        if state not in (None, "active"):
            continue  # suppressed alerts are not firing on a wall
        out.append(_alert(raw, f"[{i}]", True))
    return out


def alert_data(alert: Alert) -> dict[str, Any]:
    """An alert as JSON-ready data (for the state store)."""
    return {
        "fingerprint": alert.fingerprint,
        "labels": dict(alert.labels),
        "annotations": dict(alert.annotations),
        "starts_at": alert.starts_at,
        "firing": alert.firing,
        "link": alert.link,
    }


def alert_from(data: object) -> Alert | None:
    """:func:`alert_data` back into an alert; None when it is not one."""
    if not isinstance(data, Mapping) or not isinstance(data.get("fingerprint"), str):
        return None
    labels, notes = data.get("labels"), data.get("annotations")
    starts = data.get("starts_at")
    return Alert(
        fingerprint=data["fingerprint"],
        labels={str(k): str(v) for k, v in labels.items()} if isinstance(labels, Mapping) else {},
        annotations={str(k): str(v) for k, v in notes.items()}
        if isinstance(notes, Mapping)
        else {},
        starts_at=float(starts) if isinstance(starts, (int, float)) else None,
        firing=bool(data.get("firing", True)),
        link=http_link(data.get("link")),
    )
