"""Never a guess: a failing vendor keeps the on-call names, said to be old ("as of 14:02"),
and its incidents panel goes unknown, never "none open"; a restart shows the names at once."""

from __future__ import annotations

import time
from pathlib import Path

from tests.oncall.doubles import Answer
from tests.oncall.pagerduty_double import OnCall, PagerDuty, incident, serve
from tests.oncall.support import PANELS, teams_toml
from tests.support.live import write_config
from wallboard.config import loader as config_mod
from wallboard.server import open_state
from wallboard.views.oncall import clock_time
from wallboard.wall import Wall


def config(url: str, state: str) -> str:
    return (
        f'{state}[sources.vendor]\ntype = "pagerduty"\nurl = "{url}"\n'
        'token_env = "PD_TOKEN"\ninterval = "1h"\ntimezone = "Europe/Berlin"\n'
        + PANELS.format(source="vendor")
        + teams_toml({"payments": {"pagerduty_escalation_policies": ["PEPPAY"]}})
    )


def panel(wall: Wall, panel_id: str) -> dict:  # type: ignore[type-arg]
    view = wall.views.get("payments").plain(history=False)
    return next(p for p in view["panels"] if p["id"] == panel_id)


def test_a_restart_shows_the_names_at_once_and_a_failing_vendor_keeps_them_as_of(
    tmp_path: Path,
) -> None:
    pd = PagerDuty()
    double = serve(pd)
    now = time.time()
    pd.users = {"UADA": "Ada Lovelace", "UBO": "Bo Diddley"}
    pd.oncalls = [
        OnCall("PEPPAY", 1, "UADA", now - 3600, now + 86400),
        OnCall("PEPPAY", 1, "UBO", now + 86400, now + 8 * 86400),
    ]
    pd.incidents = []  # nothing open: "none open" while PagerDuty answers
    env = {"PD_TOKEN": pd.token}
    path = write_config(tmp_path, config(double.url, f'[state]\npath = "{tmp_path}/state.db"\n'))
    first = Wall(config_mod.load(path, env=env), env=env, build="t")
    first.state = open_state(first)
    first.poller.collect("vendor")
    good = panel(first, "oncall")
    assert (good["display"], good["status"]) == ("Ada Lovelace", "ok")
    assert panel(first, "incidents")["display"] == "none open"
    fetched = good["updated_at"]
    first.stop()

    # PagerDuty now answers 500 to everything; the wall restarts.
    pd.incidents.append(incident("PX", 1, "unseen", "triggered", now, "PEPPAY"))
    double.routes.clear()
    double.route(r".*", lambda m, a: Answer(500, {"error": {"message": "Internal", "code": 1}}))
    wall = Wall(config_mod.load(path, env=env), env=env, build="t")
    wall.state = open_state(wall)
    try:
        restored = panel(wall, "oncall")  # before any cycle: the name, with its true age
        assert (restored["display"], restored["updated_at"]) == ("Ada Lovelace", fetched)
        handover = wall.sources["vendor"].next_wakeup()  # the rota came back too
        assert handover is not None and abs(handover - (now + 86400)) < 5

        wall.poller.collect("vendor")
        kept = panel(wall, "oncall")
        assert kept["display"] == "Ada Lovelace"  # never blank
        assert kept["status"] == "unknown" and kept["error"]
        assert kept["oncall"].startswith(f"as of {clock_time(fetched, 'Europe/Berlin')} · level 1")
        open_ = panel(wall, "incidents")
        assert (open_["display"], open_["status"], open_["items"]) == ("unknown", "unknown", [])
        assert wall.board.team_status("payments") == "unknown"
    finally:
        wall.stop()
        double.close()
