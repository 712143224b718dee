"""A wall with a panel in every state a screen shows (ok, warn, crit, unknown, stale,
source error), one team per state, made by real board changes: for the markup tests."""

from __future__ import annotations

import time

from collectors.base import Collection, Item, Reading
from collectors.errors import CollectorError
from tests.support.live import LiveWall

STATES = ["ok", "warn", "crit", "unknown", "stale", "error"]

CONFIG = """
[wall]
title = "markup wall"
heartbeat = "1s"

[screen]
drift_every = "1h"

[sources.fine]
type = "demo"
interval = "1h"

[sources.late]
type = "demo"
interval = "1h"
stale_after = "1s"

[sources.broken]
type = "demo"
interval = "1h"

[sources.idle]
type = "demo"
interval = "1h"

[panels.rate]
title = "HTTP 5xx rate"
source = "fine"
unit = "percent"
warn = 1.0
crit = 5.0

[panels.services]
title = "Services"
source = "fine"
kind = "health"
unit = "count"

{queues}

[panels.late_rate]
title = "Checkout 5xx"
source = "late"
unit = "percent"
warn = 1.0
crit = 5.0

[panels.broken_latency]
title = "p99 latency"
source = "broken"
unit = "ms"
warn = 400
crit = 800

[panels.idle_rate]
title = "Batch failures"
source = "idle"
unit = "percent"

[teams.ok]
name = "Team OK"
panels = ["rate", "services"]

[teams.warn]
name = "Team Warn"
panels = ["rate", "services", "q1", "q2", "q3", "q4", "q5"]

[teams.crit]
name = "Team Crit"
panels = ["rate", "services"]

[teams.unknown]
name = "Team Unknown"
panels = ["idle_rate"]

[teams.stale]
name = "Team Stale"
panels = ["late_rate"]

[teams.error]
name = "Team Error"
panels = ["broken_latency"]
"""
QUEUES = "\n".join(
    f'[panels.q{n}]\ntitle = "Queue {n}"\nsource = "fine"\nunit = "count"\nwarn = 100\n'
    for n in range(1, 6)
)


def readings(team_values: dict[str, float], services: Reading) -> dict[tuple[str, str], Reading]:
    out: dict[tuple[str, str], Reading] = {}
    for team, value in team_values.items():
        out[(team, "rate")] = Reading(value=value)
        out[(team, "services")] = services
    for n in range(1, 6):
        out[("warn", f"q{n}")] = Reading(value=float(n))
    return out


def health(up: int, down: int) -> Reading:
    items = tuple(Item(title=f"svc-{i}", status="crit", detail="HTTP 503") for i in range(down))
    total = up + down
    return Reading(
        value=float(up), text=f"{up} / {total} up", status="crit" if down else "ok", items=items
    )


def settle_states(live: LiveWall) -> None:
    """Every state on the real board: two collections (sparklines), a stale and a failing
    source, one source that never answered."""
    board = live.wall.board
    values = {"ok": 0.002, "warn": 0.021, "crit": 0.09}
    for step in (0.0, 0.001):
        fine = readings({t: v + step for t, v in values.items()}, health(4, 0))
        fine[("crit", "services")] = health(3, 8)  # more items than a panel lists
        board.apply("fine", Collection(readings=fine))
    board.apply("late", Collection(readings={("stale", "late_rate"): Reading(value=0.004)}))
    board.apply("broken", Collection(readings={("error", "broken_latency"): Reading(value=0.3)}))
    board.fail("broken", CollectorError("upstream answered HTTP 503"))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        board.sweep()
        _, states = board.team_panels("stale", -1)
        if all(s.stale for s in states):
            return
        time.sleep(0.1)
    raise AssertionError("the late source never went stale")
