"""The ``opsgenie`` source (also Jira Service Management ops): all schedules' on-calls at once.

Facts this encodes (docs/sources/opsgenie.md): ``Authorization: GenieKey <key>``; the
EU instance is ``api.eu.opsgenie.com``; ``GET /v2/schedules/on-calls?flat=true`` answers
every schedule's on-call usernames in one request (``data[]._parent.name``,
``onCallRecipients``); usernames are e-mail addresses, so names come from ``/v2/users``
(``fullName``), asked once and remembered; ``GET /v2/alerts?query=status=open`` lists
open alerts (``acknowledged`` says which are handled), paged with ``offset``; a throttled
answer is a 429 with ``X-RateLimit-State: THROTTLED`` and ``X-RateLimit-Period-In-Sec``.
A team integration's key reads only its team's schedules: the list then answers 403,
and each configured schedule is asked alone (a few at a time), so the 403 names the team.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar, Literal, cast
from urllib.parse import quote

from pydantic import Field, model_validator

from collectors.base import SourceContext, TeamTarget, team_options
from collectors.errors import CollectorError
from collectors.http.client import Response, http_error
from collectors.oncall.api import number, retry_after, vendor_api
from collectors.oncall.rota import ACKNOWLEDGED, TRIGGERED, Incident, Shift
from collectors.oncall.source import OncallOptions, OncallSource
from collectors.oncall.times import maybe_epoch
from collectors.options import EnvName, HttpUrl, Options, SecretFile, require_secret

HOSTS = {"us": "https://api.opsgenie.com", "eu": "https://api.eu.opsgenie.com"}
PAGE = 100  # alerts per page (Opsgenie allows up to 100)
USERS_PAGE = 500
MAX_PAGES = 20
CONCURRENCY = 4  # schedules asked at once when the key cannot list them all


class OpsgenieOptions(OncallOptions):
    region: Literal["us", "eu"] = "us"
    url: HttpUrl | None = None  # instead of the region's host (a proxy, a test double)
    web_url: HttpUrl | None = None  # e.g. https://acme.app.opsgenie.com, for alert links
    key_env: EnvName | None = None
    key_file: SecretFile | None = None

    @model_validator(mode="after")
    def _key(self) -> OpsgenieOptions:
        require_secret(self, "key")
        return self

    @property
    def base(self) -> str:
        return self.url or HOSTS[self.region]


class OpsgenieTeam(Options):
    opsgenie_schedules: list[str] = Field(default_factory=list)  # schedule names
    opsgenie_teams: list[str] = Field(default_factory=list)  # team ids or names, for alerts


def rate_period(response: Response) -> float | None:
    """Opsgenie's ``X-RateLimit-Period-In-Sec`` on a throttled answer, else Retry-After."""
    period = number(response.headers.get("x-ratelimit-period-in-sec"))
    return period if period is not None else retry_after(response)


class OpsgenieSource(OncallSource):
    kind: ClassVar[str] = "opsgenie"
    Options: ClassVar[type[OpsgenieOptions]] = OpsgenieOptions
    TeamOptions: ClassVar[type[OpsgenieTeam]] = OpsgenieTeam

    def __init__(self, context: SourceContext) -> None:
        options = cast(OpsgenieOptions, context.options)
        api = vendor_api(
            context,
            options,
            options.base,
            "key",
            lambda key: {"Authorization": f"GenieKey {key}"},
            rate_period,
        )
        super().__init__(context, api)
        self.og = options
        self._names: dict[str, str] = {}  # username -> full name

    # -- who is on call ------------------------------------------------------------------
    def fetch_rota(
        self, teams: tuple[TeamTarget, ...], deadline: float
    ) -> tuple[dict[str, list[Shift]], dict[str, CollectorError]]:
        now = self.clock()
        wanted = sorted(
            {s for t in teams for s in team_options(t, OpsgenieTeam).opsgenie_schedules}
        )
        response = self.api.response("/v2/schedules/on-calls", {"flat": "true"}, deadline=deadline)
        by_schedule: dict[str, list[str] | CollectorError] = {}
        if response.status == 403:  # a team's key: ask each schedule, so the 403 names it
            by_schedule = self._one_by_one(wanted, deadline)
        elif response.status != 200:
            raise http_error(response)
        else:
            for row in _data(response.json()):
                parent = row.get("_parent") or {}
                recipients = row.get("onCallRecipients") or []
                by_schedule[str(parent.get("name"))] = [str(r) for r in recipients]
        self._learn_names(
            {u for v in by_schedule.values() if isinstance(v, list) for u in v}, deadline
        )
        rota: dict[str, list[Shift]] = {}
        failed: dict[str, CollectorError] = {}
        for team in teams:
            shifts = []
            for schedule in team_options(team, OpsgenieTeam).opsgenie_schedules:
                found = by_schedule.get(schedule)
                if isinstance(found, CollectorError):
                    failed[team.id] = CollectorError(
                        f'{found.reason} (team "{team.id}", schedule "{schedule}")',
                        retryable=False,
                        kind=found.kind,
                    )
                elif found is None:
                    failed[team.id] = CollectorError(
                        f'schedule "{schedule}" of team "{team.id}" is not in Opsgenie\'s '
                        "answer (no such schedule, or the key's team may not read it)",
                        retryable=False,
                        config_error=True,
                        kind="not_found",
                    )
                else:
                    # Opsgenie says who is on call now, not until when: no handover shown.
                    names = tuple(self._names.get(u, _local(u)) for u in found)
                    shifts.append(Shift(now - 1, None, names))
            rota[team.id] = shifts
        return rota, failed

    def _one_by_one(
        self, schedules: list[str], deadline: float
    ) -> dict[str, list[str] | CollectorError]:
        def ask(schedule: str) -> list[str] | CollectorError:
            path = f"/v2/schedules/{quote(schedule, safe='')}/on-calls"
            params = {"scheduleIdentifierType": "name", "flat": "true"}
            try:
                response = self.api.response(path, params, deadline=deadline)
            except CollectorError as exc:
                return exc
            if response.status == 403:
                return CollectorError(
                    "HTTP 403: this key may not read the schedule (a team integration's key "
                    "reads only its own team's schedules)",
                    retryable=False,
                    kind="auth",
                )
            if response.status != 200:
                return http_error(response, f'no schedule "{schedule}"')
            data = (response.json() or {}).get("data") or {}
            return [str(r) for r in data.get("onCallRecipients") or []]

        with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
            return dict(zip(schedules, pool.map(ask, schedules), strict=True))

    def _learn_names(self, usernames: set[str], deadline: float) -> None:
        """Full names for usernames not seen before (one paged listing, then remembered)."""
        unknown = usernames - set(self._names)
        if not unknown:
            return
        self._list_users(deadline)
        for username in unknown - set(self._names):  # no full name: not asked again
            self._names[username] = _local(username)

    def _list_users(self, deadline: float) -> None:
        for page in range(MAX_PAGES):
            body = self.api.get(
                "/v2/users", {"limit": USERS_PAGE, "offset": page * USERS_PAGE}, deadline=deadline
            )
            users = _data(body)
            for user in users:
                if user.get("username") and user.get("fullName"):
                    self._names[str(user["username"])] = str(user["fullName"])
            if len(users) < USERS_PAGE or not (body.get("paging") or {}).get("next"):
                return

    # -- open alerts ---------------------------------------------------------------------
    def fetch_incidents(
        self, teams: tuple[TeamTarget, ...], deadline: float
    ) -> dict[str, list[Incident]]:
        out: dict[str, list[Incident]] = {}
        for page in range(MAX_PAGES):
            params = {
                "query": "status=open",
                "limit": PAGE,
                "offset": page * PAGE,
                "sort": "createdAt",
                "order": "desc",
            }
            body = self.api.get("/v2/alerts", params, deadline=deadline)
            alerts = _data(body)
            for alert in alerts:
                self._route(alert, teams, out)
            if len(alerts) < PAGE or not (body.get("paging") or {}).get("next"):
                return out
        self.warn(f"/v2/alerts: stopped after {MAX_PAGES} pages")
        return out

    def _route(
        self, alert: dict[str, Any], teams: tuple[TeamTarget, ...], out: dict[str, list[Incident]]
    ) -> None:
        owners = {str(t.get("id")) for t in alert.get("teams") or []}
        owners |= {
            str(r.get(k))
            for r in alert.get("responders") or []
            if r.get("type") == "team"
            for k in ("id", "name")
        }
        link = (
            f"{self.og.web_url}/alert/detail/{alert.get('id')}/details" if self.og.web_url else None
        )
        incident = Incident(
            key=str(alert.get("tinyId") or alert.get("id")),
            title=str(alert.get("message") or "alert"),
            status=ACKNOWLEDGED if alert.get("acknowledged") else TRIGGERED,
            since=maybe_epoch(alert.get("createdAt"), "alert createdAt"),
            link=link,
            detail=str(alert.get("priority") or ""),
        )
        for team in teams:
            if owners & set(team_options(team, OpsgenieTeam).opsgenie_teams):
                out.setdefault(team.id, []).append(incident)


def _data(body: Any) -> list[dict[str, Any]]:
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        raise CollectorError("unexpected Opsgenie answer (no data list)", kind="bad_response")
    return [d for d in data if isinstance(d, dict)]


def _local(username: str) -> str:
    """A username without a full name: its part before the @, never the e-mail address."""
    return username.split("@", 1)[0]
