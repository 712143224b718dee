"""One vendor's HTTP API as the on-call sources use it: JSON GETs that honour rate limits.

Each vendor says "wait" its own way (PagerDuty ``ratelimit-reset``, Opsgenie
``X-RateLimit-*``, incident.io a ``retry_after`` in the 429 body); ``wait_of`` reads it,
and until then every call fails at once without a request, as ``Retry-After`` is
honoured everywhere else. A refused key is not retried for a while: it needs a person.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

from collectors.base import SourceContext
from collectors.errors import CollectorError
from collectors.http.auth_hold import AuthHold, hhmm
from collectors.http.client import HttpClient, Response, http_error
from collectors.options import read_secret

# A 429 that says nothing of when to come back: wait this long (an assumption).
FALLBACK_WAIT = 60.0
WaitOf = Callable[[Response], float | None]  # seconds to wait, from a vendor's answer


def retry_after(response: Response) -> float | None:
    """The standard ``Retry-After`` (seconds or an HTTP date), as seconds from now."""
    raw = response.headers.get("retry-after", "")
    if not raw:
        return None
    seconds = number(raw)
    if seconds is not None:
        return seconds
    try:
        return parsedate_to_datetime(raw).timestamp() - time.time()
    except (TypeError, ValueError):
        return None


def number(raw: object) -> float | None:
    try:
        return float(str(raw)) if raw not in (None, "") else None
    except ValueError:
        return None


class VendorApi:
    """GETs against one vendor with one key, one pooled client and one rate ledger."""

    def __init__(
        self,
        client: HttpClient,
        base_url: str,
        *,
        key_hint: str,
        wait_of: WaitOf = retry_after,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.base = base_url.rstrip("/")
        self._wait_of = wait_of
        self.clock = clock
        self._lock = threading.Lock()
        self._blocked_until = 0.0
        self._auth = AuthHold(key_hint, clock)

    def _check(self) -> None:
        self._auth.check()
        now = self.clock()
        with self._lock:
            until = self._blocked_until
        if now < until:
            raise CollectorError(f"rate limited until {hhmm(until)}", kind="rate_limited")

    def response(
        self,
        path: str,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        *,
        deadline: float,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """One GET (any status returned, except a 429 and refused keys, which raise)."""
        self._check()
        url = path if path.startswith(self.base) else f"{self.base}{path}"
        response = self.client.request(
            "GET", url, params=params, headers=headers, deadline=deadline, retry_timeouts=False
        )
        now = self.clock()
        if response.status == 429:
            wait = self._wait_of(response)
            until = now + (wait if wait is not None and wait >= 0 else FALLBACK_WAIT)
            with self._lock:
                self._blocked_until = until
            raise CollectorError(f"rate limited until {hhmm(until)}", kind="rate_limited")
        if response.status == 401:
            raise self._auth.refuse(response)
        return response

    def get(
        self,
        path: str,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        *,
        deadline: float,
        not_found: str = "",
    ) -> Any:
        """One GET whose 2xx JSON body is returned; anything else is a CollectorError."""
        response = self.response(path, params, deadline=deadline)
        if response.status == 403:
            raise self._auth.refuse(response)
        if not 200 <= response.status < 300:
            raise http_error(response, not_found)
        return response.json()

    def blocked_until(self) -> float | None:
        with self._lock:
            until = self._blocked_until
        return until if until > self.clock() else None

    def block(self, until: float) -> None:
        """Honour a wait remembered across a restart."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, until)

    def close(self) -> None:
        self.client.close()


class TlsOptions(Protocol):
    ca_bundle: str | None
    verify: bool


def vendor_api(
    context: SourceContext,
    options: TlsOptions,
    url: str,
    secret: str,
    headers_of: Callable[[str], dict[str, str]],
    wait_of: WaitOf = retry_after,
) -> VendorApi:
    """One vendor's API from its source's config: the key behind ``<secret>_env`` or
    ``<secret>_file``, the headers made from it, TLS settings, and the vendor's wait rule;
    a refused key names the config key that holds it."""
    key = read_secret(options, secret, context.env) or ""
    client = HttpClient(
        timeout=context.timeout,
        headers=headers_of(key),
        ca_bundle=options.ca_bundle,
        verify=options.verify,
    )
    which = f"{secret}_env" if getattr(options, f"{secret}_env", None) else f"{secret}_file"
    return VendorApi(client, url, key_hint=f"sources.{context.id}.{which}", wait_of=wait_of)
