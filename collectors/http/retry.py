"""urllib3's Retry, held to the cycle: no long Retry-After sleeps, no attempt past the budget."""

from __future__ import annotations

from typing import Any

from urllib3.exceptions import (
    ConnectTimeoutError,
    MaxRetryError,
    NewConnectionError,
    ReadTimeoutError,
)
from urllib3.util import Retry

from collectors.http import deadline as deadlines


class CappedRetry(Retry):
    """urllib3's Retry, but a ``Retry-After`` longer than the cycle allows is not slept.

    An upstream asking for an hour's pause must not hold a collection thread for
    an hour: past ``retry_after_cap`` the retry gives up and the cycle reports it.
    """

    retry_after_cap: float = 5.0
    # False: a timeout fails at once (a hanging endpoint costs one timeout, not two),
    # while refused/reset connections and retry statuses are still retried.
    retry_timeouts: bool = True

    def _is_connection_error(self, err: Exception) -> bool:
        if not self.retry_timeouts and _is_timeout(err):
            return False
        return super()._is_connection_error(err)

    def _is_read_error(self, err: Exception) -> bool:
        if not self.retry_timeouts and _is_timeout(err):
            return False
        return super()._is_read_error(err)

    def get_retry_after(self, response: Any) -> float | None:
        wait = super().get_retry_after(response)
        if wait is not None and wait > self.retry_after_cap:
            raise MaxRetryError(None, "", reason=None)  # type: ignore[arg-type]
        return wait

    def increment(self, *args: Any, **kw: Any) -> CappedRetry:
        # No new attempt once the request's total budget is spent (or nearly so).
        active = deadlines.current()
        if active is not None and active.left() < 0.05:
            spent = ReadTimeoutError(None, "", "request budget spent")  # type: ignore[arg-type]
            raise MaxRetryError(None, "", reason=spent)  # type: ignore[arg-type]
        # Refusing here rather than in sleep() makes urllib3 hand back the response
        # itself, so the caller still sees the 429 and its Retry-After (Sentry's edge).
        response = kw.get("response") or (args[2] if len(args) > 2 else None)
        if response is not None:
            wait = Retry.get_retry_after(self, response)
            if wait is not None and wait > self.retry_after_cap:
                raise MaxRetryError(None, "", reason=None)  # type: ignore[arg-type]
        return super().increment(*args, **kw)

    def new(self, **kw: Any) -> CappedRetry:
        new = super().new(**kw)
        new.retry_after_cap = self.retry_after_cap
        new.retry_timeouts = self.retry_timeouts
        return new


def _is_timeout(err: Exception) -> bool:
    # NewConnectionError subclasses ConnectTimeoutError but means "refused"/"unreachable".
    return isinstance(err, (ConnectTimeoutError, ReadTimeoutError)) and not isinstance(
        err, NewConnectionError
    )
