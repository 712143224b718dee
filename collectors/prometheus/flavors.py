"""One small adapter per Prometheus-compatible backend, chosen by the source's ``flavor``.

Every backend speaks Prometheus' HTTP API; they differ in where it lives (Mimir under
``/prometheus``), how a request is authenticated (SigV4, OAuth), how to ask for a
complete answer (``partial_response=false``, ``deny_partial_response=1``), how a
partial answer still shows (a Thanos warning, ``isPartial``) and how limits are
refused (Mimir's ``err-mimir-*`` ids). A partial answer is an error of the panel:
the series of whatever did not answer are missing, so the wall must not judge it.
Shapes relied on: docs/sources/prometheus.md.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from typing import Any, ClassVar

from collectors.errors import CollectorError
from collectors.http.client import Response
from collectors.options import read_env, secret_in_file
from collectors.prometheus.options import PrometheusOptions


def partial_error(title: str, why: str) -> CollectorError:
    """A partial answer: shown as the panel's error (never judged, so never green)."""
    return CollectorError(f"partial answer from {title}: {why[:200]}", kind="partial")


class Flavor:
    """Plain Prometheus; the base every other flavour adjusts."""

    name: ClassVar[str] = "prometheus"
    title: ClassVar[str] = "Prometheus"

    def __init__(self, options: PrometheusOptions, env: Mapping[str, str]) -> None:
        self.options = options
        self.env = env

    def api(self, endpoint: str) -> str:
        """The URL of ``/api/v1/<endpoint>``."""
        return f"{self.options.url}/api/v1/{endpoint}"

    def form(self, form: dict[str, str]) -> dict[str, str]:
        """The query's form with this backend's extra parameters."""
        return form

    def headers(self, method: str, url: str, body: bytes) -> dict[str, str]:
        """The request's extra headers: the configured ones, read now (secrets rotate)."""
        out = dict(self.options.headers)
        for name, var in self.options.headers_env.items():
            value = read_env(var, self.env)
            if value:
                out[name] = value
        for name, path in self.options.headers_file.items():
            value = secret_in_file(path)
            if value:
                out[name] = value
        return out

    def refused(self, response: Response) -> CollectorError | None:
        """A flavour-specific reading of an error answer, else None (the generic one)."""
        if response.status in (401, 403):
            detail = _message(response)
            return CollectorError(
                f"HTTP {response.status}: {self.title} refused the credentials"
                + (f": {detail}" if detail else ""),
                retryable=False,
                kind="auth",
            )
        return None

    def check(self, body: Mapping[str, Any], warnings: list[str]) -> None:
        """Raise :func:`partial_error` when a successful answer is incomplete."""

    def close(self) -> None:
        """Release what the adapter holds (token sessions)."""


def _message(response: Response) -> str:
    """The reason in an error body, JSON (``error``, ``message``) or plain text."""
    try:
        body = response.json()
    except CollectorError:
        body = None
    if isinstance(body, dict):
        for key in ("error", "message", "Message"):
            if isinstance(body.get(key), str):
                return str(body[key])[:200]
    return response.text(200) if response.content_type.startswith("text/") else ""


class Thanos(Flavor):
    name = "thanos"
    title = "Thanos"

    def form(self, form: dict[str, str]) -> dict[str, str]:
        # Thanos answers with what it has when a store is down (partial_response defaults
        # to true) and says so only in a warning; ask it to fail instead.
        return {**form, "partial_response": "false"}

    def check(self, body: Mapping[str, Any], warnings: list[str]) -> None:
        # PromQL's own annotations start "PromQL"; any other warning of Thanos Query is
        # a store or endpoint that did not answer (a partial response).
        for warning in warnings:
            if not warning.startswith("PromQL"):
                raise partial_error(self.title, warning)


class VictoriaMetrics(Flavor):
    name = "victoriametrics"
    title = "VictoriaMetrics"

    def form(self, form: dict[str, str]) -> dict[str, str]:
        return {**form, "deny_partial_response": "1"}

    def refused(self, response: Response) -> CollectorError | None:
        # VictoriaMetrics puts the HTTP status in errorType ("422") for every query it
        # cannot run; a parse error among them only changes with the config.
        message = _message(response)
        if response.status == 422:
            if any(s in message for s in ("unparsed data", "cannot parse", "unexpected token")):
                return CollectorError(message, retryable=False, config_error=True, kind="bad_query")
            return CollectorError(f"query failed: {message}", kind="query_execution")
        return super().refused(response)

    def check(self, body: Mapping[str, Any], warnings: list[str]) -> None:
        if body.get("isPartial") is True:
            raise partial_error(self.title, "isPartial: some vmstorage nodes did not answer")


# Mimir's error ids (its runbooks' "err-mimir-*") in words a wall can show.
MIMIR_LIMITS = {
    "max-series-per-query": "too many series for one query",
    "max-chunks-per-query": "too many chunks for one query",
    "max-chunks-bytes-per-query": "too many chunk bytes for one query",
    "max-estimated-chunks-per-query": "too many chunks estimated for one query",
    "max-estimated-memory-consumption-per-query": "the query would need too much memory",
    "max-query-length": "the query's time range is too long",
    "max-total-query-length": "the query's time range is too long",
    "max-query-expression-size-bytes": "the query text is too long",
    "query-blocked": "the query is blocked for this tenant",
    "max-fetched-series-per-query": "too many series for one query",
}
# Cortex (and Mimir before 2.2) word the same limits without an id.
CORTEX_LIMITS = {
    "max number of series limit": "max-series-per-query",
    "max number of chunks limit": "max-chunks-per-query",
    "max number of chunk bytes limit": "max-chunks-bytes-per-query",
    "query time range exceeds the limit": "max-query-length",
}
_MIMIR_ID = re.compile(r"err-mimir-([a-z0-9-]+)")


class Mimir(Flavor):
    """Grafana Mimir and Cortex: the API under ``/prometheus``, a tenant header, limits."""

    name = "mimir"
    title = "Mimir"

    def api(self, endpoint: str) -> str:
        base = self.options.url
        if not base.endswith("/prometheus") and not base.endswith("/api/prom"):
            base += "/prometheus"  # Mimir's default prefix; Cortex's /api/prom is kept as given
        return f"{base}/api/v1/{endpoint}"

    def refused(self, response: Response) -> CollectorError | None:
        message = _message(response)
        limit = _MIMIR_ID.search(message)
        key = limit.group(1) if limit else None
        if key is None:
            key = next((k for text, k in CORTEX_LIMITS.items() if text in message), None)
        if key is not None:
            words = MIMIR_LIMITS.get(key, f"limit err-mimir-{key}")
            return CollectorError(
                f"{words} (Mimir limit err-mimir-{key})", retryable=False, kind="query_limit"
            )
        if response.status == 401 and "org id" in message:
            return CollectorError(
                "HTTP 401: Mimir needs a tenant: set headers X-Scope-OrgID (no org id)",
                retryable=False,
                config_error=True,
                kind="auth",
            )
        if response.status == 429:
            return CollectorError(
                f"HTTP 429: Mimir is rate limiting this tenant: {message}", kind="rate_limited"
            )
        return super().refused(response)


class GrafanaCloud(Mimir):
    """Grafana Cloud's hosted Prometheus (Mimir): basic auth with instance ID and token."""

    name = "grafana_cloud"
    title = "Grafana Cloud"


# The config's ``flavor`` to its adapter, as ``module:Class``: the cloud ones import
# their SDKs (botocore, google-auth) only when a source is configured with them.
FLAVORS: dict[str, str] = {
    "prometheus": "collectors.prometheus.flavors:Flavor",
    "thanos": "collectors.prometheus.flavors:Thanos",
    "mimir": "collectors.prometheus.flavors:Mimir",
    "victoriametrics": "collectors.prometheus.flavors:VictoriaMetrics",
    "grafana_cloud": "collectors.prometheus.flavors:GrafanaCloud",
    "amp": "collectors.prometheus.amp:AmazonManagedPrometheus",
    "gmp": "collectors.prometheus.gmp:GoogleManagedPrometheus",
}


def flavor_class(name: str) -> type[Flavor]:
    """The adapter class for the flavour ``name`` (KeyError for an unknown one)."""
    module_name, _, class_name = FLAVORS[name].partition(":")
    cls: type[Flavor] = getattr(importlib.import_module(module_name), class_name)
    return cls
