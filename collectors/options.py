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
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationInfo

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$")
# Prometheus' form: integer parts, largest unit first, each unit at most once ("1h30m").
_COMPOUND = re.compile(
    r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$"
)
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_COMPOUND_UNITS = ("w", "d", "h", "m", "s", "ms")
_EXAMPLES = '"30s", "5m", "1m30s" or "500ms"'
# Bounds for any duration anywhere: below 1 ms nothing in the wall can act on it, and
# past a year timers and schedulers overflow (timedelta, threading.Timer).
MIN_SECONDS = 0.001
MAX_SECONDS = 365 * 86400.0


def parse_duration(raw: object) -> float:
    """Seconds for ``"500ms"``, ``"30s"``, ``"1.5m"`` or Prometheus' compound ``"1h30m"``."""
    return _within(_seconds(raw), raw, MIN_SECONDS, MAX_SECONDS)


def _seconds(raw: object) -> float:
    if isinstance(raw, bool) or not isinstance(raw, str):
        raise ValueError(f"expected a duration string such as {_EXAMPLES}")
    match = _DURATION.match(raw)
    compound = None if match else _COMPOUND.match(raw.strip())
    if match:
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    elif compound and raw.strip():
        seconds = sum(
            int(part) * _UNIT_SECONDS[unit]
            for part, unit in zip(compound.groups(), _COMPOUND_UNITS, strict=True)
            if part is not None
        )
    else:
        raise ValueError(f'expected a duration such as {_EXAMPLES}, got "{raw}"')
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


MAX_LINK = 2048  # longer upstream links are dropped, not shortened into another page


def http_link(raw: object) -> str | None:
    """An upstream's link when it is an http(s) URL with a host and at most 2 KiB, else
    None: a hostile ``javascript:`` from an alert or an issue never becomes a link."""
    if not isinstance(raw, str) or len(raw) > MAX_LINK:
        return None
    try:
        return check_http_url(raw)
    except ValueError:
        return None


HttpUrl = Annotated[str, AfterValidator(lambda url: check_http_url(url).rstrip("/"))]
"""An http(s) base URL, without a trailing slash (paths are appended to it)."""


def _env(info: ValidationInfo) -> Mapping[str, str]:
    context = info.context if isinstance(info.context, dict) else {}
    env = context.get("env")
    return env if env is not None else os.environ


def offline(info: ValidationInfo) -> bool:
    """True for ``check-config --offline``: the secrets themselves need not be present."""
    context = info.context if isinstance(info.context, dict) else {}
    return bool(context.get("offline"))


def _check_env_name(name: str, info: ValidationInfo) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(f'"{name}" is not an environment variable name')
    if not offline(info) and not _env(info).get(name):
        raise ValueError(f"environment variable {name} is not set (or is empty)")
    return name


EnvName = Annotated[str, AfterValidator(_check_env_name)]
"""The *name* of an environment variable that must be set; the value is read at use."""


def file_problem(path: str) -> str | None:
    """Why a secret file cannot be used (None when it holds a value)."""
    try:
        value = read_secret_file(path)
    except OSError as exc:
        return f'cannot read secret file "{path}": {exc.strerror}'
    if not value:
        return f'secret file "{path}" is empty'
    return None


def _check_file_path(path: str, info: ValidationInfo) -> str:
    if not path.strip():
        raise ValueError("expected the path of a file holding the secret")
    problem = None if offline(info) else file_problem(path)
    if problem:
        raise ValueError(problem)
    return path


def _check_secret_file(path: str, info: ValidationInfo) -> str:
    # `token_file` is declared after its twin `token_env`, so the twin is in info.data.
    twin = f"{(info.field_name or '').removesuffix('_file')}_env"
    if info.data.get(twin):
        raise ValueError(f"set {twin} or {info.field_name}, not both")
    return _check_file_path(path, info)


SecretPath = Annotated[str, AfterValidator(_check_file_path)]
"""The path of a file holding a secret (a mounted Docker or Kubernetes secret)."""

SecretFile = Annotated[str, AfterValidator(_check_secret_file)]
"""A ``*_file`` key: like SecretPath, and an error when its ``*_env`` twin is set too."""


def read_env(name: str | None, env: Mapping[str, str] | None = None) -> str | None:
    """The secret behind an ``*_env`` option (None when no name was configured)."""
    if name is None:
        return None
    return (env if env is not None else os.environ).get(name)


def read_secret_file(path: str) -> str:
    """A secret file's text without the trailing newline editors and ``echo`` add."""
    with open(path, encoding="utf-8") as handle:
        return handle.read().removesuffix("\n").removesuffix("\r")


def read_secret(options: object, stem: str, env: Mapping[str, str] | None = None) -> str | None:
    """The secret behind ``<stem>_env`` or ``<stem>_file`` (None when neither is set).

    Read at use, so a rotated file is picked up by the next reload; an unreadable
    file reads as unset (the source then reports its upstream's refusal).
    """
    name = getattr(options, f"{stem}_env", None)
    if name:
        return read_env(name, env)
    path = getattr(options, f"{stem}_file", None)
    return secret_in_file(path) if path else None


def secret_in_file(path: str) -> str | None:
    """A secret file's value, or None when it cannot be read (reported where it is used)."""
    try:
        return read_secret_file(path)
    except OSError:
        return None


def require_secret(options: object, stem: str) -> None:
    """For a secret a source cannot work without: one of its two keys must be set."""
    if not getattr(options, f"{stem}_env", None) and not getattr(options, f"{stem}_file", None):
        raise ValueError(f"{stem}_env or {stem}_file is required")


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
