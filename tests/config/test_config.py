"""Config loading: every mistake names the file and key path, and all are reported at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.paths import ROOT
from wallboard.config import loader as config_mod
from wallboard.config.loader import ConfigError

GOOD = """
[wall]
stale_after = "2m"

[sources.demo]
type = "demo"
interval = "5s"

[panels.error_rate]
title = "5xx rate"
source = "demo"
unit = "percent"
warn = 1
crit = 5

[panels.latency]
title = "p99"
source = "demo"
unit = "ms"
metric = "latency"
warn = 300
crit = 600

[teams.payments]
name = "Payments"
panels = ["error_rate", { panel = "latency", warn = 400, crit = 900 }]
"""


def load_text(tmp_path: Path, text: str, env: dict[str, str] | None = None):
    path = tmp_path / "config.toml"
    path.write_text(text)
    return config_mod.load(path, env=env or {})


def errors_of(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_text(tmp_path, text, env)
    assert info.value.file.endswith("config.toml")
    return [str(issue) for issue in info.value.issues]


def test_it_loads_a_good_file_into_typed_objects(tmp_path: Path) -> None:
    cfg = load_text(tmp_path, GOOD)
    team = cfg.teams["payments"]
    assert team.name == "Payments"
    assert [p.id for p in team.panels] == ["error_rate", "latency"]
    assert cfg.sources["demo"].interval == 5.0
    assert cfg.sources["demo"].stale_after == 120.0


def test_it_applies_per_team_threshold_overrides(tmp_path: Path) -> None:
    latency = load_text(tmp_path, GOOD).teams["payments"].panels[1]
    assert (latency.thresholds.warn, latency.thresholds.crit) == (400, 900)


def test_it_gives_immutable_objects(tmp_path: Path) -> None:
    cfg = load_text(tmp_path, GOOD)
    with pytest.raises((AttributeError, TypeError, ValueError)):
        cfg.teams["payments"].name = "x"  # type: ignore[misc]
    with pytest.raises((AttributeError, TypeError, ValueError)):
        cfg.wall.stale_after = 1  # type: ignore[misc]


def test_it_names_the_key_path_of_a_wrong_type(tmp_path: Path) -> None:
    text = GOOD.replace('{ panel = "latency", warn = 400', '{ panel = "latency", warn = "high"')
    errors = errors_of(tmp_path, text)
    assert any(e.startswith("teams.payments.panels[1].warn:") and "high" in e for e in errors)


def test_it_rejects_unknown_keys_so_typos_do_not_pass(tmp_path: Path) -> None:
    text = GOOD.replace('title = "5xx rate"', 'title = "5xx rate"\ntreshold = 3')
    errors = errors_of(tmp_path, text)
    assert any(e.startswith("panels.error_rate.treshold:") and "unknown key" in e for e in errors)


def test_it_rejects_unknown_keys_at_the_top_level(tmp_path: Path) -> None:
    errors = errors_of(tmp_path, GOOD + "\n[wal]\ntitle = 'x'\n")
    assert any(e.startswith("wal:") for e in errors)


def test_it_explains_a_bad_duration(tmp_path: Path) -> None:
    errors = errors_of(tmp_path, GOOD.replace('interval = "5s"', 'interval = "5 parsecs"'))
    assert any(e.startswith("sources.demo.interval:") and "duration" in e for e in errors)


def test_it_rejects_a_number_where_a_duration_string_is_expected(tmp_path: Path) -> None:
    errors = errors_of(tmp_path, GOOD.replace('stale_after = "2m"', "stale_after = 120"))
    assert any(e.startswith("wall.stale_after:") for e in errors)


def test_it_reports_a_missing_environment_variable(tmp_path: Path) -> None:
    text = GOOD + '\n[api]\ntokens_env = ["WALL_API_TOKEN"]\n'
    errors = errors_of(tmp_path, text, env={})
    assert any(e.startswith("api.tokens_env[0]:") and "WALL_API_TOKEN" in e for e in errors)
    assert load_text(tmp_path, text, env={"WALL_API_TOKEN": "s3cret"}).api.tokens_env == [
        "WALL_API_TOKEN"
    ]


def test_it_reports_a_duplicate_team_id(tmp_path: Path) -> None:
    text = GOOD + '\n[teams.payments]\nname = "Again"\npanels = ["error_rate"]\n'
    errors = errors_of(tmp_path, text)
    assert any(e.startswith("teams.payments:") and "twice" in e for e in errors)


def test_it_reports_two_teams_with_the_same_name(tmp_path: Path) -> None:
    text = GOOD + '\n[teams.pay2]\nname = "payments"\npanels = ["error_rate"]\n'
    errors = errors_of(tmp_path, text)
    assert any(e.startswith("teams.pay2.name:") for e in errors)


def test_it_reports_a_panel_pointing_at_a_missing_source(tmp_path: Path) -> None:
    errors = errors_of(
        tmp_path, GOOD.replace('source = "demo"\nunit = "ms"', 'source = "dmeo"\nunit = "ms"')
    )
    assert any(
        e.startswith("panels.latency.source:") and 'did you mean "demo"' in e for e in errors
    )


def test_it_reports_a_team_listing_a_missing_panel(tmp_path: Path) -> None:
    errors = errors_of(tmp_path, GOOD.replace('panels = ["error_rate",', 'panels = ["eror_rate",'))
    assert any(e.startswith("teams.payments.panels[0]:") and "error_rate" in e for e in errors)


def test_it_reports_an_unknown_source_type(tmp_path: Path) -> None:
    errors = errors_of(tmp_path, GOOD.replace('type = "demo"', 'type = "dmeo"'))
    assert any(e.startswith("sources.demo.type:") and "demo" in e for e in errors)


def test_it_reports_source_specific_options_with_their_path(tmp_path: Path) -> None:
    errors = errors_of(tmp_path, GOOD.replace('metric = "latency"', 'metric = "latensy"'))
    assert any(e.startswith("panels.latency.metric:") for e in errors)


def test_it_reports_thresholds_in_the_wrong_order(tmp_path: Path) -> None:
    errors = errors_of(tmp_path, GOOD.replace("warn = 1\ncrit = 5", "warn = 6\ncrit = 5"))
    assert any(e.startswith("panels.error_rate:") and "warn" in e for e in errors)


def test_it_reports_every_error_at_once(tmp_path: Path) -> None:
    text = (
        GOOD.replace('interval = "5s"', 'interval = "soon"')
        .replace('title = "5xx rate"', 'title = "5xx rate"\ncolour = "red"')
        .replace('panels = ["error_rate",', 'panels = ["nope",')
    )
    errors = errors_of(tmp_path, text)
    # The shape errors come first (phase one); cross-references are checked when the shape is ok.
    assert len(errors) >= 2
    assert any(e.startswith("sources.demo.interval:") for e in errors)
    assert any(e.startswith("panels.error_rate.colour:") for e in errors)


def test_it_reports_every_cross_reference_error_at_once(tmp_path: Path) -> None:
    text = GOOD.replace('panels = ["error_rate",', 'panels = ["nope",').replace(
        'source = "demo"\nunit = "ms"', 'source = "nowhere"\nunit = "ms"'
    )
    errors = errors_of(tmp_path, text)
    assert any(e.startswith("panels.latency.source:") for e in errors)
    assert any(e.startswith("teams.payments.panels[0]:") for e in errors)


def test_it_explains_invalid_toml_with_its_line(tmp_path: Path) -> None:
    errors = errors_of(tmp_path, GOOD + "\n[teams.broken\n")
    assert any("invalid TOML" in e and "line" in e for e in errors)


def test_it_explains_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        config_mod.load(tmp_path / "absent.toml")
    assert "cannot read" in info.value.render()


def test_it_rejects_team_ids_that_cannot_be_urls(tmp_path: Path) -> None:
    errors = errors_of(tmp_path, GOOD.replace("[teams.payments]", '[teams."Pay ments"]'))
    assert any(e.startswith("teams.Pay ments:") for e in errors)


def test_the_repository_config_is_valid() -> None:
    root = ROOT
    cfg = config_mod.load(root / "config.toml", env={})
    assert cfg.teams and all(t.panels for t in cfg.teams.values())
