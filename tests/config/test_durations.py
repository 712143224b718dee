"""Durations: the simple form and Prometheus' compound form, with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.live import write_config
from wallboard.config import loader as config_mod
from wallboard.config.loader import ConfigError

DEMO_WALL = """
[sources.demo]
type = "demo"

[panels.errors]
title = "Errors"
source = "demo"

[teams.payments]
panels = ["errors"]
"""


def errors_of(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        config_mod.load(write_config(tmp_path, text), env={})
    return [str(issue) for issue in info.value.issues]


@pytest.mark.parametrize(
    ("written", "seconds"),
    [("1m30s", 90.0), ("1h30m", 5400.0), ("2s500ms", 2.5), ("1d2h", 93600.0), ("1.5m", 90.0)],
)
def test_durations_accept_the_prometheus_compound_form(
    tmp_path: Path, written: str, seconds: float
) -> None:
    # stale_after: its range (1 s to 7 d) holds every example; interval stops at 1 d.
    text = DEMO_WALL.replace('type = "demo"', f'type = "demo"\nstale_after = "{written}"')
    config = config_mod.load(write_config(tmp_path, text), env={})
    assert config.sources["demo"].stale_after == seconds


@pytest.mark.parametrize("written", ["1m1h", "1h1h", "1.5m30s", "30", "m"])
def test_durations_reject_a_compound_out_of_order_or_without_units(
    tmp_path: Path, written: str
) -> None:
    text = DEMO_WALL.replace('type = "demo"', f'type = "demo"\ninterval = "{written}"')
    errors = errors_of(tmp_path, text)
    assert errors == [
        f'sources.demo.interval: expected a duration such as "30s", "5m", "1m30s" or "500ms",'
        f' got "{written}"'
    ]
