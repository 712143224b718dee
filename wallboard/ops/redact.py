"""The secret values a config points at, and their removal from text bound for outside.

Secrets live in environment variables named by ``*_env`` keys, or in files named
by ``*_file`` keys, anywhere in the config (a source's token, a health check's
headers, the API tokens, the Slack signing secret). Logs, Sentry events and every
upstream string bound for a screen, the API, Slack or ``/readyz`` pass through
:func:`redact`, so none of those values leaves the process, whatever message or
traceback carried it.

Configured values are not enough: an upstream or proxy that echoes the request
in its error text quotes ``Authorization``, cookies or a token it was given some
other way. Credential-shaped material (those headers, ``Bearer``/``Basic``
credentials, ``token=...``-style pairs) is masked too.
"""

from __future__ import annotations

import re
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


# "Authorization: Bearer x", "Cookie: a=b; c=d", "Set-Cookie: ...": the whole value.
_HEADER = re.compile(
    r"(?im)\b((?:proxy-)?authorization|(?:set-)?cookie|x-api-key|x-auth-token|api-key)"
    r"(\s*[:=]\s*)[^\r\n]*"
)
# A credential scheme followed by its token, wherever it appears.
_SCHEME = re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{8,}")
# key=value / "key": "value" pairs whose key names a secret (query strings, JSON echoes).
_PAIR = re.compile(
    r"(?i)\b([a-z0-9_.-]*(?:token|secret|password|passwd|api[_-]?key|session[_-]?id|signature))"
    r"(\s*=\s*|\"?\s*:\s*\"?)([^\s&\"',;]{3,})"
)


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` without the configured secret values and without credential-shaped material."""
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    text = _HEADER.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    text = _SCHEME.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    return _PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
