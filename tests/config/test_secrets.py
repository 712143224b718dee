"""Secrets from mounted files (``*_file``), structure-only checks, and no false "unknown key"."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

from collectors.registry import KINDS, source_class
from tests.support.live import serve_wall, write_config
from tests.support.paths import ROOT
from tests.support.sentry_double import ALL_SCOPES, SentryDouble
from wallboard.config import loader as config_mod
from wallboard.config.loader import ConfigError
from wallboard.config.redact import secret_values
from wallboard.config.schema import ApiSettings, ServerSettings, SlackSettings, WallSettings
from wallboard.ops import logs

TOKEN = "sntrys_" + "5e5e5e5e" * 6

SENTRY = """
[sources.sentry]
type = "sentry"
url = "{url}"
org = "acme"
{token_line}
interval = "1h"
timeout = "3s"

[panels.unresolved]
title = "Unresolved issues"
source = "sentry"
unit = "count"
metric = "unresolved"

[teams.payments]
panels = ["unresolved"]
sentry_projects = ["checkout"]

[teams.search]
panels = ["unresolved"]
sentry_team = "search"
"""


def sentry_config(token_line: str, url: str = "http://127.0.0.1:9") -> str:
    return SENTRY.format(url=url, token_line=token_line)


def errors_of(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        config_mod.load(write_config(tmp_path, text), env=env or {})
    return [str(issue) for issue in info.value.issues]


def option_models() -> Iterator[type[BaseModel]]:
    """Every model the config is validated with, nested models included."""
    todo: list[type[BaseModel]] = [ApiSettings, SlackSettings, ServerSettings, WallSettings]
    for kind in KINDS:
        cls = source_class(kind)
        todo += [cls.Options, cls.PanelOptions, cls.TeamOptions]
    seen: set[type[BaseModel]] = set()
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        yield model
        for field in model.model_fields.values():
            for arg in (field.annotation, *getattr(field.annotation, "__args__", ())):
                if isinstance(arg, type) and issubclass(arg, BaseModel):
                    todo.append(arg)


def test_every_env_key_has_a_file_twin() -> None:
    pairs = 0
    for model in option_models():
        for key in model.model_fields:
            if key.endswith("_env"):
                pairs += 1
                assert key.removesuffix("_env") + "_file" in model.model_fields, (model, key)
    assert pairs >= 9  # api, slack, http auth (3), sentry (2), alertmanager, health headers


def test_a_sentry_token_file_reaches_sentry_without_its_trailing_newline(tmp_path: Path) -> None:
    secret = tmp_path / "sentry-token"
    secret.write_text(TOKEN + "\n")  # as `echo $TOKEN > file` or kubectl create secret write it
    with SentryDouble(tokens={TOKEN: ALL_SCOPES}).serve() as double:
        double.add_project("checkout")
        double.add_issue("checkout", "KeyError: 'amount'", count=3)
        text = sentry_config(f'token_file = "{secret}"', double.url).replace(
            'sentry_team = "search"', 'sentry_projects = ["checkout"]'
        )
        with serve_wall(write_config(tmp_path, text), env={}, schedule=False) as live:
            live.wall.poller.collect("sentry")
            state = live.wall.board.sources["sentry"]
    assert state.last_error is None
    assert state.last_success is not None


def test_api_tokens_from_files_are_accepted_and_masked_in_logs(tmp_path: Path) -> None:
    token = "api-token-from-a-file-0123"
    (tmp_path / "api-token").write_text(token + "\n")
    text = sentry_config("").split("[sources.sentry]")[0] + DEMO_WALL
    text += f'\n[api]\ntokens_file = ["{tmp_path / "api-token"}"]\n'
    with serve_wall(write_config(tmp_path, text), env={}, schedule=False) as live:
        url = live.url + "/api/v1/teams"
        assert status(url) == 401
        assert status(url, token) == 200
        values = secret_values(live.wall.config, live.wall.env)
    assert token in values
    out = io.StringIO()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        logs.configure("text", secrets=lambda: values, stream=out)
        logging.getLogger("wallboard.test").warning("rejected %s", token)
    finally:
        logging.captureWarnings(False)
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
    assert token not in out.getvalue()
    assert "rejected [redacted]" in out.getvalue()


DEMO_WALL = """
[sources.demo]
type = "demo"

[panels.errors]
title = "Errors"
source = "demo"

[teams.payments]
panels = ["errors"]
"""


def status(url: str, token: str | None = None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_setting_both_the_env_and_the_file_is_an_error_at_the_file_key(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text(TOKEN)
    text = sentry_config(f'token_env = "SENTRY_AUTH_TOKEN"\ntoken_file = "{secret}"')
    errors = errors_of(tmp_path, text, env={"SENTRY_AUTH_TOKEN": TOKEN})
    (error,) = errors
    assert error.startswith("sources.sentry.token_file: set token_env or token_file, not both")


def test_a_missing_or_empty_secret_file_is_an_error_at_its_key(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    errors = errors_of(tmp_path, sentry_config(f'token_file = "{missing}"'))
    assert errors == [
        f'sources.sentry.token_file: cannot read secret file "{missing}": No such file or directory'
    ]
    empty = tmp_path / "empty"
    empty.write_text("\n")
    errors = errors_of(tmp_path, sentry_config(f'token_file = "{empty}"'))
    assert errors == [f'sources.sentry.token_file: secret file "{empty}" is empty']


def test_a_source_needs_one_of_its_token_keys(tmp_path: Path) -> None:
    errors = errors_of(tmp_path, sentry_config(""))
    assert errors == ["sources.sentry: token_env or token_file is required"]


def test_a_missing_secret_reports_only_itself_never_unknown_keys(tmp_path: Path) -> None:
    errors = errors_of(tmp_path, sentry_config('token_env = "SENTRY_AUTH_TOKEN"'), env={})
    assert errors == [
        "sources.sentry.token_env: environment variable SENTRY_AUTH_TOKEN is not set (or is empty)"
    ]


def check_config(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # Only PATH and the like: no secret of the developer's shell may leak into the check.
    clean = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
    return subprocess.run(
        [sys.executable, "-m", "wallboard", "check-config", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**clean, **env},
        cwd=ROOT,
    )


HEALTH_AND_ALERTS = """
[sources.health]
type = "health"

[sources.alerts]
type = "alertmanager"
url = "http://127.0.0.1:9093"
webhook_token_file = "/run/secrets/alertmanager-webhook"

[panels.health]
title = "Health"
source = "health"
kind = "health"

[panels.alerts]
title = "Alerts"
source = "alerts"
kind = "alerts"

[teams.checkout]
panels = ["health", "alerts"]

[[teams.checkout.health]]
name = "api"
url = "http://127.0.0.1:1/health"
headers_file = { Authorization = "/run/secrets/api-health" }

[api]
tokens_env = ["WALL_API_TOKEN"]
"""


@pytest.mark.processes
def test_check_config_offline_succeeds_with_no_secret_set_and_lists_them(tmp_path: Path) -> None:
    text = sentry_config('token_env = "SENTRY_AUTH_TOKEN"').replace(
        "[teams.payments]", HEALTH_AND_ALERTS + "\n[teams.payments]"
    )
    path = write_config(tmp_path, text)
    offline = check_config("--offline", str(path), env={})
    assert offline.returncode == 0, offline.stderr
    notes = [line for line in offline.stdout.splitlines() if line.startswith("note:")]
    where = f"note: {path}: "
    assert notes == [
        f"{where}api.tokens_env[0]: environment variable WALL_API_TOKEN is not set"
        " (needed where it runs)",
        f"{where}sources.sentry.token_env: environment variable SENTRY_AUTH_TOKEN is not set"
        " (needed where it runs)",
        f"{where}sources.alerts.webhook_token_file: cannot read secret file"
        f' "/run/secrets/alertmanager-webhook": No such file or directory (needed where it runs)',
        f"{where}teams.checkout.health[0].headers_file.Authorization: cannot read secret file"
        ' "/run/secrets/api-health": No such file or directory (needed where it runs)',
    ]
    online = check_config(str(path), env={})
    assert online.returncode == 1
    assert "unknown key" not in online.stderr
    assert "SENTRY_AUTH_TOKEN is not set" in online.stderr


@pytest.mark.processes
def test_check_config_offline_still_finds_structural_errors(tmp_path: Path) -> None:
    text = sentry_config('token_env = "SENTRY_AUTH_TOKEN"').replace('org = "acme"', 'org = "a b"')
    done = check_config("--offline", str(write_config(tmp_path, text)), env={})
    assert done.returncode == 1
    assert "sources.sentry.org" in done.stderr
