"""The ``health`` source's config: source options and each team's list of checks.

A team's checks are validated by the config loader with the team's key path,
so a mistake reads ``teams.payments.health[2].url: ...``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationInfo, field_validator, model_validator

from collectors.options import (
    Duration,
    EnvName,
    Options,
    SecretPath,
    between,
    check_http_url,
    read_env,
    secret_in_file,
)

# A check's timeout: from 100 ms (a loopback answer) to 10 min (the source timeout's ceiling).
CheckTimeout = Annotated[Duration, between(0.1, 600.0)]

_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


class HealthOptions(Options):
    """``[sources.<id>]`` keys of a ``type = "health"`` source."""

    # Probes in flight at once. A hanging check holds a slot for its whole timeout, so this
    # must exceed the checks that may hang together; 64 keeps a 500-check cycle near one
    # timeout with 10 % hanging (bench B4).
    concurrency: int = Field(default=64, ge=1, le=256)
    check_timeout: CheckTimeout = 2.0  # a check's timeout unless it sets its own
    latency_window: int = Field(default=10, ge=1, le=1000)  # answers kept per check for p50
    # Largest health answer read; a health document is small, so 1 MiB is generous.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024, le=1 << 30)


class HealthCheck(Options):
    """One entry of ``teams.<id>.health``."""

    name: str = Field(min_length=1, max_length=60)
    url: str
    method: Literal["GET", "HEAD", "POST"] = "GET"
    headers: dict[str, str] = Field(default_factory=dict)
    headers_env: dict[str, EnvName] = Field(default_factory=dict)  # header -> env var (secrets)
    headers_file: dict[str, SecretPath] = Field(default_factory=dict)  # header -> secret file
    timeout: CheckTimeout | None = None
    expect: tuple[int, ...] | None = None  # status codes meaning "alive"; default 200-399
    verify: bool = True
    ca_bundle: str | None = None
    fail_after: int = Field(default=2, ge=1, le=100)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(check_http_url(value))
        if parts.username is not None or parts.password is not None:
            raise ValueError("credentials do not belong in the URL; send them with headers_env")
        return value

    @field_validator("expect", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("expect")
    @classmethod
    def _status_codes(cls, value: tuple[int, ...] | None) -> tuple[int, ...] | None:
        if value is not None:
            if not value:
                raise ValueError("list at least one status code, or leave expect out")
            bad = [code for code in value if not 100 <= code <= 599]
            if bad:
                raise ValueError(f"HTTP status codes are 100-599, got {bad[0]}")
        return value

    @field_validator("headers", "headers_env", "headers_file")
    @classmethod
    def _header_names(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        context = info.context if isinstance(info.context, dict) else {}
        env = context.get("env") if info.field_name == "headers_env" else None
        for name, text in value.items():
            if not _HEADER_NAME.match(name):
                raise ValueError(f'"{name}" is not a valid header name')
            # For headers_env/_file the value sent is the secret's; never echo a secret.
            if info.field_name == "headers_env":
                sent, where = read_env(text, env) or "", f"the value of {text}"
            elif info.field_name == "headers_file":
                sent, where = secret_in_file(text) or "", f'the file "{text}"'
            else:
                sent, where = text, "the value"
            if any(ch in sent for ch in "\r\n\0"):
                raise ValueError(f'header "{name}": {where} contains a line break')
        return value

    @field_validator("ca_bundle")
    @classmethod
    def _readable_file(cls, value: str | None) -> str | None:
        if value is not None and not Path(value).is_file():
            raise ValueError(f'no such file: "{value}"')
        return value

    @model_validator(mode="after")
    def _consistent(self) -> HealthCheck:
        keys = ("headers", "headers_env", "headers_file")
        for i, first in enumerate(keys):
            for second in keys[i + 1 :]:
                names = {n.lower() for n in getattr(self, first)}
                both = names & {n.lower() for n in getattr(self, second)}
                if both:
                    raise ValueError(
                        f'header "{sorted(both)[0]}" is set in both {first} and {second}'
                    )
        if self.ca_bundle is not None and not self.verify:
            raise ValueError("ca_bundle has no effect with verify = false; remove one of them")
        return self


class HealthTeamOptions(Options):
    """The per-team key ``health``: a list of checks (empty when a team has none)."""

    health: list[HealthCheck] = Field(default_factory=list)

    @field_validator("health")
    @classmethod
    def _unique_names(cls, checks: list[HealthCheck]) -> list[HealthCheck]:
        seen: set[str] = set()
        for check in checks:
            if check.name.lower() in seen:
                raise ValueError(f'check name "{check.name}" is used twice in this team')
            seen.add(check.name.lower())
        return checks
