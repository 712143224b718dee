"""The one error type sources raise; the board records it, /metrics counts it."""

from __future__ import annotations


class CollectorError(Exception):
    """A failed collection, with a reason a person can read on a wall.

    ``retryable`` says whether trying again later can help (a timeout can, a
    rejected token cannot); ``config_error`` marks failures that only a config
    change fixes (bad PromQL, unknown organisation), shown as such on screen.
    ``kind`` is a short, bounded label for metrics ("timeout", "http_5xx", ...).
    """

    def __init__(
        self,
        reason: str,
        *,
        retryable: bool = True,
        config_error: bool = False,
        kind: str = "error",
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.config_error = config_error
        self.kind = kind

    def __str__(self) -> str:
        return self.reason
