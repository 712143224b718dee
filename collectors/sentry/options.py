"""The sentry source's config: the source table, its panels' keys, and each team's keys."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from collectors.http.client import TlsOptions
from collectors.options import (
    Duration,
    EnvName,
    Options,
    SecretFile,
    between,
    check_http_url,
    require_secret,
)

SLUG = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"


def _base_url(url: str) -> str:
    check_http_url(url)
    # People paste the API root too; the paths below add /api/0/ themselves.
    return re.sub(r"/api/0/?$", "", url.rstrip("/"))


class SentryOptions(TlsOptions):
    url: Annotated[str, AfterValidator(_base_url)] = "https://sentry.io"
    org: str = Field(pattern=SLUG)
    token_env: EnvName | None = None  # one of token_env and token_file is required
    token_file: SecretFile | None = None
    webhook_secret_env: EnvName | None = None
    webhook_secret_file: SecretFile | None = None
    max_pages: int = Field(default=10, ge=1, le=100)
    period: str = Field(default="14d", pattern=r"^\d+[mhdw]$")  # which issues count at all
    projects_refresh: Annotated[Duration, between(1.0, 7 * 86400.0)] = 600.0
    releases: bool = False  # new releases become deploy ticks (token scope project:releases)
    max_body_bytes: int | None = Field(default=None, ge=1024, le=1 << 30)  # None: 8 MiB

    @model_validator(mode="after")
    def _token(self) -> SentryOptions:
        require_secret(self, "token")
        return self


class SentryPanelOptions(Options):
    metric: Literal["unresolved", "new_1h", "new_24h", "events_1h", "top_issues"] = "unresolved"
    limit: int = Field(default=5, ge=1, le=50)  # rows of a top_issues list


class SentryTeamOptions(Options):
    sentry_projects: list[int | str] | None = Field(default=None, min_length=1)
    sentry_team: str | None = Field(default=None, pattern=SLUG)

    @model_validator(mode="after")
    def _one_way(self) -> SentryTeamOptions:
        if self.sentry_projects and self.sentry_team:
            raise ValueError("set sentry_projects or sentry_team, not both")
        return self
