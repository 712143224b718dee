"""The demo source: plausible, moving, deterministic when seeded, with incidents."""

from __future__ import annotations

import time
import tomllib

import pytest

from collectors.errors import CollectorError
from wallboard.config import loader as config_mod
from wallboard.sources import build_sources

CONFIG = """
[sources.demo]
type = "demo"
seed = {seed}
incident_rate = {rate}
fail = {fail}

[panels.error_rate]
title = "5xx"
source = "demo"
unit = "percent"

[panels.services]
title = "Services"
source = "demo"
kind = "health"
metric = "health"

[teams.payments]
panels = ["error_rate", "services"]

[teams.search]
panels = ["error_rate", "services"]
"""


def demo(seed: int = 3, rate: float = 0.03, fail: str = "false"):  # type: ignore[no-untyped-def]
    text = CONFIG.format(seed=seed, rate=rate, fail=fail)
    cfg = config_mod.parse(tomllib.loads(text), env={})
    return build_sources(cfg, {})["demo"]


def run(source, cycles: int) -> list[dict]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(cycles):
        result = source.collect(time.monotonic() + 1)
        out.append({k: (r.value, r.text, r.status) for k, r in result.readings.items()})
    return out


def test_it_is_deterministic_when_seeded() -> None:
    assert run(demo(seed=3), 50) == run(demo(seed=3), 50)
    assert run(demo(seed=3), 20) != run(demo(seed=4), 20)


def test_it_reports_every_team_and_panel_it_feeds() -> None:
    keys = set(demo().collect(time.monotonic() + 1).readings)
    assert keys == {(t, p) for t in ("payments", "search") for p in ("error_rate", "services")}


def test_its_error_rates_are_plausible_ratios_that_move() -> None:
    values = [c[("payments", "error_rate")][0] for c in run(demo(rate=0.0), 30)]
    assert all(0 < v < 0.1 for v in values)
    assert len(set(values)) > 20


def test_it_has_incidents_with_a_service_going_down_and_recovering() -> None:
    cycles = run(demo(seed=11, rate=0.3), 200)
    statuses = [c[("payments", "services")][2] for c in cycles]
    assert "crit" in statuses, "a service should go down at this incident rate"
    first_down = statuses.index("crit")
    assert "ok" in statuses[first_down:], "and come back"
    down = next(c for c in cycles if c[("payments", "services")][2] == "crit")
    assert down[("payments", "services")][1].endswith("up")  # "3 / 4 up"


def test_it_can_be_told_to_fail_to_show_the_source_error_state() -> None:
    with pytest.raises(CollectorError) as info:
        demo(fail="true").collect(time.monotonic() + 1)
    assert "fail" in info.value.reason


ONCALL_CONFIG = """
[sources.demo]
type = "demo"
seed = 3

[panels.oncall]
title = "On call"
source = "demo"
kind = "oncall"
metric = "oncall"

[panels.incidents]
title = "Incidents"
source = "demo"
kind = "alerts"
metric = "incidents"

[teams.payments]
panels = ["oncall", "incidents"]

[teams.search]
panels = ["oncall"]
"""


def test_the_demo_rota_hands_over_within_two_minutes_to_someone_else() -> None:
    cfg = config_mod.parse(tomllib.loads(ONCALL_CONFIG), env={})
    source = build_sources(cfg, {})["demo"]
    now = time.time()
    result = source.collect(time.monotonic() + 1)
    for team in ("payments", "search"):
        reading = result.readings[(team, "oncall")]
        facts = dict(reading.facts)
        assert reading.status == "ok" and reading.text
        assert 0 < float(facts["until"]) - now <= 120  # a handover during any visit
        assert facts["next"] not in (None, reading.text)
        assert facts["secondary"] not in (None, reading.text)
    assert result.readings[("payments", "incidents")].status in ("ok", "crit", "warn")
