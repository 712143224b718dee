"""The on-call kinds' config: every mistake named by its key path, no traceback."""

from __future__ import annotations

import tomllib

import pytest

from tests.oncall.support import PANELS
from wallboard.config import loader as config_mod
from wallboard.config.model import ConfigError

HEAD = '[sources.vendor]\ntype = "pagerduty"\ntoken_env = "PD_TOKEN"\n'


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as failed:
        config_mod.parse(tomllib.loads(text), env={"PD_TOKEN": "x", "OG_KEY": "y"})
    return [str(issue) for issue in failed.value.issues]


def test_a_misspelt_team_key_is_named_by_its_path() -> None:
    text = HEAD + PANELS.format(source="vendor")
    text += '[teams.payments]\npanels = ["oncall"]\npagerduty_escalation_policy = ["PX"]\n'
    assert problems(text) == [
        "teams.payments.pagerduty_escalation_policy: unknown key (check the spelling, or add a "
        "source whose type uses it)"
    ]


def test_an_oncall_source_refuses_a_panel_kind_it_cannot_feed_and_a_bad_zone() -> None:
    text = HEAD.replace(
        'token_env = "PD_TOKEN"', 'token_env = "PD_TOKEN"\ntimezone = "Mars/Olympus"'
    )
    text += '[panels.rate]\ntitle = "5xx"\nsource = "vendor"\nkind = "metric"\n'
    text += '[teams.payments]\npanels = ["rate"]\n'
    found = problems(text)
    assert any(p.startswith("sources.vendor.timezone: unknown time zone") for p in found), found
    assert (
        'panels.rate: an on-call source feeds kind = "oncall" or "alerts" panels, not "metric"'
        in found
    )


def test_a_calendar_team_names_one_feed_and_a_key_needs_its_secret() -> None:
    text = '[sources.rota]\ntype = "ics"\n[panels.oncall]\ntitle = "On call"\nsource = "rota"\n'
    text += 'kind = "oncall"\n[teams.payments]\npanels = ["oncall"]\n'
    text += 'ics_file = "/tmp/a.ics"\nics_url_env = "OG_KEY"\n'
    text += '[sources.og]\ntype = "opsgenie"\n'
    found = problems(text)
    assert any(
        p.startswith("teams.payments: set one of ics_url_env, ics_url_file or ics_file")
        for p in found
    ), found
    assert "sources.og: key_env or key_file is required" in found
