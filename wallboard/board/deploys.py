"""Recent deploys per team: the one structure to persist when the board gets a state store.

Kept apart from panel state on purpose: a store only has to save and load
:meth:`DeployLog.dump` / :meth:`DeployLog.load` (plain JSON-ready dicts). In memory
until then, bounded per team. Thread-safety comes from the board's lock.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Container, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from collectors.base import Marker

KEEP_PER_TEAM = 20


@dataclass(frozen=True)
class Deploy:
    team: str
    version: str
    at: float  # unix seconds
    source: str  # "hook", the id of a sentry source, or "demo"
    url: str | None = None
    environment: str | None = None

    @property
    def short(self) -> str:
        """The version as a tick can hold it: "v1.4.2", a 7-char SHA, or the first 12 chars."""
        version = self.version.strip()
        if re.fullmatch(r"[0-9a-f]{12,40}", version):
            return version[:7]
        # Sentry release names are often "package@1.4.2+build": keep the version part.
        version = version.rsplit("@", 1)[-1].split("+", 1)[0]
        return version[:12]

    def view(self) -> dict[str, Any]:
        return {**asdict(self), "short": self.short}


class DeployLog:
    def __init__(self, keep: int = KEEP_PER_TEAM) -> None:
        self.keep = keep
        self._teams: dict[str, deque[Deploy]] = {}

    def add(self, deploy: Deploy) -> bool:
        """Record ``deploy``; False when the same version from the same source is known."""
        log = self._teams.setdefault(deploy.team, deque(maxlen=self.keep))
        if any(d.version == deploy.version and d.source == deploy.source for d in log):
            return False
        log.append(deploy)
        if len(log) > 1 and log[-2].at > deploy.at:  # late arrivals keep time order
            ordered = sorted(log, key=lambda d: d.at)
            log.clear()
            log.extend(ordered)
        return True

    def recent(self, team: str, limit: int = 10) -> list[Deploy]:
        """Newest first."""
        return list(reversed(self._teams.get(team, ())))[:limit]

    def dump(self) -> list[dict[str, Any]]:
        return [asdict(d) for log in self._teams.values() for d in log]

    def load(self, rows: Iterable[object], teams: Container[str] | None = None) -> None:
        """Rows of :meth:`dump` back. Those of teams not in ``teams`` (a team removed since
        they were stored) or not of a deploy's shape are left out."""
        for row in rows:
            if not isinstance(row, dict) or (teams is not None and row.get("team") not in teams):
                continue
            try:
                deploy = Deploy(**row)
            except TypeError:
                continue
            self.add(deploy)

    def mark(self, markers: Iterable[Marker], source: str, teams: Container[str]) -> frozenset[str]:
        """Record the deploys a source saw this cycle; the teams that got a new one."""
        added = set()
        for m in markers:
            if m.team in teams and self.add(
                Deploy(m.team, m.version, m.at, source, m.url, m.environment)
            ):
                added.add(m.team)
        return frozenset(added)


def worse_since(deploys: Sequence[Deploy], worsened_at: float | None, window: float) -> str | None:
    """The version after which a panel got worse within ``window`` seconds, if any.

    ``deploys`` newest first; only the last deploy before the worsening counts.
    """
    if worsened_at is None:
        return None
    for deploy in deploys:
        if deploy.at <= worsened_at:
            return deploy.short if worsened_at - deploy.at <= window else None
    return None
