"""Sentry's Web API as the sentry source uses it: paginated GETs that respect rate limits.

Facts this encodes (docs/api-facts.md section 2): pages are followed while the
``rel="next"`` link says ``results="true"``; ``X-Sentry-Rate-Limit-Remaining`` and
``-Reset`` (UTC epoch seconds) come with every answer on sentry.io, per caller and
endpoint; a 429 has a bare JSON string as its body and, from the API middleware,
no ``Retry-After``, so the reset header says when to try again; self-hosted Sentry
sends no rate-limit headers at all.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

from collectors.errors import CollectorError
from collectors.http.auth_hold import AuthHold, hhmm
from collectors.http.client import HttpClient, Response, http_error

PAGE_LIMIT = 100  # the organisation issues endpoint's maximum
_LINK = re.compile(r"<([^>]*)>((?:\s*;\s*[\w-]+\s*=\s*\"[^\"]*\")*)")
_ATTR = re.compile(r"([\w-]+)\s*=\s*\"([^\"]*)\"")
# A 429 with neither Retry-After nor a reset header: wait this long (an assumption).
FALLBACK_WAIT = 60.0


def next_cursor(link_header: str) -> str | None:
    """The cursor of the ``rel="next"`` link when it has ``results="true"``, else None."""
    for match in _LINK.finditer(link_header or ""):
        attrs = dict(_ATTR.findall(match.group(2)))
        if attrs.get("rel") == "next":
            return attrs.get("cursor") if attrs.get("results") == "true" else None
    return None


@dataclass
class Pages:
    """Every item of a paginated listing, up to the page cap."""

    items: list[Any]
    requests: int
    truncated: bool  # the cap stopped us while Sentry still had results
    hits: int | None  # X-Hits: Sentry's (approximate) total


class SentryApi:
    """GETs against one organisation with one token, one pooled client, one rate ledger.

    Each endpoint (``name``) has its own window, as on sentry.io; while a window
    is spent or a 429 asked us to wait, calls fail at once without a request.
    """

    def __init__(
        self,
        client: HttpClient,
        base_url: str,
        *,
        token_hint: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._client = client
        self._base = base_url.rstrip("/")
        self._clock = clock
        self._lock = threading.Lock()
        self._blocked: dict[str, float] = {}  # endpoint name -> epoch seconds
        self._auth = AuthHold(token_hint, clock)
        self.requests = 0

    # -- the ledger ---------------------------------------------------------------------
    def _check(self, name: str) -> None:
        self._auth.check()
        now = self._clock()
        with self._lock:
            until = self._blocked.get(name, 0.0)
        if now < until:
            raise CollectorError(f"rate limited until {hhmm(until)}", kind="rate_limited")

    def _note(self, name: str, response: Response) -> None:
        headers = response.headers
        remaining = _number(headers.get("x-sentry-rate-limit-remaining"))
        reset = _number(headers.get("x-sentry-rate-limit-reset"))
        with self._lock:
            if response.status == 429:
                self._blocked[name] = _retry_at(headers, reset, self._clock())
            elif remaining is not None and remaining <= 0 and reset is not None:
                # The window is spent: the next call would be a 429, so do not make it.
                self._blocked[name] = reset
            else:
                self._blocked.pop(name, None)

    def blocked_until(self, name: str) -> float | None:
        with self._lock:
            until = self._blocked.get(name)
        return until if until is not None and until > self._clock() else None

    def export_blocks(self) -> dict[str, float]:
        """Endpoints rate-limited until when (unix seconds), to honour across a restart."""
        now = self._clock()
        with self._lock:
            return {name: until for name, until in self._blocked.items() if until > now}

    def import_blocks(self, blocks: dict[str, float]) -> None:
        with self._lock:
            self._blocked.update(blocks)

    # -- requests -----------------------------------------------------------------------
    def get(
        self,
        name: str,
        path: str,
        params: list[tuple[str, Any]],
        *,
        deadline: float,
        not_found: str,
    ) -> Response:
        """One GET; any non-2xx becomes a CollectorError with a reason for the wall."""
        self._check(name)
        # A listing that timed out once will likely time out again: fail this cycle at
        # once (the next cycle retries) rather than overrun the cycle's deadline.
        response = self._client.request(
            "GET", f"{self._base}{path}", params=params, deadline=deadline, retry_timeouts=False
        )
        self.requests += 1
        self._note(name, response)
        if 200 <= response.status < 300:
            return response
        raise self._error(name, response, not_found)

    def pages(
        self,
        name: str,
        path: str,
        params: list[tuple[str, Any]],
        *,
        deadline: float,
        max_pages: int,
        not_found: str,
    ) -> Pages:
        """Follow ``rel="next"`` while it has results, for at most ``max_pages`` pages.

        The next page is asked of our own base URL with the link's opaque cursor,
        never of the URL in the link: the token goes only where the config says.
        """
        items: list[Any] = []
        cursor: str | None = None
        hits: int | None = None
        for count in range(1, max_pages + 1):
            extra = [("cursor", cursor)] if cursor else []
            response = self.get(name, path, params + extra, deadline=deadline, not_found=not_found)
            body = response.json()
            if not isinstance(body, list):
                raise CollectorError(
                    f"unexpected answer from {path} (not a list)", kind="bad_response"
                )
            items.extend(body)
            hits = hits if hits is not None else _int(response.headers.get("x-hits"))
            cursor = next_cursor(response.headers.get("link", ""))
            if cursor is None:
                return Pages(items, count, False, hits)
        return Pages(items, max_pages, True, hits)

    def _error(self, name: str, response: Response, not_found: str) -> CollectorError:
        detail = _detail(response)
        if response.status == 429:
            until = self.blocked_until(name) or self._clock()
            return CollectorError(f"rate limited until {hhmm(until)}", kind="rate_limited")
        error = http_error(response, not_found)
        if response.status in (401, 403):
            return self._auth.refuse(response, detail or "no detail")
        if detail and response.status != 404:
            error = CollectorError(
                f"{error.reason}: {detail}",
                retryable=error.retryable,
                config_error=error.config_error,
                kind=error.kind,
            )
        return error

    def close(self) -> None:
        self._client.close()


def _detail(response: Response) -> str:
    """Sentry's ``{"detail": ...}`` (or bare string) error text, shortened for a badge."""
    try:
        body = response.json()
    except CollectorError:
        return ""
    text = body.get("detail") if isinstance(body, dict) else body
    return str(text)[:160] if isinstance(text, (str, int, float)) else ""


def _retry_at(headers: Any, reset: float | None, now: float) -> float:
    retry_after = headers.get("retry-after")
    if retry_after:
        seconds = _number(retry_after)
        if seconds is not None:
            return now + seconds
        try:
            return parsedate_to_datetime(retry_after).timestamp()
        except (TypeError, ValueError):
            pass
    if reset is not None and reset > now:
        return reset
    return now + FALLBACK_WAIT


def _number(raw: str | None) -> float | None:
    try:
        return float(raw) if raw not in (None, "") else None
    except ValueError:
        return None


def _int(raw: str | None) -> int | None:
    value = _number(raw)
    return int(value) if value is not None else None
