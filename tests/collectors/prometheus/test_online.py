"""``wallboard check-config --online`` catches "no data" against the real Prometheus."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from wallboard import cli

pytestmark = [pytest.mark.prometheus, pytest.mark.xdist_group("prometheus")]

RATIO = (
    'sum by (team) (rate(http_requests_total{code=~"5.."}[10s]))'
    " / sum by (team) (rate(http_requests_total[10s]))"
)


def write(tmp_path: Path, url: str, teams: list[str], panels: str, source: str = "") -> Path:
    text = f"""
[sources.prom]
type = "prometheus"
url = "{url}"
timeout = "5s"
{source}
{panels}
"""
    ids = [line.split(".", 1)[1].rstrip("]") for line in panels.split() if "[panels." in line]
    for team in teams:
        text += f"\n[teams.{team}]\npanels = {ids!r}\n".replace("'", '"')
    path = tmp_path / "wall.toml"
    path.write_text(text)
    return path


def metric(pid: str, query: str = RATIO, extra: str = "") -> str:
    return f"""
[panels.{pid}]
title = "{pid}"
source = "prom"
unit = "percent"
query = '{query}'
{extra}
"""


def check(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = cli.main(["check-config", "--online", str(path)])
    out = capsys.readouterr()
    return status, out.out + out.err


def test_a_wrong_team_label_fails_listing_the_values_seen(
    prom: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Team ids that are not the label's values: no team can ever show data.
    path = write(tmp_path, prom.url, ["pay", "checkout"], metric("ratio"))
    status, text = check(path, capsys)
    assert status == 1
    assert (
        f"{path}: panels.ratio.query: team label `team`: no series for pay, checkout; "
        "seen: idle, payments, search"
    ) in text
    # A label name the query's result does not carry.
    path = write(tmp_path, prom.url, ["payments"], metric("ratio"), 'team_label = "service"')
    status, text = check(path, capsys)
    assert status == 1
    assert "team label `service`: no series carries this label (labels seen: team)" in text
    # The right label passes.
    path = write(tmp_path, prom.url, ["payments", "search"], metric("ratio"))
    status, text = check(path, capsys)
    assert status == 0 and "warning" not in text
    assert text.endswith("online: every upstream accepted its queries and every panel has data\n")


def test_a_team_without_data_is_a_warning_with_the_values_seen(
    prom: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, prom.url, ["payments", "pay"], metric("ratio"))
    status, text = check(path, capsys)
    assert status == 0
    assert (
        f"warning: {path}: panels.ratio.query: team label `team`: no series for pay; "
        "seen: idle, payments, search"
    ) in text


def test_a_missing_metric_and_a_missing_recording_rule_are_named(
    prom: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    slo = """
[panels.availability]
title = "availability"
source = "prom"
kind = "slo"
objective = 99.9
ratio = 'slo:sli_error:ratio_rate{{window}}'
"""
    typo = metric("typo", "sum by (team) (rate(http_request_total[5m]))")
    path = write(tmp_path, prom.url, ["payments"], slo + typo)
    status, text = check(path, capsys)
    assert status == 1
    assert (
        "panels.availability.ratio: window 30d returned no data for any team: recording rule "
        "or metric `slo:sli_error:ratio_rate30d` has no series"
    ) in text
    assert (
        "panels.typo.query: the query returned no series at all; no series for `http_request_total`"
    ) in text
