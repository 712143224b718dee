"""The Dockerfile: hadolint-clean, built the way docs/operating.md says, and its command serves.

No Docker engine runs here, so the image's own command line (CMD, ENV, HEALTHCHECK)
is read from the Dockerfile and run outside Docker against a temporary config.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.support.live import demo_config, write_config
from tests.support.process import run_server

pytestmark = pytest.mark.processes  # each test starts a process (make check skips it)

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
VENV_BIN = Path(sys.executable).parent


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined, current = [], ""
    for line in DOCKERFILE.read_text().splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        current += line.rstrip().removesuffix("\\") + " "
        if not line.rstrip().endswith("\\"):
            joined.append(current.strip())
            current = ""
    return [(i.split(None, 1)[0].upper(), i.split(None, 1)[1]) for i in joined]


def image_env() -> dict[str, str]:
    """The ENV of the final stage (ARG defaults substituted)."""
    stages: list[dict[str, str]] = []
    args: dict[str, str] = {}
    for name, rest in instructions():
        if name == "FROM":
            stages.append({})
        elif name == "ARG" and "=" in rest:
            key, _, value = rest.partition("=")
            args[key] = value.strip('"')
        elif name == "ENV" and stages:
            for token in shlex.split(rest):
                key, _, value = token.partition("=")
                value = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), ""), value)
                stages[-1][key] = value
    return stages[-1]


def exec_form(name: str) -> list[str]:
    rest = [r for n, r in instructions() if n == name][-1]
    if name == "HEALTHCHECK":
        rest = rest.split("CMD", 1)[1]
    parsed: list[str] = json.loads(rest)
    return parsed


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_it_passes_hadolint() -> None:
    done = subprocess.run(
        [str(VENV_BIN / "hadolint"), "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == ""


def test_it_is_multi_stage_on_a_pinned_slim_base_and_runs_as_non_root() -> None:
    steps = instructions()
    froms = [rest for name, rest in steps if name == "FROM"]
    assert len(froms) >= 2
    base = next(rest for name, rest in steps if name == "ARG" and rest.startswith("PYTHON_IMAGE"))
    assert re.fullmatch(r'PYTHON_IMAGE="?python:\d+\.\d+\.\d+-slim-\w+"?', base), base
    user = [rest for name, rest in steps if name == "USER"][-1]
    assert user.split(":")[0].isdigit() and int(user.split(":")[0]) != 0
    assert "/healthz" in " ".join(exec_form("HEALTHCHECK"))
    for name, rest in steps:
        if name == "COPY" and "--from" not in rest:
            for source in rest.split()[:-1]:
                assert (ROOT / source).exists(), f"COPY {source}: no such path"


def test_it_documents_the_config_path_and_keeps_secrets_out_of_the_image() -> None:
    env = image_env()
    assert env["WALLBOARD_CONFIG"] == "/etc/wallboard/config.toml"
    operating = (ROOT / "docs" / "operating.md").read_text()
    assert "/etc/wallboard/config.toml" in operating
    assert not any(re.search(r"TOKEN|SECRET|PASSWORD|DSN", key) for key in env)
    ignored = (ROOT / ".dockerignore").read_text()
    assert ignored.splitlines()[1] == "**", "the build context must be an allow-list"


def test_it_serves_healthz_when_the_image_command_runs_outside_docker(tmp_path: Path) -> None:
    config = write_config(tmp_path, demo_config("1s"))
    env = image_env()
    env.update(
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}",  # /opt/venv/bin in the image
        WALLBOARD_CONFIG=str(config),  # the mounted file in the image
        WALLBOARD_HOST="127.0.0.1",  # loopback only in tests
        WALLBOARD_PORT=str(free_port()),
        WALLBOARD_PID_FILE=str(tmp_path / "wallboard.pid"),
    )
    with run_server(config, argv=exec_form("CMD"), env=env, cwd=ROOT) as server:
        assert server.url.endswith(f":{env['WALLBOARD_PORT']}")
        with urllib.request.urlopen(server.url + "/healthz", timeout=5) as resp:
            assert json.loads(resp.read()) == {"status": "ok"}
        probe = subprocess.run(
            exec_form("HEALTHCHECK"), env={**os.environ, **env}, timeout=30, capture_output=True
        )
        assert probe.returncode == 0, probe.stderr
        assert (tmp_path / "wallboard.pid").read_text().strip() == str(server.proc.pid)


def test_the_state_file_lives_on_a_volume_the_non_root_user_owns() -> None:
    env = image_env()
    state = Path(env["WALLBOARD_STATE_PATH"])
    steps = instructions()
    volumes = [json.loads(rest) for name, rest in steps if name == "VOLUME"]
    assert [str(state.parent)] in volumes
    runs = " ".join(rest for name, rest in steps if name == "RUN")
    assert f"chown 10001:10001 {state.parent}" in runs
