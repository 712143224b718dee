"""The ``grafana_oncall`` source (OnCall OSS, Grafana Cloud IRM): schedules and alert groups.

Facts this encodes (docs/sources/grafana-oncall.md): OSS takes ``Authorization: <token>``,
Cloud IRM ``Authorization: Bearer <token>`` plus ``X-Grafana-URL: <stack URL>``; lists
are ``{"count", "next", "previous", "results"}`` pages of 50; every schedule carries
``on_call_now`` (user ids), resolved through ``/api/v1/users/{id}/`` once and remembered;
``/api/v1/alert_groups/`` filters one ``state`` at a time, so open groups are two
requests a cycle (``new``, ``acknowledged``), routed to teams by integration or route.

The list's ``on_call_now`` has been seen to disagree with the schedule's own answer
(``/api/v1/schedules/{id}/``): with ``confirm_with_detail`` (the default) each
configured schedule is asked too, a few at a time, and its own answer wins, with a
warning naming the schedule.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar, cast

from pydantic import Field, model_validator

from collectors.base import SourceContext, TeamTarget, team_options
from collectors.errors import CollectorError
from collectors.oncall.api import vendor_api
from collectors.oncall.pagerduty import ratelimit_reset
from collectors.oncall.rota import ACKNOWLEDGED, TRIGGERED, Incident, Shift
from collectors.oncall.source import OncallOptions, OncallSource
from collectors.oncall.times import maybe_epoch
from collectors.options import EnvName, HttpUrl, Options, SecretFile, require_secret

MAX_PAGES = 40
CONCURRENCY = 4
STATES = (("new", TRIGGERED), ("acknowledged", ACKNOWLEDGED))


class GrafanaOncallOptions(OncallOptions):
    url: HttpUrl  # the OnCall API URL (OnCall → Settings, or the IRM plugin's)
    grafana_url: HttpUrl | None = None  # Cloud IRM: the stack's URL, sent as X-Grafana-URL
    token_env: EnvName | None = None
    token_file: SecretFile | None = None
    confirm_with_detail: bool = True

    @model_validator(mode="after")
    def _token(self) -> GrafanaOncallOptions:
        require_secret(self, "token")
        return self


class GrafanaOncallTeam(Options):
    oncall_schedules: list[str] = Field(default_factory=list)  # schedule ids
    oncall_integrations: list[str] = Field(default_factory=list)  # for alert groups
    oncall_routes: list[str] = Field(default_factory=list)


class GrafanaOncallSource(OncallSource):
    kind: ClassVar[str] = "grafana_oncall"
    Options: ClassVar[type[GrafanaOncallOptions]] = GrafanaOncallOptions
    TeamOptions: ClassVar[type[GrafanaOncallTeam]] = GrafanaOncallTeam

    def __init__(self, context: SourceContext) -> None:
        options = cast(GrafanaOncallOptions, context.options)
        cloud = options.grafana_url  # Grafana Cloud IRM: a bearer token for one stack

        def headers(token: str) -> dict[str, str]:
            if cloud:
                return {"Authorization": f"Bearer {token}", "X-Grafana-URL": cloud}
            return {"Authorization": token}

        api = vendor_api(context, options, options.url, "token", headers, ratelimit_reset)
        super().__init__(context, api)
        self.go = options
        self._users: dict[str, str] = {}

    def _results(self, path: str, params: dict[str, Any], deadline: float) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        page = 1
        for _ in range(MAX_PAGES):
            body = self.api.get(path, {**params, "page": page}, deadline=deadline)
            results = body.get("results") if isinstance(body, dict) else None
            if not isinstance(results, list):
                raise CollectorError(f"unexpected answer from {path}", kind="bad_response")
            out.extend(r for r in results if isinstance(r, dict))
            if not body.get("next"):
                return out
            page += 1
        self.warn(f"{path}: stopped after {MAX_PAGES} pages")
        return out

    def fetch_rota(
        self, teams: tuple[TeamTarget, ...], deadline: float
    ) -> tuple[dict[str, list[Shift]], dict[str, CollectorError]]:
        now = self.clock()
        listed = {
            str(s.get("id")): [str(u) for u in s.get("on_call_now") or []]
            for s in self._results("/api/v1/schedules/", {}, deadline)
        }
        wanted = sorted(
            {
                s
                for t in teams
                for s in team_options(t, GrafanaOncallTeam).oncall_schedules
                if s in listed
            }
        )
        if self.go.confirm_with_detail and wanted:
            listed.update(self._confirm(wanted, listed, deadline))
        self._learn({u for s in wanted for u in listed[s]}, deadline)
        rota: dict[str, list[Shift]] = {}
        failed: dict[str, CollectorError] = {}
        for team in teams:
            shifts = []
            for schedule in team_options(team, GrafanaOncallTeam).oncall_schedules:
                if schedule not in listed:
                    failed[team.id] = CollectorError(
                        f'no schedule "{schedule}" (teams.{team.id}.oncall_schedules)',
                        retryable=False,
                        config_error=True,
                        kind="not_found",
                    )
                    continue
                names = tuple(self._users.get(u, "someone") for u in listed[schedule])
                shifts.append(Shift(now - 1, None, names))  # on call now; until when is not said
            rota[team.id] = shifts
        return rota, failed

    def _confirm(
        self, schedules: list[str], listed: dict[str, list[str]], deadline: float
    ) -> dict[str, list[str]]:
        def detail(schedule: str) -> list[str] | None:
            try:
                body = self.api.get(f"/api/v1/schedules/{schedule}/", deadline=deadline)
            except CollectorError:
                return None  # the list's answer stands
            return [str(u) for u in (body or {}).get("on_call_now") or []]

        with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
            found = dict(zip(schedules, pool.map(detail, schedules), strict=True))
        confirmed = {}
        for schedule, own in found.items():
            if own is None:
                continue
            if sorted(own) != sorted(listed[schedule]):
                self.warn(
                    f'schedule "{schedule}": the list\'s on_call_now disagrees with the '
                    "schedule's own answer; the schedule's is shown"
                )
            confirmed[schedule] = own
        return confirmed

    def _learn(self, users: set[str], deadline: float) -> None:
        for user in sorted(users - set(self._users)):
            body = self.api.get(f"/api/v1/users/{user}/", deadline=deadline)
            name = (body or {}).get("name") or (body or {}).get("username") or "someone"
            self._users[user] = str(name)

    def fetch_incidents(
        self, teams: tuple[TeamTarget, ...], deadline: float
    ) -> dict[str, list[Incident]]:
        out: dict[str, list[Incident]] = {}
        for state, status in STATES:
            for group in self._results("/api/v1/alert_groups/", {"state": state}, deadline):
                web = (group.get("permalinks") or {}).get("web")
                incident = Incident(
                    key=str(group.get("id")),
                    title=str(group.get("title") or "alert group"),
                    status=status,
                    since=maybe_epoch(group.get("created_at"), "alert group created_at"),
                    link=web if isinstance(web, str) else None,
                    detail=f"{group.get('alerts_count') or 0} alerts",
                )
                for team in teams:
                    opts = team_options(team, GrafanaOncallTeam)
                    if (
                        group.get("integration_id") in opts.oncall_integrations
                        or group.get("route_id") in opts.oncall_routes
                    ):
                        out.setdefault(team.id, []).append(incident)
        return out
