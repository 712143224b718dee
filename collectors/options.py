"""Typed option building blocks shared by every source kind's config models.

They live here (not in ``wallboard``) so that a source can declare its own
options without importing the app. Validation context may carry ``env`` (a
mapping used instead of ``os.environ``) so tests need not touch the process env.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationInfo

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
# Bounds for any duration anywhere: below 1 ms nothing in the wall can act on it, and
# past a year timers and schedulers overflow (timedelta, threading.Timer).
MIN_SECONDS = 0.001
MAX_SECONDS = 365 * 86400.0


def parse_duration(raw: object) -> float:
    """Return seconds for a duration written like ``"500ms"``, ``"30s"``, ``"5m"``."""
    return _within(_seconds(raw), raw, MIN_SECONDS, MAX_SECONDS)


def _seconds(raw: object) -> float:
    if isinstance(raw, bool) or not isinstance(raw, str):
        raise ValueError('expected a duration string such as "30s", "5m" or "500ms"')
    match = _DURATION.match(raw)
    if not match:
        raise ValueError(f'expected a duration such as "30s", "5m" or "500ms", got "{raw}"')
    seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds <= 0:
        raise ValueError(f'duration must be greater than zero, got "{raw}"')
    return seconds


def _within(seconds: float, raw: object, low: float, high: float) -> float:
    if not math.isfinite(seconds) or not low <= seconds <= high:
        raise ValueError(
            f'must be between {format_seconds(low)} and {format_seconds(high)}, got "{raw}"'
        )
    return seconds


def format_seconds(seconds: float) -> str:
    """A bound in words a person would write in the config: "1 s", "5 min", "30 d"."""
    for unit, scale in (("d", 86400.0), ("h", 3600.0), ("min", 60.0), ("s", 1.0)):
        if seconds >= scale and (seconds / scale).is_integer():
            return f"{seconds / scale:g} {unit}"
    return f"{seconds * 1000:g} ms"


Duration = Annotated[float, BeforeValidator(parse_duration)]
"""Any duration: 1 ms to 365 d. Most keys add :func:`between` for a tighter range."""


def between(low: float, high: float) -> BeforeValidator:
    """Limit a :data:`Duration` to ``[low, high]`` seconds (``Annotated[Duration, between(...)]``).

    A before-validator, so it sees the text as written and runs ahead of the global
    bounds: the error names this key's range ("must be between 1 s and 5 min, got
    "99999d""). A malformed value passes through to :func:`parse_duration`'s error.
    """

    def check(raw: object) -> object:
        try:
            seconds = _seconds(raw)
        except ValueError:
            return raw
        _within(seconds, raw, low, high)
        return raw

    return BeforeValidator(check)


def _env(info: ValidationInfo) -> Mapping[str, str]:
    context = info.context if isinstance(info.context, dict) else {}
    env = context.get("env")
    return env if env is not None else os.environ


def _check_env_name(name: str, info: ValidationInfo) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(f'"{name}" is not an environment variable name')
    if not _env(info).get(name):
        raise ValueError(f"environment variable {name} is not set (or is empty)")
    return name


EnvName = Annotated[str, AfterValidator(_check_env_name)]
"""The *name* of an environment variable that must be set; the value is read at use."""


def read_env(name: str | None, env: Mapping[str, str] | None = None) -> str | None:
    """The secret behind an ``*_env`` option (None when no name was configured)."""
    if name is None:
        return None
    return (env if env is not None else os.environ).get(name)


class Options(BaseModel):
    """Base for option models: immutable, and unknown keys are errors."""

    # allow_inf_nan=False: a threshold of nan or inf would make a panel that never turns red.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class NoOptions(Options):
    """For kinds that take no options at a given level."""


def model_keys(model: type[BaseModel]) -> set[str]:
    return set(model.model_fields)


def as_mapping(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}
