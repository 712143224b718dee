"""A wall with a panel in every state a screen shows (ok, warn, crit, unknown, stale,
source error), one team per state, and a team with an on-call panel and open incidents,
made by real board changes: for the markup tests."""

from __future__ import annotations

import time

from collectors.base import Collection, Item, Reading
from collectors.errors import CollectorError
from tests.support.live import LiveWall
from wallboard.board.deploys import Deploy

STATES = ["ok", "warn", "crit", "unknown", "stale", "error", "oncall"]

CONFIG = """
[wall]
title = "markup wall"
heartbeat = "1s"

[screen]
drift_every = "1h"
# The QR of a troubled team takes room from the fit (a list then hides rows the served
# page shows), which this comparison does not normalise; test_four_metres.py checks it.
qr_codes = false

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

[panels.oncall]
title = "On call"
source = "fine"
kind = "oncall"

[panels.open]
title = "Open incidents"
source = "fine"
kind = "alerts"

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

[teams.oncall]
name = "Team On-call"
panels = ["oncall", "open"]
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
    out[("oncall", "oncall")], out[("oncall", "open")] = oncall()
    return out


def oncall() -> tuple[Reading, Reading]:
    """Who is on call (with the line under the names) and two open incidents, one linked."""
    now = time.time()
    facts: dict[str, float | str | None] = {
        "timezone": "Europe/Berlin",
        "level": 1.0,
        "secondary": "Cy Twombly",
        "until": now + 86400,
        "next": "Bo Diddley",
    }
    names = Reading(text="Ada Lovelace", status="ok", facts=facts)
    link = "https://acme.pagerduty.com/incidents/PINC001"
    items = (
        Item("Checkout down", "crit", "Checkout API", since=now - 600, link=link),
        Item("Refunds slow", "warn", "Refunds", since=now - 60),
    )
    return names, Reading(value=2.0, text="2 open", status="crit", items=items)


def health(up: int, down: int) -> Reading:
    items = tuple(Item(title=f"svc-{i}", status="crit", detail="HTTP 503") for i in range(down))
    total = up + down
    return Reading(
        value=float(up), text=f"{up} / {total} up", status="crit" if down else "ok", items=items
    )


def settle_states(live: LiveWall) -> None:
    """Every state on the real board: two collections (sparklines, with threshold lines on
    the warn and crit teams), a stale and a failing source, one source that never answered.
    The crit team also deployed twice: before it turned crit ("worse since v1.0.0") and
    between the two collections (a tick on its sparklines, the header's "deployed v1.1.0")."""
    board = live.wall.board
    board.add_deploy(Deploy("crit", "v1.0.0", time.time() - 60, "hook"))
    values = {"ok": 0.002, "warn": 0.021, "crit": 0.09}
    for step in (0.0, 0.001):
        fine = readings({t: v + step for t, v in values.items()}, health(4, 0))
        fine[("crit", "services")] = health(3, 8)  # more items than a panel lists
        board.apply("fine", Collection(readings=fine))
        if not step:
            board.add_deploy(Deploy("crit", "v1.1.0", time.time(), "hook"))
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
