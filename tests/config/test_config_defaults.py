"""The documented defaults, the shipped config and the Dockerfile agree with the code."""

from __future__ import annotations

import re
import tomllib

from collectors.health.options import HealthOptions
from tests.support.config_defaults import code_rows
from tests.support.paths import ROOT
from wallboard.config.schema import ServerSettings
from wallboard.server_caps import FD_RESERVE, HTTP_RESERVE

DOC = ROOT / "docs" / "configuration-defaults.md"
ROW = re.compile(r"^\| `([^`]+)` \| (\w+) \| `(.*)` \|$")


def documented_rows() -> list[tuple[str, str, str]]:
    matches = (ROW.match(line) for line in DOC.read_text().splitlines())
    return [(m[1], m[2], m[3]) for m in matches if m]


def test_the_defaults_page_lists_every_default_of_the_code_and_nothing_else() -> None:
    documented, code = documented_rows(), code_rows()
    assert len(documented) == len(set(documented)), "a row is listed twice"
    missing = sorted(set(code) - set(documented))
    stale = sorted(set(documented) - set(code))
    assert (missing, stale) == ([], []), f"not documented: {missing}; wrong or gone: {stale}"


def test_the_shipped_health_example_uses_the_code_defaults() -> None:
    text = (ROOT / "config.toml").read_text()
    block = re.search(r"^# \[sources\.health\]\n((?:#.*\n)+?)#\n", text, re.M)
    assert block, "config.toml lost its commented health source example"
    example = tomllib.loads(
        "\n".join(line.removeprefix("#").split("#")[0] for line in block.group(1).splitlines())
    )
    assert example["concurrency"] == HealthOptions.model_fields["concurrency"].default
    assert example["check_timeout"] == "2s"
    assert HealthOptions.model_fields["check_timeout"].default == 2.0


def test_the_dockerfile_open_files_limit_is_the_documented_one_and_enough() -> None:
    (documented,) = re.findall(r"^\| open files \(`nofile`\) \| `(\d+)` \|", DOC.read_text(), re.M)
    (dockerfile,) = re.findall(r"--ulimit nofile=(\d+):\1", (ROOT / "Dockerfile").read_text())
    assert dockerfile == documented
    needed = ServerSettings().max_screens + HTTP_RESERVE + FD_RESERVE
    assert int(documented) >= needed
