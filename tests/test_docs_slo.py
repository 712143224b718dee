"""docs/slo-and-deploys.md: its config examples load, its rules pass promtool, its factors hold."""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest

from collectors import slo
from tests.support.paths import ROOT
from wallboard.config import loader as config_mod

DOC = (ROOT / "docs" / "slo-and-deploys.md").read_text()
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", DOC, re.S)
ENV = {"WALLBOARD_DEPLOY_TOKEN": "t"}


def test_every_toml_example_loads_as_one_config() -> None:
    text = "\n".join(body for lang, body in BLOCKS if lang == "toml")
    data = tomllib.loads(text)
    panels = list(data["panels"])
    assert {"availability", "availability_rules", "availability_sloth"} <= set(panels)
    data["teams"] = {"payments": {"panels": panels}, "ledger": {"panels": panels}}
    config = config_mod.parse(data, env=ENV)
    assert {p.kind for p in config.teams["payments"].panels} == {"slo"}
    assert config.deploys.services["payments-api"] == "payments"


@pytest.mark.processes
def test_the_recording_rules_pass_promtool(tmp_path: Path) -> None:
    rules = next(body for lang, body in BLOCKS if lang == "yaml" and "groups:" in body)
    path = tmp_path / "rules.yml"
    path.write_text(rules)
    result = subprocess.run(
        ["/usr/bin/promtool", "check", "rules", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("days", [30, 28])
def test_the_factor_table_is_the_rule(days: int) -> None:
    column = 3 if days == 30 else 4
    rows = [r for r in DOC.splitlines() if re.match(r"\| \d+ [hd], \d+ [mh] ", r)]
    assert len(rows) == len(slo.PAIRS)
    for row, pair in zip(rows, slo.PAIRS, strict=True):
        written = float(row.split("|")[column + 1])
        assert written == pytest.approx(pair.factor(days * slo.DAY), abs=0.005)
