"""The ``pagerduty`` source: who is on call (``/oncalls``) and open incidents, all teams at once.

Facts this encodes (docs/sources/pagerduty.md): the REST API takes
``Authorization: Token token=<key>`` and ``Accept: application/vnd.pagerduty+json;version=2``;
lists page with ``limit``/``offset`` while ``more`` is true; ``/oncalls`` takes repeated
``escalation_policy_ids[]`` and ``schedule_ids[]`` and answers each on-call with its
``escalation_level``, ``user.summary`` (the display name), ``start`` and ``end``; a 429
carries ``ratelimit-reset``, the seconds to wait. Shift-based (v3) schedules are read
from ``/schedules/{id}`` ``final_schedule.rendered_schedule_entries``, whose users are
resolved through ``/users/{id}`` once and cached.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar, cast

from pydantic import Field, model_validator

from collectors.base import SourceContext, TeamTarget, team_options
from collectors.errors import CollectorError
from collectors.http.client import Response, http_error
from collectors.oncall.api import number, retry_after, vendor_api
from collectors.oncall.pagerduty_v3 import FinalSchedules
from collectors.oncall.rota import ACKNOWLEDGED, TRIGGERED, Incident, Shift
from collectors.oncall.source import OncallOptions, OncallSource
from collectors.oncall.times import iso, maybe_epoch
from collectors.options import EnvName, HttpUrl, Options, SecretFile, require_secret

PAGE = 100  # PagerDuty's largest page
MAX_PAGES = 50
LOOKAHEAD = 8 * 86400.0  # a weekly rotation's next person is inside this window
CONCURRENCY = 4  # ids asked at once by check-config --online
Ids = list[str]


class PagerDutyOptions(OncallOptions):
    url: HttpUrl = "https://api.pagerduty.com"  # https://api.eu.pagerduty.com in the EU
    token_env: EnvName | None = None
    token_file: SecretFile | None = None

    @model_validator(mode="after")
    def _token(self) -> PagerDutyOptions:
        require_secret(self, "token")
        return self


class PagerDutyTeam(Options):
    pagerduty_escalation_policies: Ids = Field(default_factory=list)
    pagerduty_schedules: Ids = Field(default_factory=list)
    pagerduty_schedules_v3: Ids = Field(default_factory=list)  # shift-based schedules
    pagerduty_services: Ids = Field(default_factory=list)  # open incidents of these too


def ratelimit_reset(response: Response) -> float | None:
    """PagerDuty's ``ratelimit-reset`` (seconds), else a standard ``Retry-After``."""
    reset = number(response.headers.get("ratelimit-reset"))
    return reset if reset is not None else retry_after(response)


def _union(values: Iterable[Ids]) -> Ids:
    return sorted({v for ids in values for v in ids})


class PagerDutySource(OncallSource):
    kind: ClassVar[str] = "pagerduty"
    Options: ClassVar[type[PagerDutyOptions]] = PagerDutyOptions
    TeamOptions: ClassVar[type[PagerDutyTeam]] = PagerDutyTeam

    def __init__(self, context: SourceContext) -> None:
        options = cast(PagerDutyOptions, context.options)

        def headers(token: str) -> dict[str, str]:
            return {
                "Authorization": f"Token token={token}",
                "Accept": "application/vnd.pagerduty+json;version=2",
            }

        api = vendor_api(context, options, options.url, "token", headers, ratelimit_reset)
        super().__init__(context, api)
        self.finals = FinalSchedules(api, LOOKAHEAD)

    def _pages(
        self, path: str, key: str, params: list[tuple[str, Any]], deadline: float
    ) -> list[Any]:
        out: list[Any] = []
        for page in range(MAX_PAGES):
            body = self.api.get(
                path, [*params, ("limit", PAGE), ("offset", page * PAGE)], deadline=deadline
            )
            items = body.get(key) if isinstance(body, dict) else None
            if not isinstance(items, list):
                raise CollectorError(f"unexpected answer from {path}", kind="bad_response")
            out.extend(items)
            if not body.get("more"):
                return out
        self.warn(f"{path}: stopped after {MAX_PAGES} pages")
        return out

    # -- who is on call ------------------------------------------------------------------
    def fetch_rota(
        self, teams: tuple[TeamTarget, ...], deadline: float
    ) -> tuple[dict[str, list[Shift]], dict[str, CollectorError]]:
        now = self.clock()
        policies = _union(
            team_options(t, PagerDutyTeam).pagerduty_escalation_policies for t in teams
        )
        schedules = _union(team_options(t, PagerDutyTeam).pagerduty_schedules for t in teams)
        oncalls: list[Any] = []
        window = [("since", iso(now)), ("until", iso(now + LOOKAHEAD)), ("earliest", "true")]
        # Two filters in one request narrow each other, so each kind of id is asked apart:
        # one request for every team's escalation policies, one for their schedules.
        for name, ids in (("escalation_policy_ids[]", policies), ("schedule_ids[]", schedules)):
            if ids:
                params = [(name, i) for i in ids] + window
                oncalls += self._pages("/oncalls", "oncalls", params, deadline)
        rota: dict[str, list[Shift]] = {}
        failed: dict[str, CollectorError] = {}
        finals: dict[str, list[Shift] | CollectorError] = {}
        for team in teams:
            opts = team_options(team, PagerDutyTeam)
            shifts = [s for o in oncalls if (s := self._oncall_shift(o, opts)) is not None]
            for schedule in opts.pagerduty_schedules_v3:
                if schedule not in finals:
                    finals[schedule] = self.finals.read(schedule, now, deadline)
                found = finals[schedule]
                if isinstance(found, CollectorError):
                    failed[team.id] = found
                else:
                    shifts += found
            rota[team.id] = shifts
        return rota, failed

    @staticmethod
    def _oncall_shift(oncall: Any, opts: PagerDutyTeam) -> Shift | None:
        if not isinstance(oncall, dict):
            return None
        policy = (oncall.get("escalation_policy") or {}).get("id")
        schedule = (oncall.get("schedule") or {}).get("id")
        if policy not in opts.pagerduty_escalation_policies and (
            schedule is None or schedule not in opts.pagerduty_schedules
        ):
            return None
        name = str((oncall.get("user") or {}).get("summary") or "someone")
        start = maybe_epoch(oncall.get("start"), "on-call start")
        return Shift(
            start if start is not None else 0.0,  # null: always on call
            maybe_epoch(oncall.get("end"), "on-call end"),
            (name,),
            int(oncall.get("escalation_level") or 1),
        )

    # -- check-config --online ---------------------------------------------------------------
    def check_ids(self, deadline: float) -> list[tuple[str, str]]:
        """Each configured id asked by itself (a few at a time): ``/oncalls`` filters by
        ids silently, so a typo would only ever show as nobody on call."""
        paths = {
            "pagerduty_escalation_policies": ("/escalation_policies/", "escalation policy"),
            "pagerduty_schedules": ("/schedules/", "schedule"),
            "pagerduty_schedules_v3": ("/schedules/", "schedule"),
            "pagerduty_services": ("/services/", "service"),
        }
        asks = sorted(
            {
                (path, ident)
                for t in self.context.teams
                for key, (path, _) in paths.items()
                for ident in getattr(team_options(t, PagerDutyTeam), key)
            }
        )

        def exists(ask: tuple[str, str]) -> bool:
            response = self.api.response(f"{ask[0]}{ask[1]}", deadline=deadline)
            if response.status not in (200, 404):
                raise http_error(response)
            return response.status == 200

        with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
            known = dict(zip(asks, pool.map(exists, asks), strict=True))
        problems = []
        for team in self.context.teams:
            for key, (path, noun) in paths.items():
                for ident in getattr(team_options(team, PagerDutyTeam), key):
                    if not known[(path, ident)]:
                        problems.append(
                            (f"teams.{team.id}.{key}", f'PagerDuty has no {noun} "{ident}"')
                        )
        return problems

    # -- open incidents --------------------------------------------------------------------
    def fetch_incidents(
        self, teams: tuple[TeamTarget, ...], deadline: float
    ) -> dict[str, list[Incident]]:
        params: list[tuple[str, Any]] = [
            ("statuses[]", "triggered"),
            ("statuses[]", "acknowledged"),
        ]
        found = self._pages("/incidents", "incidents", params, deadline)
        out: dict[str, list[Incident]] = {}
        for raw in found:
            if not isinstance(raw, dict) or raw.get("status") not in ("triggered", "acknowledged"):
                continue
            incident = Incident(
                key=str(raw.get("id")),
                title=str(raw.get("title") or raw.get("summary") or "incident"),
                status=TRIGGERED if raw["status"] == "triggered" else ACKNOWLEDGED,
                since=maybe_epoch(raw.get("created_at"), "incident created_at"),
                link=raw.get("html_url") if isinstance(raw.get("html_url"), str) else None,
                detail=str((raw.get("service") or {}).get("summary") or ""),
            )
            policy = (raw.get("escalation_policy") or {}).get("id")
            service = (raw.get("service") or {}).get("id")
            for team in teams:
                opts = team_options(team, PagerDutyTeam)
                if (
                    policy in opts.pagerduty_escalation_policies
                    or service in opts.pagerduty_services
                ):
                    out.setdefault(team.id, []).append(incident)
        return out
