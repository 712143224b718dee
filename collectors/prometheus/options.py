"""The ``[sources.<id>]`` keys of a Prometheus-compatible source, flavour by flavour.

``flavor`` picks the backend's adapter (``collectors/prometheus/flavors.py``); the
keys that only make sense for one flavour are refused on the others, so a typo in a
flavour's name or a key meant for another backend is a config error with its key path.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from collectors.http.client import HttpOptions
from collectors.labels import TeamLabelOptions
from collectors.options import EnvName, HttpUrl, SecretPath

Flavor = Literal["prometheus", "thanos", "mimir", "victoriametrics", "grafana_cloud", "amp", "gmp"]

# RFC 9110 token characters: anything else in a header name breaks the request line.
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
# Set by the source itself; a config value would be silently overwritten or break signing.
_RESERVED = {"host", "content-type", "content-length", "transfer-encoding", "connection"}
_AMP_HOST = re.compile(r"^aps-workspaces\.([a-z0-9-]+)\.amazonaws\.com$")


def _header_names(headers: dict[str, str]) -> dict[str, str]:
    for name in headers:
        if not _HEADER_NAME.match(name):
            raise ValueError(f'"{name}" is not a valid HTTP header name')
        if name.lower() in _RESERVED:
            raise ValueError(f'"{name}" is set by wallboard itself and cannot be configured')
    return headers


def _header_values(headers: dict[str, str]) -> dict[str, str]:
    _header_names(headers)
    for name, value in headers.items():
        if any(c in value for c in "\r\n\0"):
            raise ValueError(f'the value of header "{name}" holds a line break')
    return headers


Headers = Annotated[dict[str, str], AfterValidator(_header_values)]
HeaderNames = Annotated[dict[str, str], AfterValidator(_header_names)]


AUTH_KEYS = (
    "bearer_token_env",
    "bearer_token_file",
    "basic_user_env",
    "basic_user_file",
    "basic_password_env",
    "basic_password_file",
)


def amp_region(url: str) -> str | None:
    """The AWS region in an AMP workspace URL (``aps-workspaces.<region>.amazonaws.com``)."""
    host = url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    match = _AMP_HOST.match(host)
    return match.group(1) if match else None


class PrometheusOptions(HttpOptions, TeamLabelOptions):
    """Every key of a ``type = "prometheus"`` source; see docs/sources/prometheus.md."""

    url: HttpUrl
    flavor: Flavor = "prometheus"
    # Extra request headers (X-Scope-OrgID, an auth proxy's header). Plain values here;
    # secret ones by the name of an environment variable or the path of a file.
    headers: Headers = Field(default_factory=dict)
    headers_env: Annotated[dict[str, EnvName], AfterValidator(_header_names)] = Field(
        default_factory=dict
    )
    headers_file: Annotated[dict[str, SecretPath], AfterValidator(_header_names)] = Field(
        default_factory=dict
    )
    # amp: the workspace's region (read from the URL when it is an AMP endpoint).
    region: Annotated[str, Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")] | None = None
    # amp: ask AMP to warn in the answer when one query processes more samples than this.
    max_samples_processed_warning_threshold: int | None = Field(default=None, ge=1)
    # gmp: a service-account key file; without it, the standard Google credentials
    # (GOOGLE_APPLICATION_CREDENTIALS, workload identity, the metadata server).
    credentials_file: SecretPath | None = None

    @model_validator(mode="after")
    def _flavor_keys(self) -> PrometheusOptions:
        named = {**self.headers, **self.headers_env, **self.headers_file}
        if len(named) != len(self.headers) + len(self.headers_env) + len(self.headers_file):
            raise ValueError("a header is given twice (headers, headers_env, headers_file)")
        only = {
            "region": "amp",
            "max_samples_processed_warning_threshold": "amp",
            "credentials_file": "gmp",
        }
        for key, flavor in only.items():
            if getattr(self, key) is not None and self.flavor != flavor:
                raise ValueError(f'{key}: only for flavor = "{flavor}"')
        auth = [key for key in AUTH_KEYS if getattr(self, key)]
        if self.flavor in ("amp", "gmp") and (auth or "authorization" in map(str.lower, named)):
            what = "a SigV4 signature" if self.flavor == "amp" else "a Google OAuth token"
            given = ", ".join(auth) or "an Authorization header"
            raise ValueError(f'{given}: flavor = "{self.flavor}" signs with {what} instead')
        if self.flavor == "amp" and self.region is None and amp_region(self.url) is None:
            raise ValueError(
                'flavor = "amp": region is required when the URL is not '
                "https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>"
            )
        if self.flavor == "grafana_cloud":
            has_user = self.basic_user_env or self.basic_user_file
            has_password = self.basic_password_env or self.basic_password_file
            if not (has_user and has_password):
                raise ValueError(
                    'flavor = "grafana_cloud": basic_user_env (the instance ID) and '
                    "basic_password_env (an access policy token) are required "
                    "(or their *_file twins)"
                )
        return self
