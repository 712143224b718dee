"""Two clocks in a running poller: the name changes at the handover, not an interval later,
and fifty teams handing over at once cost one rota request, not fifty."""

from __future__ import annotations

import time
from pathlib import Path

from tests.oncall.pagerduty_double import OnCall, PagerDuty, serve
from tests.oncall.support import PANELS, teams_toml
from tests.support.daemons import wait_until
from tests.support.live import write_config
from wallboard.config import loader as config_mod
from wallboard.wall import Wall

TEAMS = 50
LEAD = 6.0  # seconds from building the wall to the handover: room for a slow first cycle


def test_the_name_changes_within_five_seconds_of_the_shift_end_without_a_storm(
    tmp_path: Path,
) -> None:
    pd = PagerDuty()
    double = serve(pd)
    end = time.time() + LEAD
    teams = {}
    for n in range(TEAMS):
        pd.users[f"UA{n:04d}"], pd.users[f"UB{n:04d}"] = f"Ada {n}", f"Bo {n}"
        pd.oncalls += [
            OnCall(f"PEP{n:04d}", 1, f"UA{n:04d}", end - 86400, end),
            OnCall(f"PEP{n:04d}", 1, f"UB{n:04d}", end, end + 86400),
        ]
        teams[f"team{n}"] = {"pagerduty_escalation_policies": [f"PEP{n:04d}"]}
    text = (
        f'[state]\nbackend = "memory"\n[sources.vendor]\ntype = "pagerduty"\nurl = "{double.url}"\n'
        'token_env = "PD_TOKEN"\ninterval = "5m"\n'
        + PANELS.format(source="vendor")
        + teams_toml(teams)
    )
    env = {"PD_TOKEN": pd.token}
    wall = Wall(config_mod.load(write_config(tmp_path, text), env=env), env=env, build="t")

    def shown(team: str) -> str | None:
        return next(s.text for s in wall.board.team_panels(team)[1] if s.panel.id == "oncall")

    wall.poller.resume()
    try:
        wait_until(lambda: shown("team0") == "Ada 0", 10, "the first cycle")
        assert double.count("/oncalls") == 1  # 100 on-calls: one page, all teams
        wait_until(lambda: shown("team49") == "Bo 49", LEAD + 15, "the handover")
        changed = time.time()
        assert changed - end < 5.0, f"the name changed {changed - end:.1f} s after the shift end"
        assert all(shown(f"team{n}") == f"Bo {n}" for n in range(TEAMS))
        # One wake-up for fifty handovers, and no rota request at all: the names came from
        # the shifts already known (the refresh keeps its minute's gap); one incidents request.
        assert double.count("/oncalls") == 1
        assert double.count("/incidents") == 2
    finally:
        wall.poller.pause()
        double.close()
