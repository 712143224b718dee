"""The sentry source against a faithful Sentry double on loopback: values, batching, limits."""

from __future__ import annotations

import logging
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime

import pytest

from collectors.sentry.api import hhmm
from tests.support.live import serve_wall, write_config
from tests.support.paths import ROOT
from tests.support.sentry_double import ALL_SCOPES, SentryDouble
from tests.support.sentry_wall import wall_config
from wallboard.config import loader as config_mod
from wallboard.wall import Wall

TOKEN = "sntrys_" + "9f3c1d2e7a6b5c4d" * 3
SECRET = "whsec-client-secret-for-tests"
ENV = {"SENTRY_AUTH_TOKEN": TOKEN, "SENTRY_CLIENT_SECRET": SECRET}


@pytest.fixture
def double() -> Iterator[SentryDouble]:
    with SentryDouble(tokens={TOKEN: ALL_SCOPES}).serve() as running:
        yield running


def make_wall(text: str, env: dict[str, str] | None = None) -> Wall:
    config = config_mod.parse(tomllib.loads(text), env=env or ENV)
    return Wall(config, env=env or ENV, build="test")


def panels(wall: Wall, team: str) -> dict[str, object]:
    _, states = wall.board.team_panels(team)
    return {s.panel.id: s for s in states}


def seed(double: SentryDouble) -> None:
    """Two wall teams: payments names its projects, search is a Sentry team with two."""
    double.add_project("checkout")
    double.add_project("ledger")
    double.add_project("search-api", team="search-team")
    double.add_project("indexer", team="search-team")
    double.add_project("unrelated")
    double.add_issue("checkout", "KeyError: 'amount'", count=150, users=12, age=600)
    double.add_issue("checkout", "TimeoutError", count=40, users=3, age=7200)
    double.add_issue("ledger", "ZeroDivisionError", count=9, users=1, age=86400 * 5)
    double.add_issue("ledger", "Old and fixed", count=999, status="resolved")
    double.add_issue("search-api", "IndexError", count=70, users=5, age=1800)
    double.add_issue("indexer", "ConnectionResetError", count=3, users=1, age=40000)
    double.add_issue("unrelated", "Not ours", count=5000)
    double.set_events("checkout", 120, filtered=50)
    double.set_events("ledger", 30)
    double.set_events("search-api", 77, rate_limited=9)
    double.set_events("unrelated", 100000)


TWO_TEAMS = {
    "payments": 'sentry_projects = ["checkout", "ledger"]',
    "search": 'sentry_team = "search-team"',
}


def expected(double: SentryDouble, slugs: set[str]) -> dict[str, object]:
    """What a person reading the double's data would count for these projects."""
    now = time.time()
    mine = [
        i for i in double.issues if i["project"]["slug"] in slugs and i["status"] == "unresolved"
    ]

    def first_seen(issue: dict[str, object]) -> float:
        return datetime.fromisoformat(str(issue["firstSeen"]).replace("Z", "+00:00")).timestamp()

    ids = {int(double.project(s)["id"]) for s in slugs}
    return {
        "unresolved": len(mine),
        "new_1h": sum(1 for i in mine if first_seen(i) >= now - 3600),
        "new_24h": sum(1 for i in mine if first_seen(i) >= now - 86400),
        "events": sum(
            n for (p, outcome), n in double.events.items() if p in ids and outcome == "accepted"
        ),
        "top": [i["title"] for i in sorted(mine, key=lambda i: -int(i["count"]))[:3]],
    }


def test_it_shows_the_doubles_numbers_on_each_teams_panels(double: SentryDouble) -> None:
    seed(double)
    wall = make_wall(wall_config(double.url, TWO_TEAMS))
    wall.poller.collect("sentry")
    for team, slugs in (
        ("payments", {"checkout", "ledger"}),
        ("search", {"search-api", "indexer"}),
    ):
        want = expected(double, slugs)
        got = panels(wall, team)
        for pid in ("unresolved", "new_1h", "new_24h", "events"):
            assert got[pid].error is None, got[pid].error
            assert got[pid].value == want[pid], (team, pid)
        assert [item.title for item in got["top"].items] == want["top"]
        assert got["top"].value == want["unresolved"]
    top = panels(wall, "payments")["top"].items[0]
    source_issue = next(i for i in double.issues if i["title"] == top.title)
    assert top.meta["events"] == int(source_issue["count"])  # a string in the API
    assert top.meta["users"] == source_issue["userCount"]
    assert top.meta["short_id"] == source_issue["shortId"]
    assert top.link == source_issue["permalink"]
    assert top.status == "crit"
    assert 500 < top.meta["age"] < 700


def test_it_makes_the_same_number_of_requests_for_2_and_40_teams(double: SentryDouble) -> None:
    for n in range(40):
        double.add_project(f"svc-{n}")
        double.add_issue(f"svc-{n}", f"Error in service {n}", count=n + 1)
        double.set_events(f"svc-{n}", n)
    per_cycle = {}
    for teams in (2, 40):
        mapping = {
            f"team{n}": f"sentry_projects = [{double.projects[n]['id']}]" for n in range(teams)
        }
        wall = make_wall(wall_config(double.url, mapping))
        wall.poller.collect("sentry")  # the first cycle may also resolve project mappings
        before = double.counts()
        wall.poller.collect("sentry")
        per_cycle[teams] = double.counts() - before
        assert panels(wall, f"team{teams - 1}")["unresolved"].value == 1
    assert per_cycle[2] == per_cycle[40]
    assert per_cycle[40] == {"issues": 1, "stats": 1}


def test_it_resolves_sentry_teams_once_and_not_every_cycle(double: SentryDouble) -> None:
    seed(double)
    wall = make_wall(wall_config(double.url, TWO_TEAMS))
    wall.poller.collect("sentry")
    first = double.counts()
    wall.poller.collect("sentry")
    second = double.counts() - first
    assert first["team_projects"] == 1 and first["projects"] == 1
    assert second == {"issues": 1, "stats": 1}


def test_it_spreads_sentry_team_refreshes_over_cycles(double: SentryDouble) -> None:
    mapping = {}
    for n in range(40):
        double.add_project(f"svc-{n}", team=f"squad-{n}")
        mapping[f"team{n}"] = f'sentry_team = "squad-{n}"'
    # 40 teams, one cycle per 1 s (the shortest interval), refresh every 10 s: 4 lookups a cycle.
    text = wall_config(double.url, mapping, interval="1s", extra='projects_refresh = "10s"')
    wall = make_wall(text)
    seen = []
    for pause in (0.0, 10.1, 0.0):
        time.sleep(pause)
        before = double.counts()
        wall.poller.collect("sentry")
        seen.append(double.counts() - before)
    assert seen[0] == {"team_projects": 40, "issues": 1, "stats": 1}
    assert seen[1] == {"team_projects": 4, "issues": 1, "stats": 1}
    assert seen[2] == {"team_projects": 4, "issues": 1, "stats": 1}
    asked = [r.path.split("/")[-3] for r in double.recorded if r.endpoint == "team_projects"]
    assert len(set(asked[40:48])) == 8  # the second round asks for different teams
    assert panels(wall, "team39")["unresolved"].error is None


def test_it_follows_link_cursors_on_its_own_url_until_results_false(double: SentryDouble) -> None:
    double.add_project("busy")
    for n in range(250):
        double.add_issue("busy", f"Error {n}", count=1000 - n)
    double.link_host = "http://sentry-internal.invalid:9000"  # never to be asked
    wall = make_wall(wall_config(double.url, {"busy": 'sentry_projects = ["busy"]'}))
    wall.poller.collect("sentry")
    calls = [r for r in double.recorded if r.endpoint == "issues"]
    assert len(calls) == 3
    assert [c.query.get("cursor") for c in calls] == [None, ["0:100:0"], ["0:200:0"]]
    assert all(c.query["project"] == [double.project("busy")["id"]] for c in calls)
    assert panels(wall, "busy")["unresolved"].value == 250
    assert panels(wall, "busy")["unresolved"].text is None


def test_it_stops_at_the_page_cap_and_says_counts_are_lower_bounds(
    double: SentryDouble,
) -> None:
    double.add_project("busy")
    for n in range(250):
        double.add_issue("busy", f"Error {n}", count=1000 - n)
    wall = make_wall(wall_config(double.url, {"busy": 'sentry_projects = ["busy"]'}, max_pages=2))
    wall.poller.collect("sentry")
    assert double.count("issues") == 2
    assert panels(wall, "busy")["unresolved"].text == "200+"
    assert any("250" in w for w in wall.board.sources["sentry"].warnings)


def test_it_waits_for_the_reset_after_a_429(double: SentryDouble) -> None:
    seed(double)
    double.limit("issues", 5, 3.0)
    wall = make_wall(wall_config(double.url, TWO_TEAMS))
    wall.poller.collect("sentry")
    good = panels(wall, "payments")["unresolved"].value
    double.exhaust("issues")  # another client of this token spent the window
    reset = double.limits["issues"].ends
    wall.poller.collect("sentry")
    state = panels(wall, "payments")["unresolved"]
    assert state.error == f"rate limited until {hhmm(-(-reset // 1))}"
    assert state.value == good  # the last good value stays on the wall
    assert panels(wall, "payments")["events"].error is None  # stats have their own window
    assert any("rate limited until" in w for w in wall.board.sources["sentry"].warnings)
    asked = double.count("issues")
    wall.poller.collect("sentry")
    assert double.count("issues") == asked  # no request before the reset
    time.sleep(max(0.0, reset + 1 - time.time()))
    wall.poller.collect("sentry")
    assert double.count("issues") == asked + 1
    assert panels(wall, "payments")["unresolved"].error is None


def test_it_does_not_spend_a_request_when_the_window_is_used_up(double: SentryDouble) -> None:
    seed(double)
    double.limit("issues", 1, 30.0)
    wall = make_wall(wall_config(double.url, TWO_TEAMS))
    wall.poller.collect("sentry")
    assert panels(wall, "payments")["unresolved"].error is None
    wall.poller.collect("sentry")
    assert double.count("issues") == 1
    assert "rate limited until" in str(panels(wall, "payments")["unresolved"].error)
    assert not [r for r in double.recorded if r.status == 429]


def test_it_honours_retry_after_when_an_edge_sends_one(double: SentryDouble) -> None:
    seed(double)
    double.limit("issues", 5, 1.0)
    double.edge_retry_after = 600
    wall = make_wall(wall_config(double.url, TWO_TEAMS))
    double.exhaust("issues")
    wall.poller.collect("sentry")
    assert double.count("issues") == 1  # not retried inside the cycle either
    error = panels(wall, "payments")["unresolved"].error
    assert error in {f"rate limited until {hhmm(time.time() + 600 + d)}" for d in (-2, 0, 2)}


def test_it_shows_token_rejected_and_does_not_retry_tightly(double: SentryDouble) -> None:
    seed(double)
    env = {**ENV, "SENTRY_AUTH_TOKEN": "sntrys_revoked_token_value"}
    wall = make_wall(wall_config(double.url, TWO_TEAMS), env)
    wall.poller.collect("sentry")
    source = wall.board.sources["sentry"]
    assert "token rejected" in str(source.last_error)
    assert "Invalid token" in str(source.last_error)
    assert "sources.sentry.token_env" in str(source.last_error)
    assert "sntrys_revoked_token_value" not in str(source.last_error)
    assert panels(wall, "payments")["unresolved"].error == source.last_error
    asked = double.count()
    wall.poller.collect("sentry")
    assert double.count() == asked


def test_it_says_which_scope_is_missing_when_sentry_answers_403(double: SentryDouble) -> None:
    seed(double)
    double.tokens[TOKEN] = frozenset({"event:read", "project:read"})  # no org:read
    wall = make_wall(wall_config(double.url, TWO_TEAMS))
    wall.poller.collect("sentry")
    assert panels(wall, "payments")["unresolved"].error is None
    error = str(panels(wall, "payments")["events"].error)
    assert "token rejected" in error and "permission" in error


def test_it_names_the_org_key_path_when_the_organisation_is_unknown(double: SentryDouble) -> None:
    seed(double)
    double.org = "someone-else"
    mapping = {"payments": f"sentry_projects = [{double.project('checkout')['id']}]"}
    wall = make_wall(wall_config(double.url, mapping))
    wall.poller.collect("sentry")
    state = panels(wall, "payments")["unresolved"]
    assert state.error == 'HTTP 404: organisation "acme" not found (sources.sentry.org)'
    assert state.config_error


def test_it_treats_server_errors_as_transient_and_keeps_the_last_value(
    double: SentryDouble,
) -> None:
    seed(double)
    wall = make_wall(wall_config(double.url, TWO_TEAMS))
    wall.poller.collect("sentry")
    good = panels(wall, "search")["unresolved"].value
    double.fail_next("issues", 502)  # retried by the shared layer within the cycle
    wall.poller.collect("sentry")
    assert panels(wall, "search")["unresolved"].error is None
    double.fail_next("issues", 500)
    wall.poller.collect("sentry")
    state = panels(wall, "search")["unresolved"]
    assert state.error is not None and state.error.startswith("HTTP 500")
    assert state.value == good
    wall.poller.collect("sentry")
    assert panels(wall, "search")["unresolved"].error is None


def test_it_shows_a_timeout_as_transient_within_the_cycle_deadline(double: SentryDouble) -> None:
    seed(double)
    wall = make_wall(wall_config(double.url, TWO_TEAMS, timeout="1s"))
    wall.poller.collect("sentry")
    double.delay = 3.0  # Sentry answers the listing after the wall's timeout
    started = time.monotonic()
    wall.poller.collect("sentry")
    took = time.monotonic() - started
    state = panels(wall, "payments")["unresolved"]
    assert "timeout" in str(state.error) or "deadline" in str(state.error)
    assert state.value is not None  # the last good value stays
    assert took < 2.0


def test_it_works_against_self_hosted_sentry_without_rate_limit_headers(
    double: SentryDouble,
) -> None:
    seed(double)
    double.self_hosted = True
    double.limit("issues", 1, 60.0)  # ignored: self-hosted has no per-endpoint limits
    wall = make_wall(wall_config(double.url, TWO_TEAMS))
    for _ in range(3):
        wall.poller.collect("sentry")
    assert double.count("issues") == 3
    assert panels(wall, "payments")["unresolved"].error is None


def test_it_reports_an_unknown_sentry_team_on_that_team_only(double: SentryDouble) -> None:
    seed(double)
    mapping = {**TWO_TEAMS, "search": 'sentry_team = "no-such-team"'}
    wall = make_wall(wall_config(double.url, mapping))
    wall.poller.collect("sentry")
    error = panels(wall, "search")["unresolved"].error
    assert error == 'HTTP 404: Sentry team "no-such-team" not found (teams.search.sentry_team)'
    assert panels(wall, "payments")["unresolved"].error is None


def test_it_rejects_a_team_with_both_projects_and_a_sentry_team(double: SentryDouble) -> None:
    mapping = {"payments": 'sentry_projects = ["a"]\nsentry_team = "b"'}
    with pytest.raises(config_mod.ConfigError) as caught:
        make_wall(wall_config(double.url, mapping))
    assert "teams.payments: set sentry_projects or sentry_team, not both" in str(caught.value)


def test_it_names_the_token_env_key_when_the_variable_is_missing(double: SentryDouble) -> None:
    with pytest.raises(config_mod.ConfigError) as caught:
        make_wall(wall_config(double.url, TWO_TEAMS), {"SENTRY_CLIENT_SECRET": SECRET})
    assert "sources.sentry.token_env: environment variable SENTRY_AUTH_TOKEN" in str(caught.value)


HOSTILE = "<img src=x onerror=alert(1)> in <script>alert('t')</script> & \"quotes\""


def test_it_keeps_hostile_titles_intact_and_never_emits_them_unescaped(
    double: SentryDouble, tmp_path
) -> None:
    seed(double)
    double.add_issue("checkout", HOSTILE, count=10**6, age=60)  # new: listed first
    path = write_config(tmp_path, wall_config(double.url, TWO_TEAMS))
    with serve_wall(path, env=ENV, schedule=False) as live:
        live.wall.poller.collect("sentry")
        assert panels(live.wall, "payments")["top"].items[0].title == HOSTILE
        page = urllib.request.urlopen(f"{live.url}/teams/payments", timeout=5).read().decode()
    assert "<img src=x" not in page and "<script>alert" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;script&gt;alert(" in page


def test_it_never_shows_the_token_in_pages_answers_or_logs(
    double: SentryDouble, tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    seed(double)
    caplog.set_level(logging.DEBUG)
    path = write_config(tmp_path, wall_config(double.url, TWO_TEAMS))
    bodies = []
    with serve_wall(path, env=ENV, schedule=False) as live:
        live.wall.poller.collect("sentry")
        double.tokens.clear()  # now the token is refused: the error path must not leak it
        live.wall.poller.collect("sentry")
        assert "token rejected" in str(live.wall.board.sources["sentry"].last_error)
        rules = [r for r in live.app.url_map.iter_rules() if "GET" in (r.methods or ())]
        for rule in rules:
            if rule.arguments - {"team"} or rule.rule.startswith(("/ws", "/static")):
                continue
            url = live.url + rule.rule.replace("<team>", "payments")
            try:
                bodies.append(urllib.request.urlopen(url, timeout=5).read())
            except urllib.error.HTTPError as exc:
                bodies.append(exc.read())
    assert len(bodies) >= 3
    assert all(TOKEN.encode() not in body for body in bodies)
    assert TOKEN not in caplog.text
    assert any("token rejected" in r.getMessage() for r in caplog.records)


def test_it_accepts_the_documented_example() -> None:
    page = (ROOT / "docs/sources/sentry.md").read_text()
    example = page[page.index("```toml") + 7 : page.index("```\n", page.index("```toml") + 7)]
    config = config_mod.parse(tomllib.loads(example), env=ENV)
    assert config.sources["sentry"].type == "sentry"
    assert config.teams["search"].options["sentry"].sentry_team == "search"


def test_it_checks_org_token_and_teams_online(double: SentryDouble) -> None:
    seed(double)
    mapping = {**TWO_TEAMS, "search": 'sentry_team = "no-such-team"'}
    wall = make_wall(wall_config(double.url, mapping))
    problems = wall.sources["sentry"].check_online(time.monotonic() + 5)
    assert problems == [
        (
            "teams.search",
            'HTTP 404: Sentry team "no-such-team" not found (teams.search.sentry_team)',
        )
    ]
    double.org = "another-org"
    wall = make_wall(wall_config(double.url, TWO_TEAMS))
    [(key, reason)] = wall.sources["sentry"].check_online(time.monotonic() + 5)
    assert key == "sources.sentry.org" and "not found" in reason
    double.org = "acme"
    wall = make_wall(wall_config(double.url, TWO_TEAMS), {**ENV, "SENTRY_AUTH_TOKEN": "nope"})
    [(key, reason)] = wall.sources["sentry"].check_online(time.monotonic() + 5)
    assert key == "sources.sentry.token_env" and "token rejected" in reason


def test_it_names_the_key_path_of_a_bad_url_and_org() -> None:
    text = wall_config("ftp://sentry.example.com", TWO_TEAMS).replace(
        'org = "acme"', 'org = "acme corp"'
    )
    with pytest.raises(config_mod.ConfigError) as caught:
        make_wall(text)
    message = str(caught.value)
    assert 'sources.sentry.url: expected an http:// or https:// URL, got "ftp://' in message
    assert "sources.sentry.org: String should match pattern" in message


def test_it_accepts_the_api_root_as_the_url(double: SentryDouble) -> None:
    seed(double)
    wall = make_wall(wall_config(f"{double.url}/api/0/", TWO_TEAMS))
    wall.poller.collect("sentry")
    assert panels(wall, "payments")["unresolved"].error is None
