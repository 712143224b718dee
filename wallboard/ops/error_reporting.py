"""The wall's own errors in Sentry, when ``SENTRY_DSN`` is set; nothing at all otherwise.

Release is the build id (the same one screens reload on), environment comes
from ``wall.environment``. Every event passes a scrubber that masks each
configured secret value wherever it appears (messages, tracebacks, local
variables, breadcrumbs, request data), on top of the SDK's own denylist.
Called from the entry point only: importing the app never talks to Sentry, and
never even imports the SDK: that import is about a quarter of the process's start,
which a restart puts between every TV and its board.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import Any

from wallboard.config.redact import redact, secret_values
from wallboard.wall import Wall

Secrets = Callable[[], Iterable[str]]


def scrub(value: Any, secrets: list[str]) -> Any:
    """A copy of ``value`` with every secret masked in every string, at any depth."""
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {k: scrub(v, secrets) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub(v, secrets) for v in value]
    return value


def scrubber(secrets: Secrets) -> Callable[[Any, Any], Any]:
    def before_send(event: Any, hint: Any) -> Any:
        return scrub(event, list(secrets()))

    return before_send


def init(wall: Wall) -> bool:
    """Start the SDK if ``SENTRY_DSN`` is set in the wall's environment; True if started."""
    dsn = wall.env.get("SENTRY_DSN", "").strip()
    if not dsn:
        return False

    def secrets() -> list[str]:
        return secret_values(wall.config, wall.env)

    # Here, not at the top: only a wall that reports its errors pays for the SDK's import.
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration

    scrub_event = scrubber(secrets)
    sentry_sdk.init(
        dsn=dsn,
        release=wall.build_id,
        environment=wall.config.wall.environment,
        send_default_pii=False,
        include_local_variables=True,  # useful, and the scrubber masks secrets in them
        before_send=scrub_event,
        before_breadcrumb=scrub_event,
        integrations=[FlaskIntegration()],
        traces_sample_rate=None,  # errors only; performance is what /metrics is for
    )
    return True


def flush(timeout: float) -> None:
    """Send what the SDK still holds (a forced exit); nothing when it was never started."""
    sdk = sys.modules.get("sentry_sdk")
    if sdk is not None:
        sdk.flush(timeout=timeout)
