"""What an upstream answered, and the one translation of every failure into words.

Kept apart from the client so that sources parsing answers (Prometheus' envelope,
Sentry's pages) depend on the shape of a response, not on how it was fetched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

from collectors import jsonsafe
from collectors.errors import CollectorError


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]
    data: bytes
    elapsed: float
    url: str

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def json(self) -> Any:
        """The body as JSON, or a CollectorError("invalid JSON ...")."""
        try:
            # No depth scan of a 16 MB answer: the parser's recursion limit is caught instead.
            return jsonsafe.loads(self.data, max_depth=None)
        except jsonsafe.BadNumber as exc:
            raise CollectorError(
                f"upstream answer (HTTP {self.status}) holds a bad number: {exc}",
                kind="bad_response",
            ) from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise CollectorError(
                f"invalid JSON from upstream (HTTP {self.status})", kind="bad_response"
            ) from exc

    def text(self, limit: int = 200) -> str:
        return self.data[:limit].decode("utf-8", "replace").strip()


def _fmt_seconds(seconds: float) -> str:
    # A timeout clipped by the cycle deadline is 0.999969 s; a wall says "1 s".
    return f"{round(seconds, 2):g} s"


def http_error(response: Response, what: str = "") -> CollectorError:
    """Translate a non-2xx answer into a CollectorError with a readable reason."""
    status = response.status
    prefix = f"HTTP {status}"
    if status in (401, 403):
        return CollectorError(f"{prefix}: token rejected", retryable=False, kind="auth")
    if status == 404:
        return CollectorError(
            f"{prefix}: {what or 'not found'}", retryable=False, config_error=True, kind="not_found"
        )
    if status == 429:
        return CollectorError(f"{prefix}: rate limited", kind="rate_limited")
    if status >= 500:
        return CollectorError(prefix, kind="http_5xx")
    return CollectorError(prefix, retryable=False, kind="http_4xx")


def timeout_error(seconds: float) -> CollectorError:
    """The request's total budget ran out (connect, headers and body together)."""
    return CollectorError(f"timeout after {_fmt_seconds(seconds)}", kind="timeout")


def body_too_large(cap: int) -> CollectorError:
    """An answer over the source's ``max_body_bytes``: named, so the fix is obvious."""
    return CollectorError(
        f"response body over the {_fmt_bytes(cap)} cap (max_body_bytes)",
        retryable=False,
        kind="too_large",
    )


def _fmt_bytes(size: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size} bytes"


def transport_error(exc: BaseException, timeout: float) -> CollectorError:
    """Map urllib3's exception tree to one reason; called from one place only."""
    reason = exc.reason if isinstance(exc, MaxRetryError) and exc.reason else exc
    if isinstance(reason, ConnectTimeoutError) and not isinstance(reason, NewConnectionError):
        return CollectorError(f"connect timeout after {_fmt_seconds(timeout)}", kind="timeout")
    if isinstance(reason, (ReadTimeoutError, TimeoutError)):
        return CollectorError(f"timeout after {_fmt_seconds(timeout)}", kind="timeout")
    if isinstance(reason, NameResolutionError):
        return CollectorError("DNS lookup failed", kind="connection")
    if isinstance(reason, SSLError):
        text = str(reason)
        detail = (
            "certificate verify failed"
            if "CERTIFICATE_VERIFY_FAILED" in text
            else "handshake failed"
        )
        return CollectorError(f"TLS: {detail}", kind="tls")
    if isinstance(reason, NewConnectionError):
        text = str(reason).lower()
        if "refused" in text:
            return CollectorError("connection refused", kind="connection")
        return CollectorError("connection failed", kind="connection")
    if isinstance(reason, ProtocolError):
        text = str(reason).lower()
        if "reset" in text:
            return CollectorError("connection reset", kind="connection")
        return CollectorError("connection closed before a response", kind="connection")
    if isinstance(exc, MaxRetryError):
        return CollectorError("upstream kept failing after retries", kind="http_5xx")
    return CollectorError(f"HTTP error: {type(reason).__name__}", kind="connection")
