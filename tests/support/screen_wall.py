"""Walls for the screen tests: configs, and real board changes (the board itself, no mocks)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from collectors.base import Collection, Item, Reading
from tests.support.live import LiveWall, serve_wall, write_config

HEARTBEAT = 1.0  # seconds; the screen tests' timing bounds are multiples of it

SCREEN_CONFIG = """
[wall]
title = "screen test wall"
heartbeat = "{heartbeat}s"

[screen]
highlight_for = "3s"
{screen}

[sources.main]
type = "demo"
interval = "1h"
stale_after = "{stale_after}"

[sources.other]
type = "demo"
interval = "1h"

[panels.error_rate]
title = "HTTP 5xx rate"
source = "main"
unit = "percent"
warn = 1.0
crit = 5.0

[panels.services]
title = "Services"
source = "main"
kind = "health"
unit = "count"

[panels.latency]
title = "p99 latency"
source = "other"
unit = "ms"
warn = 400
crit = 800

[teams.payments]
name = "Payments"
panels = ["error_rate", "services", "latency"]

[teams.search]
name = "Search"
panels = ["error_rate", "latency"]

[teams.checkout]
name = "Checkout"
panels = ["error_rate"]
"""


def screen_config(
    directory: Path, stale_after: str = "1h", screen: str = 'drift_every = "1h"'
) -> Path:
    """The screen tests' wall; ``screen`` adds lines to its [screen] table."""
    text = SCREEN_CONFIG.format(heartbeat=HEARTBEAT, stale_after=stale_after, screen=screen)
    return write_config(directory, text)


@contextmanager
def screen_wall(config: Path, *, port: int = 0, build: str = "test-build") -> Iterator[LiveWall]:
    """A real wall with no scheduler: the test decides every board change."""
    with serve_wall(config, port=port, build=build, schedule=False) as live:
        yield live


def health(up: int, total: int, down: tuple[str, ...] = ()) -> Reading:
    items = tuple(Item(title=name, status="crit", detail="HTTP 503") for name in down)
    return Reading(
        value=float(up), text=f"{up} / {total} up", status="crit" if down else "ok", items=items
    )


def apply(live: LiveWall, source: str, readings: Mapping[tuple[str, str], Reading]) -> int:
    """One successful collection of ``source`` on the real board; the new board version."""
    return live.wall.board.apply(source, Collection(readings=dict(readings)))


def main_readings(rate: float, up: int = 4, down: tuple[str, ...] = ()) -> dict:
    """Readings for every (team, panel) of the source "main" (ratios: 0.02 shows 2.00 %)."""
    out: dict[tuple[str, str], Reading] = {}
    for team in ("payments", "search", "checkout"):
        out[(team, "error_rate")] = Reading(value=rate)
    out[("payments", "services")] = health(up, up + len(down), down)
    return out
