"""Prometheus' HTTP API answers: the JSON envelope, its error types, its samples.

Shapes follow ``docs/api-facts.md`` section 1: values are JSON strings
(``"NaN"``, ``"+Inf"``), an error is ``{"status":"error","errorType",...}``, and a
server that is not ready answers a *plain-text* 503, so no body is assumed JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from collectors.errors import CollectorError
from collectors.http.client import Response, http_error

# Kinds raised for one query's failure (the rest of the cycle goes on); any other
# kind means Prometheus itself could not be reached or would not answer.
QUERY_KINDS = frozenset(
    {"bad_query", "query_execution", "query_timeout", "bad_result", "partial", "query_limit"}
)


@dataclass(frozen=True)
class Series:
    """One series of a result: its labels and its (unix seconds, value) points."""

    labels: Mapping[str, str]
    points: tuple[tuple[float, float], ...]

    @property
    def value(self) -> float:
        """The value of an instant-vector sample (its only point)."""
        return self.points[-1][1]


@dataclass
class Result:
    series: list[Series] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped_histograms: int = 0


def _api_error(body: Mapping[str, Any], status: int) -> CollectorError:
    kind = str(body.get("errorType") or "unknown")
    message = str(body.get("error") or "no reason given")[:300]
    if kind == "bad_data":
        # Bad PromQL only changes with the config: shown as a config error, not retried soon.
        return CollectorError(message, retryable=False, config_error=True, kind="bad_query")
    if kind == "execution":
        return CollectorError(f"query failed: {message}", kind="query_execution")
    if kind in ("timeout", "canceled"):
        return CollectorError(f"query timed out in Prometheus: {message}", kind="query_timeout")
    return CollectorError(f"Prometheus {kind} error (HTTP {status}): {message}", kind="http_5xx")


def decode(
    response: Response, check: Callable[[Mapping[str, Any], list[str]], None] | None = None
) -> tuple[Any, list[str]]:
    """The ``data`` and ``warnings`` of a successful answer, or a CollectorError.

    ``infos`` (newer Prometheus) join the warnings, marked "info:". ``check`` sees the
    answer's envelope and warnings and raises for one that is incomplete (a partial
    answer of Thanos or VictoriaMetrics)."""
    body: Any = None
    if response.content_type.endswith("json"):
        try:
            body = response.json()
        except CollectorError:
            body = None
    if isinstance(body, dict) and body.get("status") == "error":
        raise _api_error(body, response.status)
    if response.status == 503:
        # Plain "Service Unavailable" (with X-Prometheus-Stopping) while starting or stopping.
        stopping = response.headers.get("x-prometheus-stopping") == "true"
        state = "stopping" if stopping else "not ready"
        raise CollectorError(f"Prometheus is {state} (HTTP 503)", kind="not_ready")
    if not 200 <= response.status < 300:
        raise http_error(response, "no Prometheus API at this URL")
    if not isinstance(body, dict) or body.get("status") != "success":
        snippet = response.text(80)
        raise CollectorError(
            f"not a Prometheus API answer (HTTP {response.status}): {snippet!r}",
            kind="bad_response",
        )
    data = body.get("data")
    if data is None:
        raise CollectorError("Prometheus answer has no data", kind="bad_response")
    warnings = [str(w) for w in _strings(body.get("warnings"))]
    if check is not None:
        check(body, warnings)
    return data, warnings + [f"info: {i}" for i in _strings(body.get("infos"))]


def _strings(raw: Any) -> list[str]:
    return [str(item) for item in raw if item] if isinstance(raw, list) else []


def _labels(raw: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in raw.items()} if isinstance(raw, dict) else {}


def _point(raw: Any) -> tuple[float, float]:
    if not (isinstance(raw, list) and len(raw) == 2):
        raise CollectorError(f"malformed sample {raw!r:.60}", kind="bad_response")
    try:
        return float(raw[0]), float(raw[1])  # float() reads "NaN", "+Inf" and "-Inf"
    except (TypeError, ValueError) as exc:
        raise CollectorError(f"malformed sample {raw!r:.60}", kind="bad_response") from exc


def parse(data: Any, warnings: list[str], expect: str) -> Result:
    """Series of a ``vector`` (instant query) or ``matrix`` (range query) result."""
    if not isinstance(data, dict):
        raise CollectorError("Prometheus answer has no data object", kind="bad_response")
    kind = data.get("resultType")
    if kind != expect:
        raise CollectorError(
            f"the query returned a {kind}, expected an instant vector grouped by team",
            retryable=False,
            config_error=True,
            kind="bad_result",
        )
    result = Result(warnings=list(warnings))
    rows = data.get("result")
    if not isinstance(rows, list):
        raise CollectorError("Prometheus result is not a list", kind="bad_response")
    for row in rows:
        if not isinstance(row, dict):
            raise CollectorError("Prometheus result row is not an object", kind="bad_response")
        labels = _labels(row.get("metric"))
        if "value" in row:
            points: tuple[tuple[float, float], ...] = (_point(row["value"]),)
        elif "values" in row:
            points = tuple(_point(p) for p in row["values"] or [])
        else:
            # A native histogram ("histogram"/"histograms") has no single number to show.
            result.skipped_histograms += 1
            continue
        result.series.append(Series(labels, points))
    return result
