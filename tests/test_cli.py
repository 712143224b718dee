"""The command line: check-config exit codes and summary, serve refusing a bad config."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from wallboard import cli

pytestmark = pytest.mark.processes  # each test starts a process (make check skips it)

ROOT = Path(__file__).resolve().parent.parent


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "wallboard", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=full_env,
        cwd=cwd,
    )


def test_check_config_exits_0_with_a_summary_for_a_good_file() -> None:
    result = run("check-config", str(ROOT / "config.toml"))
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout
    assert "payments" in result.stdout and "demo" in result.stdout


def test_check_config_exits_1_naming_the_file_and_key_path(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        (ROOT / "config.toml").read_text().replace('interval = "2s"', 'interval = "2 sec"')
    )
    result = run("check-config", str(bad))
    assert result.returncode == 1
    assert f"{bad}: sources.demo.interval:" in result.stderr


def test_check_config_uses_the_wallboard_config_variable(tmp_path: Path) -> None:
    result = run("check-config", env={"WALLBOARD_CONFIG": str(ROOT / "config.toml")}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def test_check_config_defaults_to_config_toml_in_the_current_folder(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "WALLBOARD_CONFIG"}
    result = subprocess.run(
        [sys.executable, "-m", "wallboard", "check-config"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "config.toml" in result.stderr and "cannot read" in result.stderr


def test_serve_refuses_a_bad_config_with_the_errors_and_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[teams.x]\npanels = []\n")
    result = run("serve", "--config", str(bad), "--port", "0")
    assert result.returncode == 1
    assert "sources" in result.stderr and "teams.x.panels" in result.stderr


def test_version_prints_the_installed_package_version() -> None:
    import tomllib
    from importlib.metadata import version

    result = run("--version")
    assert result.returncode == 0, result.stderr
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert (
        result.stdout.strip()
        == f"wallboard {project['version']}"
        == f"wallboard {version('wallboard')}"
    )


def test_the_package_carries_an_spdx_licence_and_its_text() -> None:
    import tomllib
    from importlib.metadata import metadata

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"
    assert metadata("wallboard")["License-Expression"] == "MIT"
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License")
    assert "WITHOUT WARRANTY OF ANY KIND" in text


def test_check_config_online_names_unknown_sentry_projects_and_reports_health_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.support.health_servers import FORMATS, RouteServer
    from tests.support.sentry_double import ALL_SCOPES, SentryDouble

    token = "sntrys_online_check"
    monkeypatch.setenv("SENTRY_AUTH_TOKEN", token)
    health = RouteServer({"/up": FORMATS["/plain/up"], "/down": FORMATS["/plain/down"]})
    try:
        with SentryDouble(tokens={token: ALL_SCOPES}).serve() as sentry:
            checkout = sentry.add_project("checkout")
            config = tmp_path / "wall.toml"
            config.write_text(
                f"""
[sources.sentry]
type = "sentry"
url = "{sentry.url}"
org = "acme"
token_env = "SENTRY_AUTH_TOKEN"

[sources.health]
type = "health"

[panels.issues]
title = "Issues"
source = "sentry"
kind = "issues"
unit = "count"

[panels.services]
title = "Services"
source = "health"
kind = "health"
unit = "count"

[teams.payments]
panels = ["issues", "services"]
sentry_projects = ["checkout", "no-such-project"]
health = [
  {{ name = "api", url = "{health.url}/up" }},
  {{ name = "ledger", url = "{health.url}/down" }},
]

[teams.search]
panels = ["issues"]
sentry_projects = [{checkout["id"]}, 999999]
"""
            )
            status = cli.main(["check-config", "--online", str(config)])
    finally:
        health.stop()
    out = capsys.readouterr()
    assert status == 1
    assert "health: teams.payments: api: up (HTTP 200)" in out.out
    assert "health: teams.payments: ledger: failing (HTTP 503" in out.out
    assert f"{config}: teams.payments:" in out.err and '"no-such-project" not found' in out.err
    assert f'{config}: teams.search.sentry_projects: no project with id 999999 in "acme"' in out.err
    assert checkout["id"] not in out.err
