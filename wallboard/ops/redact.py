"""The secret values a config points at, and their removal from text bound for outside.

Secrets live in environment variables named by ``*_env`` keys, or in files named
by ``*_file`` keys, anywhere in the config (a source's token, a health check's
headers, the API tokens, the Slack signing secret). Logs and Sentry events pass
through :func:`redact` so none of those values leaves the process, whatever
message or traceback carried it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from collectors.options import secret_in_file
from wallboard.config.loader import WallConfig
from wallboard.config.secrets import secret_refs

MASK = "[redacted]"
# Shorter values would mask ordinary words; nobody configures a 3-character secret.
MIN_SECRET_LENGTH = 4
ALWAYS = ("SENTRY_DSN",)


def secret_names(config: WallConfig) -> set[str]:
    """The environment variables holding secrets (with SENTRY_DSN, always)."""
    return set(ALWAYS) | {r.ref for r in secret_refs(config) if r.kind == "env"}


def secret_values(config: WallConfig, env: Mapping[str, str]) -> list[str]:
    """The values to mask, longest first so a secret containing another is masked whole.

    Secret files are read here each time, so a rotated file is masked from then on.
    """
    values = {env.get(n) or "" for n in secret_names(config)}
    values |= {secret_in_file(r.ref) or "" for r in secret_refs(config) if r.kind == "file"}
    return sorted((v for v in values if len(v) >= MIN_SECRET_LENGTH), key=len, reverse=True)


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text
