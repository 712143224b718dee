"""The hash a replica publishes for config agreement: of its config file, kept per reload.

Replicas of one wall deploy the same file, byte for byte, so the file's bytes are
hashed (at start, and after each successful reload). A reload that fails while it
is being applied swaps the old config back in when the file on disk is already the
new one: the old config's hash is remembered rather than read again.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

from wallboard.config.loader import WallConfig

log = logging.getLogger(__name__)


def file_hash(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


class ConfigHash:
    def __init__(self, current: Callable[[], WallConfig]) -> None:
        self.current = current  # the running config (a reload swaps it)
        config = current()
        self._now: tuple[object, str] = (config, file_hash(config.path))
        self._before: tuple[object, str] = self._now

    @property
    def value(self) -> str:
        return self._now[1]

    def refresh(self) -> str:
        """The hash for the running config (call after a reload swapped it in)."""
        config = self.current()
        if config is self._now[0]:
            return self.value
        digest = self.value
        if config is self._before[0]:
            digest = self._before[1]  # a failed reload put the previous config back
        else:
            try:
                digest = file_hash(config.path)
            except OSError as exc:  # gone since the reload read it: keep the hash as it was
                log.warning("replica: cannot hash the reloaded config file: %s", exc)
        self._before, self._now = self._now, (config, digest)
        return digest
