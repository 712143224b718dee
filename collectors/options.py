"""Typed option building blocks shared by every source kind's config models.

They live here (not in ``wallboard``) so that a source can declare its own
options without importing the app. Validation context may carry ``env`` (a
mapping used instead of ``os.environ``) so tests need not touch the process env.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationInfo

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(raw: object) -> float:
    """Return seconds for a duration written like ``"500ms"``, ``"30s"``, ``"5m"``."""
    if isinstance(raw, bool) or not isinstance(raw, str):
        raise ValueError('expected a duration string such as "30s", "5m" or "500ms"')
    match = _DURATION.match(raw)
    if not match:
        raise ValueError(f'expected a duration such as "30s", "5m" or "500ms", got "{raw}"')
    seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds <= 0:
        raise ValueError(f'duration must be greater than zero, got "{raw}"')
    return seconds


Duration = Annotated[float, BeforeValidator(parse_duration)]


def check_http_url(url: str) -> str:
    """``url`` itself if it is an http:// or https:// URL with a host, else a ValueError why.

    The one URL check of every source (Prometheus, Alertmanager, Sentry, health).
    """
    try:
        parts = urlsplit(url)
        _port = parts.port  # raises on a port that is not a number or out of range
    except ValueError as exc:
        raise ValueError(f"not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError(f'expected an http:// or https:// URL, got "{url}"')
    if not parts.hostname:
        raise ValueError(f'expected an http:// or https:// URL with a host, got "{url}"')
    return url


HttpUrl = Annotated[str, AfterValidator(lambda url: check_http_url(url).rstrip("/"))]
"""An http(s) base URL, without a trailing slash (paths are appended to it)."""


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

    model_config = ConfigDict(extra="forbid", frozen=True)


class NoOptions(Options):
    """For kinds that take no options at a given level."""


def model_keys(model: type[BaseModel]) -> set[str]:
    return set(model.model_fields)


def as_mapping(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}
