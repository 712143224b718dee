"""The one HTTP client every source uses: pooled, keep-alive, retried by the library.

Lessons this encodes: opening a connection can cost more than a quick request
(so one pool per source, reused across cycles); 502s and TCP errors are retried
a bounded number of times with jittered backoff (``urllib3.util.Retry``); every
failure is translated *here, once* into a :class:`CollectorError` with a reason
a person can read on a wall.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import urllib3
from pydantic import Field
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import HTTPError
from urllib3.util import Timeout

from collectors.errors import CollectorError
from collectors.http import deadline as deadlines
from collectors.http.body import read_capped
from collectors.http.response import Response, http_error, timeout_error, transport_error
from collectors.http.retry import CappedRetry
from collectors.options import EnvName, Options, SecretFile, read_secret

__all__ = ["HttpClient", "HttpOptions", "HttpStats", "Response", "TlsOptions", "http_error"]

# Status codes worth retrying at once: a gateway hiccup or a restarting upstream.
RETRY_STATUSES = frozenset({502, 503, 504})
DEFAULT_MAX_BODY = 16 * 1024 * 1024  # bytes; each source kind passes its own default
MAX_BODY_CEILING = 1024 * 1024 * 1024


class TlsOptions(Options):
    """How an HTTP source checks its upstream's certificate (every HTTP source has these)."""

    ca_bundle: str | None = None
    verify: bool = True


class HttpOptions(TlsOptions):
    """Connection options shared by HTTP sources with generic auth (mixed into their Options)."""

    bearer_token_env: EnvName | None = None
    bearer_token_file: SecretFile | None = None
    basic_user_env: EnvName | None = None
    basic_user_file: SecretFile | None = None
    basic_password_env: EnvName | None = None
    basic_password_file: SecretFile | None = None
    # Largest answer read from the upstream (None: the source kind's default).
    max_body_bytes: int | None = Field(default=None, ge=1024, le=MAX_BODY_CEILING)


@dataclass
class HttpStats:
    """Counters a source exposes to /metrics: requests by status, connections opened."""

    requests: Counter[str] = field(default_factory=Counter)
    connections_opened: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count_request(self, status: str) -> None:
        with self.lock:
            self.requests[status] += 1

    def count_connection(self) -> None:
        with self.lock:
            self.connections_opened += 1

    def snapshot(self) -> tuple[dict[str, int], int]:
        with self.lock:
            return dict(self.requests), self.connections_opened


class HttpClient:
    """A thread-safe, keep-alive client for one source.

    ``timeout`` is both the connect and read timeout of one attempt; each call
    may pass a ``deadline`` (``time.monotonic()``) that caps it so a whole
    cycle never overruns. ``retries`` counts extra attempts on connection errors
    and 502/503/504.
    """

    def __init__(
        self,
        *,
        timeout: float,
        retries: int = 2,
        backoff: float = 0.2,
        maxsize: int = 10,
        num_pools: int = 64,
        headers: Mapping[str, str] | None = None,
        ca_bundle: str | None = None,
        verify: bool = True,
        quiet_unverified: bool = False,
        user_agent: str = "wallboard/0.1",
        max_body: int = DEFAULT_MAX_BODY,
    ) -> None:
        self.timeout = timeout
        self.max_body = max_body
        self.stats = HttpStats()
        self._headers = {"User-Agent": user_agent, **(headers or {})}
        retry = CappedRetry(
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            other=0,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=None,  # POST queries are idempotent reads here
            backoff_factor=backoff,
            backoff_jitter=backoff,
            backoff_max=2.0,
            raise_on_status=False,
            respect_retry_after_header=True,
            redirect=0,
        )
        self._retry = retry
        stats = self.stats

        class CountingHTTP(HTTPConnectionPool):
            ConnectionCls = deadlines.GuardedHTTPConnection

            def _new_conn(self):  # type: ignore[no-untyped-def]
                stats.count_connection()
                return super()._new_conn()

        class CountingHTTPS(HTTPSConnectionPool):
            ConnectionCls = deadlines.GuardedHTTPSConnection

            def _new_conn(self):  # type: ignore[no-untyped-def]
                stats.count_connection()
                return super()._new_conn()

        class QuietUnverifiedHTTPS(CountingHTTPS):
            """urllib3's check minus its InsecureRequestWarning, for this client only.

            With ``verify=false`` chosen in the config (and logged once by the source),
            a warning per request only floods the log; silencing it with a warnings
            filter would silence every other client of the process too.
            """

            def _validate_conn(self, conn):  # type: ignore[no-untyped-def]
                HTTPConnectionPool._validate_conn(self, conn)
                if conn.is_closed:  # what urllib3 does here, without the warning
                    conn.connect()

        tls: dict[str, Any] = {}
        if not verify:
            tls = {"cert_reqs": ssl.CERT_NONE, "assert_hostname": False}
        elif ca_bundle:
            tls = {"cert_reqs": ssl.CERT_REQUIRED, "ca_certs": ca_bundle}
        self._pool = urllib3.PoolManager(num_pools=num_pools, maxsize=maxsize, block=False, **tls)
        https = QuietUnverifiedHTTPS if quiet_unverified and not verify else CountingHTTPS
        self._pool.pool_classes_by_scheme = {"http": CountingHTTP, "https": https}

    @classmethod
    def from_options(
        cls, options: HttpOptions, *, timeout: float, env: Mapping[str, str], **kw: Any
    ) -> HttpClient:
        """A client whose auth and TLS come from an :class:`HttpOptions` model."""
        headers: dict[str, str] = dict(kw.pop("headers", {}) or {})
        token = read_secret(options, "bearer_token", env)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        user = read_secret(options, "basic_user", env)
        if user is not None:
            password = read_secret(options, "basic_password", env) or ""
            headers.update(urllib3.make_headers(basic_auth=f"{user}:{password}"))
        if options.max_body_bytes is not None:
            kw["max_body"] = options.max_body_bytes
        return cls(
            timeout=timeout,
            headers=headers,
            ca_bundle=options.ca_bundle,
            verify=options.verify,
            **kw,
        )

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        form: Mapping[str, Any] | None = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        deadline: float | None = None,
        retries: int | None = None,
        retry_statuses: frozenset[int] | None = None,
        retry_timeouts: bool = True,
    ) -> Response:
        """Send one request (with library retries); any HTTP status is returned.

        Transport failures raise CollectorError. Callers turn statuses they do
        not expect into errors with :func:`http_error`. ``data`` is a body sent as
        given (one a signature covers), with the caller's headers. ``retry_statuses``
        replaces 502/503/504 for this call; ``retry_timeouts=False`` fails a
        timeout at once instead of retrying it.
        """
        per_try = timeout if timeout is not None else self.timeout
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0.05:
                raise CollectorError(
                    f"cycle deadline reached before {method} {_short(url)}", kind="timeout"
                )
            per_try = min(per_try, left)
        if params:
            url = f"{url}{'&' if '?' in url else '?'}{urlencode(params, doseq=True)}"
        body: bytes | str | None = data
        all_headers = {**self._headers, **(headers or {})}
        if form is not None:
            body = urlencode(form, doseq=True)
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        changes: dict[str, Any] = {}
        if retries is not None:
            changes.update(total=retries, connect=retries, read=retries, status=retries)
        if retry_statuses is not None:
            changes["status_forcelist"] = retry_statuses
        # Always a fresh copy: the per-call cap below must not leak into other threads' calls.
        retry = self._retry.new(**changes)
        if not retry_timeouts:
            retry.retry_timeouts = False
        retry.retry_after_cap = per_try
        started = time.monotonic()
        # One total budget for connect, headers and body, retries included: per_try is
        # already clipped to the cycle's deadline, so no request outlives its cycle.
        with deadlines.budget(per_try) as spent:
            try:
                raw = self._pool.request(
                    method,
                    url,
                    body=body,
                    headers=all_headers,
                    timeout=Timeout(connect=per_try, read=per_try),
                    retries=retry,
                    preload_content=False,
                    redirect=False,
                )
            except (HTTPError, OSError) as exc:
                self.stats.count_request("error")
                if spent.expired:
                    raise timeout_error(per_try) from exc
                raise transport_error(exc, per_try) from exc
            try:
                data = read_capped(raw, spent, self.max_body)
            except (HTTPError, OSError) as exc:
                self.stats.count_request("error")
                error = timeout_error(per_try) if spent.expired else transport_error(exc, per_try)
                raise error from exc
            except CollectorError:
                self.stats.count_request("error")
                raise
            finally:
                raw.release_conn()
        self.stats.count_request(f"{raw.status // 100}xx")
        return Response(
            status=raw.status,
            headers={k.lower(): v for k, v in raw.headers.items()},
            data=data,
            elapsed=time.monotonic() - started,
            url=url,
        )

    def close(self) -> None:
        self._pool.clear()


def _short(url: str) -> str:
    return url.split("?")[0]
