"""The [screen] table: sensible defaults, precise errors, and every key reaches the screen."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.live import demo_config, serve_wall, write_config
from tests.support.screens import ScreenClient
from wallboard.config import loader as config_mod
from wallboard.config.schema import ACCESS_FIELDS


def load(tmp_path: Path, screen: str) -> config_mod.WallConfig:
    return config_mod.load(write_config(tmp_path, demo_config() + "\n[screen]\n" + screen))


def test_it_defaults_to_a_nightly_reload_no_dimming_and_no_sound(tmp_path: Path) -> None:
    screen = load(tmp_path, "").screen
    assert screen.soft_reload_at == "03:30"
    assert (screen.dim_from, screen.dim_until) == (None, None)
    assert screen.chime is False


def test_it_turns_the_soft_reload_off_with_off(tmp_path: Path) -> None:
    assert load(tmp_path, 'soft_reload_at = "off"').screen.soft_reload_at is None


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ('dim_from = "22:00"', "dim_from and dim_until are set together or not at all"),
        ('chime_quiet_from = "7:00"\nchime_quiet_until = "08:00"', 'expected a time "HH:MM"'),
        ('drift_every = "soon"', "expected a duration"),
        ("drift_pixels = 100", "less than or equal to 16"),
    ],
)
def test_it_names_the_key_and_what_was_expected(tmp_path: Path, lines: str, message: str) -> None:
    with pytest.raises(config_mod.ConfigError) as error:
        load(tmp_path, lines)
    text = str(error.value)
    assert "screen" in text and message in text


def test_it_sends_every_screen_setting_in_hello(tmp_path: Path) -> None:
    config = load(tmp_path, 'chime = true\ndim_from = "22:00"\ndim_until = "06:00"')
    with (
        serve_wall(config, schedule=False) as live,
        ScreenClient(live.ws_url + "/ws/teams/payments") as screen,
    ):
        hello = screen.next()
    assert hello["type"] == "hello"
    sent = hello["screen"]
    assert sent["chime"] is True
    assert (sent["dim_from"], sent["dim_until"]) == ("22:00", "06:00")
    # All but the access fields, which are the server's business (screens as devices).
    assert set(sent) == set(type(config.screen).model_fields) - ACCESS_FIELDS
    assert "admin_tokens_env" not in sent and "access" not in sent
