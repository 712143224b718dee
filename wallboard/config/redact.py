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

:class:`Redactor` is the running wall's: every upstream string on its way into the board
passes it, so it keeps the values it masks rather than read them for every string.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping

from collectors.options import secret_in_file
from wallboard.config.loader import WallConfig
from wallboard.config.secrets import secret_refs

MASK = "[redacted]"
# Shorter values would mask ordinary words; nobody configures a 3-character secret.
MIN_SECRET_LENGTH = 4
ALWAYS = ("SENTRY_DSN",)
# Secret files may be rotated without a reload (*_file keys are read at use): the values a
# Redactor masks are re-read this often, not for every upstream string.
SECRETS_REREAD_SECONDS = 10.0


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


class Redactor:
    """:func:`redact` with the secrets of the running config, re-read once per config (a
    reload swaps the object) and every ``SECRETS_REREAD_SECONDS``."""

    def __init__(self, config: Callable[[], WallConfig], env: Mapping[str, str]) -> None:
        self._config = config
        self._env = env
        self._cached: tuple[tuple[int, int], list[str]] = ((0, -1), [])

    def __call__(self, text: str) -> str:
        """``text`` as it may be shown to people: no secret of the running config in it."""
        config = self._config()
        key = (id(config), int(time.monotonic() // SECRETS_REREAD_SECONDS))
        cached, values = self._cached
        if cached != key:
            values = secret_values(config, self._env)
            self._cached = (key, values)
        return redact(text, values)
