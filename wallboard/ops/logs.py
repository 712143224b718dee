"""Logging: one line per event (text or JSON), a request id on each request, no secrets.

``server.log_format = "json"`` makes every line a JSON object for log shippers.
Every request gets an id (the caller's ``X-Request-Id`` when it is sane, else a
new one), echoed in the response and attached to every line logged while the
request runs. The access line carries the path without its query string, and
the formatter masks every configured secret value, tracebacks included.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import IO

from flask import Response, g, has_request_context, request

from wallboard.config.redact import redact

Secrets = Callable[[], Iterable[str]]
HEADER = "X-Request-Id"
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
access_log = logging.getLogger("wallboard.access")


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record ("-" outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        rid = g.get("request_id") if has_request_context() else None
        record.request_id = rid or "-"
        return True


class _Formatter(logging.Formatter):
    def __init__(self, secrets: Secrets) -> None:
        super().__init__()
        self.secrets = secrets

    def text_of(self, record: logging.LogRecord) -> tuple[str, str | None]:
        message = record.getMessage()
        exc = self.formatException(record.exc_info) if record.exc_info else None
        return message, exc


class TextFormatter(_Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message, exc = self.text_of(record)
        stamp = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
        rid = getattr(record, "request_id", "-")
        line = f"{stamp}Z {record.levelname} {record.name} [{rid}] {message}"
        if exc:
            line += " | " + exc
        # One event, one line: a traceback must not look like many events to a log shipper.
        return redact(line, self.secrets()).replace("\n", "\\n")


class JsonFormatter(_Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message, exc = self.text_of(record)
        secrets = list(self.secrets())
        event: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(message, secrets),
            "request_id": getattr(record, "request_id", "-"),
        }
        for key in ("method", "path", "status", "duration_ms", "remote"):
            if hasattr(record, key):
                event[key] = getattr(record, key)
        if exc:
            event["exception"] = redact(exc, secrets)
        return json.dumps(event, default=str)


# Library lines that repeat every cycle while an upstream fails or a collection overruns
# its interval. The source's own line (``source_log``) already says it fails, and the
# counts are in /metrics (``wallboard_upstream_requests{status="error"}``, collection
# durations), so these are demoted to DEBUG: shown, in our format, only at DEBUG level.
REPEATING = {
    "urllib3.connectionpool": ("Retrying",),
    "apscheduler.scheduler": ("Execution of job",),  # "skipped: maximum number of ..."
    "apscheduler.executors.default": ("Run time of job",),  # "... was missed by ..."
}


class DemoteRepeating(logging.Filter):
    def __init__(self, prefixes: tuple[str, ...]) -> None:
        super().__init__()
        self.prefixes = prefixes

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith(self.prefixes):
            return True
        if logging.getLogger().getEffectiveLevel() > logging.DEBUG:
            return False
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


def configure(
    fmt: str = "text",
    *,
    secrets: Secrets = tuple,
    level: int = logging.INFO,
    stream: IO[str] | None = None,
) -> logging.Handler:
    """Route every logger through one handler writing one line per event."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter(secrets) if fmt == "json" else TextFormatter(secrets))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # Library warnings (warnings.warn, e.g. urllib3's InsecureRequestWarning) become log
    # records, so they reach the same one-line text or JSON format instead of raw stderr.
    logging.captureWarnings(True)
    for name, prefixes in REPEATING.items():
        logger = logging.getLogger(name)
        if not any(isinstance(f, DemoteRepeating) for f in logger.filters):
            logger.addFilter(DemoteRepeating(prefixes))
    # Our access line replaces werkzeug's, which would log query strings;
    # APScheduler's INFO is a line per job run, noise next to our own events.
    for noisy in ("werkzeug", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return handler


def request_id_from(header: str | None) -> str:
    return header if header and _SANE_ID.match(header) else uuid.uuid4().hex


def start_request() -> None:
    """The app's first ``before_request``: this request's id, and when it started."""
    g.request_id = request_id_from(request.headers.get(HEADER))
    g.request_started = time.perf_counter()


def finish_request(response: Response) -> Response:
    """An ``after_request``: the id echoed in the answer and one access line, for every
    request ``start_request`` saw (refused ones too)."""
    rid = g.get("request_id")
    if rid is None:
        return response
    response.headers[HEADER] = rid
    started = g.get("request_started", time.perf_counter())
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    access_log.info(
        "%s %s %s %.1f ms",
        request.method,
        request.path,
        response.status_code,
        duration_ms,
        extra={
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": duration_ms,
            "remote": request.remote_addr,
        },
    )
    return response
