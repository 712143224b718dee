"""A real package: the wheel ``python -m build --wheel`` makes serves the demo wall on its own.

Built from this checkout, installed into a fresh virtualenv in a temporary folder
(dependencies from pip's cache or the registry), and run from there with the
working directory outside the checkout: templates, static files and fonts must
come from the installed package, not from the repository beside it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.support.live import demo_config, write_config
from tests.support.paths import ROOT
from tests.support.process import run_server

SHIPPED = ("templates/team.html", "static/wall.css", "static/fonts/DejaVuSans.ttf")


def fetch(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.status, resp.read()


# One worker runs the module: the wheel is built once, and one build at a time writes
# into the checkout (setuptools' egg-info).
pytestmark = [pytest.mark.processes, pytest.mark.xdist_group("packaging")]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        # The wheel straight from the tree, as the Dockerfile's `pip wheel .` makes it.
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    wheels = list(out.glob("wallboard-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_the_wheel_carries_templates_static_files_and_fonts(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in SHIPPED:
        assert f"wallboard/{name}" in names, name
    assert "collectors/sentry/webhook.py" in names and "wallboard/screens/pages.py" in names
    # The wheel's copies are the checkout's files, byte for byte.
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("wallboard/static/wall.css") == (ROOT / "static/wall.css").read_bytes()


@pytest.mark.timeout(900)
def test_the_installed_wheel_serves_the_demo_wall_outside_the_checkout(
    wheel: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    # No pip of its own and no bytecode written ahead: this suite's pip installs into it,
    # and the server compiles what it imports (a third of the test's CPU, saved).
    venv_argv = [sys.executable, "-m", "venv", "--without-pip", str(venv)]
    subprocess.run(venv_argv, check=True, timeout=120)
    pip = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install"]
    subprocess.run(
        [*pip, "--quiet", "--no-compile", "--disable-pip-version-check", str(wheel)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    env = {"PYTHONPATH": "", "WALLBOARD_BUILD_ID": ""}  # nothing points back at the checkout
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import wallboard.assets as a; print(a.STATIC)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env={**os.environ, **env},
        timeout=60,
    ).stdout.strip()
    assert Path(where).is_relative_to(venv), where

    config = write_config(tmp_path, demo_config("1s"))
    argv = [str(venv / "bin" / "wallboard"), "serve", "--config", str(config)]
    argv += ["--host", "127.0.0.1", "--port", "0"]
    with run_server(config, argv=argv, cwd=tmp_path, env=env) as server:
        status, page = fetch(server.url + "/")
        assert status == 200 and b"test wall" in page
        status, page = fetch(server.url + "/teams/payments")
        assert status == 200 and b"Payments" in page and b"HTTP 5xx rate" in page
        for name in ("static/wall.css", "static/fonts/DejaVuSans.ttf"):
            status, body = fetch(f"{server.url}/{name}")
            assert status == 200 and body == (ROOT / name).read_bytes(), name
