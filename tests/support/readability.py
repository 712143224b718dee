"""Generated walls for readability checks: N teams x P panels in known states, and the
font sizes a person at 4 m actually gets (measured in Chromium, in CSS pixels).

Used by tests/screens/test_readability.py and by scripts/readability (the before/after
table in the issue note). States are set on the real board; nothing is mocked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from collectors.base import Item, Reading
from tests.support.live import LiveWall, write_config

# Panels a generated team can show, in order; (id, title, kind, unit, warn, crit).
PANELS = [
    ("error_rate", "HTTP 5xx rate", "metric", "percent", 1.0, 5.0),
    ("services", "Services", "health", "count", None, None),
    ("latency", "p99 latency", "metric", "ms", 400, 800),
    ("errors", "Errors per minute", "metric", "per_minute", 20, 100),
    ("traffic", "Requests per second", "metric", "per_second", None, None),
    ("queue", "Queue depth", "metric", "count", 100, 500),
    ("saturation", "CPU saturation", "metric", "percent", 70, 90),
    ("retries", "Retries per minute", "metric", "per_minute", 30, 120),
]
FAILING_SERVICE = "ledger-writer"


def team_id(i: int) -> str:
    return f"team{i:02d}"


def generated_config(directory: Path, teams: int, panels: int) -> Path:
    """A demo-sourced wall (no scheduler in the tests) with ``teams`` x ``panels``."""
    lines = [
        '[wall]\ntitle = "readability"\nheartbeat = "1s"\n',
        '[screen]\ndrift_every = "1h"\n',
        '[sources.main]\ntype = "demo"\ninterval = "1h"\nstale_after = "1h"\n',
    ]
    for pid, title, kind, unit, warn, crit in PANELS[:panels]:
        block = f'[panels.{pid}]\ntitle = "{title}"\nsource = "main"\nkind = "{kind}"\n'
        block += f'unit = "{unit}"\n'
        if warn is not None:
            block += f"warn = {warn}\ncrit = {crit}\n"
        lines.append(block)
    names = ", ".join(f'"{p[0]}"' for p in PANELS[:panels])
    for i in range(teams):
        lines.append(f'[teams.{team_id(i)}]\nname = "Team {i:02d}"\npanels = [{names}]\n')
    return write_config(directory, "\n".join(lines))


def calm(pid: str) -> Reading:
    values = {
        "error_rate": 0.0012,
        "latency": 0.180,
        "errors": 0.05,
        "traffic": 42.0,
        "queue": 12.0,
        "saturation": 0.35,
        "retries": 0.1,
    }
    if pid == "services":
        return Reading(value=4.0, text="4 / 4 up", status="ok")
    return Reading(value=values[pid])


def troubled(pid: str, level: str) -> Reading:
    """A reading that is ``level`` (warn or crit) for panel ``pid``."""
    if pid == "services":
        down = (Item(title=FAILING_SERVICE, status="crit", detail="HTTP 503"),)
        return Reading(value=3.0, text="3 / 4 up", status="crit", items=down)
    crit = level == "crit"
    values = {
        "error_rate": 0.09 if crit else 0.02,
        "latency": 0.95 if crit else 0.5,
        "errors": 3.0 if crit else 0.5,
        "traffic": 42.0,
        "queue": 900.0 if crit else 200.0,
        "saturation": 0.95 if crit else 0.8,
        "retries": 4.0 if crit else 1.0,
    }
    return Reading(value=values[pid])


def apply_states(live: LiveWall, teams: int, panels: int) -> dict[str, str]:
    """Team 0 crit (a service down), team 1 warn, every other team calm; the expected status."""
    readings: dict[tuple[str, str], Reading] = {}
    expected: dict[str, str] = {}
    for i in range(teams):
        tid = team_id(i)
        expected[tid] = "ok"
        for pid, *_ in PANELS[:panels]:
            readings[(tid, pid)] = calm(pid)
    crit_panel = "services" if panels >= 2 else "error_rate"
    readings[(team_id(0), crit_panel)] = troubled(crit_panel, "crit")
    expected[team_id(0)] = "crit"
    if teams > 1:
        readings[(team_id(1), "error_rate")] = troubled("error_rate", "warn")
        expected[team_id(1)] = "warn"
    from collectors.base import Collection

    live.wall.board.apply("main", Collection(readings=readings))
    return expected


# Sizes a person reads: each value, and the text saying what is wrong. Returns CSS px.
MEASURE = """
() => {
  const px = (el) => parseFloat(getComputedStyle(el).fontSize);
  const shown = (el) => {
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
  };
  const values = Array.from(document.querySelectorAll(
    '.row-value, .panel-value .value')).filter(shown);
  // A crit/warn value: one whose own row or panel is crit or warn.
  const troubled = values.filter((el) => el.closest('.row, .panel')
    .matches('.status-crit, .status-warn'));
  const wrong = Array.from(document.querySelectorAll(
    '.what-wrong, .row-flag, .error-badge, .panel.status-crit .item-title'
  )).filter((el) => shown(el) && el.textContent.trim());
  const titles = Array.from(document.querySelectorAll('.panel-title, .row-title')).filter(shown);
  const vw = document.documentElement.clientWidth, vh = document.documentElement.clientHeight;
  const overflow = [];
  for (const el of values.concat(titles)) {
    const r = el.getBoundingClientRect();
    if (r.right > vw + 1 || r.bottom > vh + 1 || r.left < -1 || r.top < -1) {
      overflow.push(el.className + ' outside the viewport');
    }
    if (el.scrollWidth > el.clientWidth + 1 && el.matches('.row-value, .value')) {
      overflow.push(el.className + ' clipped: ' + el.textContent);
    }
  }
  const min = (els) => els.length ? Math.min(...els.map(px)) : null;
  return {
    values: values.length,
    min_value: min(values),
    min_troubled_value: min(troubled),
    min_wrong: min(wrong),
    min_title: min(titles),
    wrong_texts: wrong.map((el) => el.textContent.trim()),
    overflow,
  };
}
"""


def measure(page: Any) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(MEASURE)
    return result
