"""A state file belongs to one wall: one running server, one config.

Two servers writing one SQLite file would overwrite each other's board every second,
and a wall started on another wall's file would show that wall's values and deploys.
So the file is held with an OS lock (``flock`` on ``<file>.lock``, released by the
kernel however the process ends, ``kill -9`` included), and the file records the
config it belongs to (the config file's path, in the ``meta`` table; its name is
what tells two walls apart).
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from wallboard.config.model import ConfigError, ConfigIssue

IDENTITY_KEY = "config"


class Held:
    """The lock on one state file, held until :meth:`release` or the process ends."""

    def __init__(self, path: Path, config_file: str) -> None:
        self.path = Path(f"{path}.lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd: int | None = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _holder(self._fd)
            os.close(self._fd)
            self._fd = None
            raise refused(
                config_file,
                f"state file {path} is in use by another wallboard server{holder}; "
                "one SQLite file serves one process. To run replicas of one wall, use "
                '[state] backend = "redis" (docs/replicas.md); for another wall, give it '
                "its own [state] path",
            ) from None
        os.ftruncate(self._fd, 0)
        os.write(self._fd, f"{os.getpid()}\n".encode())

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _holder(fd: int) -> str:
    try:
        pid = os.pread(fd, 32, 0).decode().strip()
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (process {pid})" if pid.isdigit() else ""


def refused(config_file: str, message: str) -> ConfigError:
    return ConfigError(config_file, [ConfigIssue("state.path", message)])


def check_identity(saved: str | None, ours: str, path: Path, config_file: str) -> None:
    """Refuse another wall's file: it would show that wall's values and deploys here.

    Walls are told apart by their config file's name: a checkout or a container that
    moves the same ``config.toml`` is the same wall, a ``wall.toml`` is another."""
    if saved and Path(saved).name != Path(ours).name:
        raise refused(
            config_file,
            f"state file {path} belongs to the wall of {saved}, not to {ours}; give this "
            "wall its own [state] path (the default is .wallboard/<config name>.db), or "
            "delete the file to start this wall from an empty board",
        )
