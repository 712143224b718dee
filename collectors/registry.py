"""Which class implements each source ``type`` in the config.

A plain dict from the config's ``type`` to ``module:Class``: adding a kind is one
line here and one module beside this file. Imports are lazy so that a wall with
only a demo source never imports the Sentry or Prometheus code.
"""

from __future__ import annotations

import importlib

from collectors.base import Source

KINDS: dict[str, str] = {
    "alertmanager": "collectors.alertmanager.source:AlertmanagerSource",
    "demo": "collectors.demo:DemoSource",
    "grafana_oncall": "collectors.oncall.grafana:GrafanaOncallSource",
    "health": "collectors.health.source:HealthSource",
    "ics": "collectors.oncall.ics:IcsSource",
    "incidentio": "collectors.oncall.incidentio:IncidentioSource",
    "opsgenie": "collectors.oncall.opsgenie:OpsgenieSource",
    "pagerduty": "collectors.oncall.pagerduty:PagerDutySource",
    "prometheus": "collectors.prometheus.source:PrometheusSource",
    "sentry": "collectors.sentry.source:SentrySource",
}


def source_class(kind: str) -> type[Source]:
    """The class for ``kind``; KeyError when no such kind exists."""
    module_name, _, class_name = KINDS[kind].partition(":")
    cls: type[Source] = getattr(importlib.import_module(module_name), class_name)
    return cls
