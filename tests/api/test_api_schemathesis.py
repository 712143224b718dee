"""Schemathesis against the wall's own OpenAPI document, served live on loopback.

The schemathesis CLI runs every phase (examples, coverage, fuzzing, stateful)
with every check (no 5xx, status codes, content types, headers and bodies as
documented, bad input refused, methods not allowed answered with 405, the
token not ignored). Its ``pytest`` plug-in (``from_fixture``) fails on pytest
9 (``Function`` has no ``_nodeid``), so the CLI is the runner here.

Tokens and Slack signing are configured: requests carry the token and
schemathesis checks that they are refused without it; the Slack command,
which schemathesis cannot sign, must answer every request with 401 and never
a 5xx. A fixed seed keeps CI repeatable; examples are bounded for time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from tests.support.api_client import api_config, set_board
from tests.support.live import serve_wall

pytestmark = pytest.mark.processes  # each test starts a process (make check skips it)

TOKEN = "schemathesis-token-6d1f0a"
ENV = {"WB_TOKEN": TOKEN, "WB_SLACK_SECRET": "schemathesis-slack-secret"}
EXTRA = '\n[api]\ntokens_env = ["WB_TOKEN"]\n\n[slack]\nsigning_secret_env = "WB_SLACK_SECRET"\n'
# The same interpreter as pytest, so the pinned schemathesis runs wherever the suite does.
CLI = [sys.executable, "-m", "schemathesis.cli"]


def statuses_by_operation(report_dir: Path) -> dict[str, set[int]]:
    """Every status each operation answered, from schemathesis' NDJSON event log.

    Only requests with the operation's own method count: checks also send
    other methods (405) and OPTIONS (answered by Flask with the Allow list).
    """
    seen: dict[str, set[int]] = defaultdict(set)
    for path in report_dir.glob("*.ndjson"):
        for line in path.read_text().splitlines():
            event = json.loads(line).get("ScenarioFinished")
            if not event:
                continue
            label = event["recorder"]["label"]
            for interaction in event["recorder"].get("interactions", {}).values():
                response = interaction.get("response")
                if response is not None and label.startswith(interaction["request"]["method"]):
                    seen[label].add(response["status_code"])
    return seen


def test_it_conforms_to_its_openapi_document_and_never_fails_with_5xx(tmp_path: Path) -> None:
    with serve_wall(api_config(tmp_path, EXTRA), env=ENV, schedule=False) as live:
        set_board(live.wall, payments_rate=0.062, search_rate=0.004, down=1)
        run = subprocess.run(
            [
                *CLI,
                "run",
                f"{live.url}/api/v1/openapi.json",
                "--checks=all",
                f"--header=Authorization: Bearer {TOKEN}",
                "--max-examples=25",
                "--workers=1",
                "--seed=20261126",
                "--request-timeout=5",
                "--max-response-time=3",  # what Slack allows; every answer is from memory
                "--generation-database=none",
                "--no-color",
                "--report=ndjson",
                f"--report-dir={tmp_path / 'report'}",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=150,
            check=False,
        )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    seen = statuses_by_operation(tmp_path / "report")
    assert all(status < 500 for statuses in seen.values() for status in statuses), seen
    # The run reached the answers people get, not only refusals.
    assert {200, 400, 401, 404} <= seen["GET /api/v1/teams/{team}"]
    assert {200, 401, 404} <= seen["GET /api/v1/teams/{team}/summary"]
    assert {200, 401} <= seen["GET /api/v1/teams"]
    assert seen["POST /api/v1/slack/command"] == {401}
