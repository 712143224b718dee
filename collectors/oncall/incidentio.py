"""The ``incidentio`` source: schedules' ``current_shifts`` and live incidents, all teams at once.

Facts this encodes (docs/sources/incidentio.md): ``Authorization: Bearer <key>``;
``GET /v2/schedules`` lists every schedule with ``current_shifts`` (and ``next_shifts``
when the page holds 25 or fewer) in cursor pages (``page_size``, ``after``,
``pagination_meta.after``); ``GET /v2/incidents`` filtered by ``status_category[one_of]``;
a 429 carries ``retry_after`` in its body; ``GET /v1/identity`` names the key's
``roles``, so a key that can change things gets a warning (a viewer key is enough).
"""

from __future__ import annotations

import time
from typing import Any, ClassVar, cast

from pydantic import Field, model_validator

from collectors.base import Collection, SourceContext, TeamTarget, team_options
from collectors.errors import CollectorError
from collectors.http.client import Response
from collectors.jsonsafe import loads
from collectors.oncall.api import number, retry_after, vendor_api
from collectors.oncall.rota import ACKNOWLEDGED, TRIGGERED, Incident, Shift
from collectors.oncall.source import OncallOptions, OncallSource
from collectors.oncall.times import epoch, maybe_epoch
from collectors.options import EnvName, HttpUrl, Options, SecretFile, require_secret

SCHEDULE_PAGE = 25  # next_shifts come only with pages this small
INCIDENT_PAGE = 250
MAX_PAGES = 40
LIVE = ("triage", "active", "paused")  # status categories of an incident still open
READ_ONLY = frozenset({"viewer", "catalog_viewer", "schedules_reader", "private_incident_reader"})


class IncidentioOptions(OncallOptions):
    url: HttpUrl = "https://api.incident.io"
    key_env: EnvName | None = None
    key_file: SecretFile | None = None
    # The incidents' custom field naming the team (its values: the teams' incidentio_teams).
    team_field: str = "Team"

    @model_validator(mode="after")
    def _key(self) -> IncidentioOptions:
        require_secret(self, "key")
        return self


class IncidentioTeam(Options):
    incidentio_schedules: list[str] = Field(default_factory=list)  # schedule ids
    incidentio_teams: list[str] = Field(default_factory=list)  # values of team_field


def retry_after_body(response: Response) -> float | None:
    """incident.io's ``retry_after`` in a 429 body (seconds, or a time), else the header."""
    try:
        body = loads(response.data)
    except ValueError:
        body = None
    raw = body.get("retry_after") if isinstance(body, dict) else None
    seconds = number(raw)
    if seconds is not None:
        return seconds
    if isinstance(raw, str):
        try:
            return epoch(raw, "retry_after") - time.time()
        except CollectorError:
            pass
    return retry_after(response)


class IncidentioSource(OncallSource):
    kind: ClassVar[str] = "incidentio"
    Options: ClassVar[type[IncidentioOptions]] = IncidentioOptions
    TeamOptions: ClassVar[type[IncidentioTeam]] = IncidentioTeam

    def __init__(self, context: SourceContext) -> None:
        options = cast(IncidentioOptions, context.options)
        api = vendor_api(
            context,
            options,
            options.url,
            "key",
            lambda key: {"Authorization": f"Bearer {key}"},
            retry_after_body,
        )
        super().__init__(context, api)
        self.io = options
        self._roles_checked = False

    def collect(self, deadline: float) -> Collection:
        if not self._roles_checked:
            self._check_roles(deadline)
        return super().collect(deadline)

    def _check_roles(self, deadline: float) -> None:
        """Once: a key that can change incidents gets a warning (read-only is enough)."""
        try:
            body = self.api.get("/v1/identity", deadline=deadline)
        except CollectorError:
            return  # the cycle's own requests report a refused key
        self._roles_checked = True
        roles = ((body or {}).get("identity") or {}).get("roles") or []
        writes = sorted(str(r) for r in roles if r not in READ_ONLY)
        if writes:
            self.warn(
                f"the API key can change things ({', '.join(writes)}): a viewer key is enough"
            )

    def _pages(
        self, path: str, key: str, params: dict[str, Any], size: int, deadline: float
    ) -> list[Any]:
        out: list[Any] = []
        after: str | None = None
        for _ in range(MAX_PAGES):
            query = [*params.items(), ("page_size", size)] + ([("after", after)] if after else [])
            body = self.api.get(path, query, deadline=deadline)
            items = body.get(key) if isinstance(body, dict) else None
            if not isinstance(items, list):
                raise CollectorError(f"unexpected answer from {path}", kind="bad_response")
            out.extend(items)
            after = (body.get("pagination_meta") or {}).get("after")
            if not after or len(items) < size:
                return out
        self.warn(f"{path}: stopped after {MAX_PAGES} pages")
        return out

    def fetch_rota(
        self, teams: tuple[TeamTarget, ...], deadline: float
    ) -> tuple[dict[str, list[Shift]], dict[str, CollectorError]]:
        schedules = {
            str(s.get("id")): s
            for s in self._pages("/v2/schedules", "schedules", {}, SCHEDULE_PAGE, deadline)
            if isinstance(s, dict)
        }
        rota: dict[str, list[Shift]] = {}
        failed: dict[str, CollectorError] = {}
        for team in teams:
            shifts: list[Shift] = []
            for ident in team_options(team, IncidentioTeam).incidentio_schedules:
                schedule = schedules.get(ident)
                if schedule is None:
                    failed[team.id] = CollectorError(
                        f'no schedule "{ident}" (teams.{team.id}.incidentio_schedules)',
                        retryable=False,
                        config_error=True,
                        kind="not_found",
                    )
                    continue
                for field in ("current_shifts", "next_shifts"):
                    shifts += [_shift(s) for s in schedule.get(field) or [] if isinstance(s, dict)]
            rota[team.id] = shifts
        return rota, failed

    def fetch_incidents(
        self, teams: tuple[TeamTarget, ...], deadline: float
    ) -> dict[str, list[Incident]]:
        # A list value: urlencode (doseq) writes the parameter once per category.
        params = {"status_category[one_of]": list(LIVE)}
        found = self._pages("/v2/incidents", "incidents", params, INCIDENT_PAGE, deadline)
        out: dict[str, list[Incident]] = {}
        for raw in found:
            if not isinstance(raw, dict):
                continue
            status = raw.get("incident_status") or {}
            category = status.get("category")
            if category not in LIVE:
                continue
            severity = (raw.get("severity") or {}).get("name") or ""
            incident = Incident(
                key=str(raw.get("reference") or raw.get("id")),
                title=str(raw.get("name") or "incident"),
                status=TRIGGERED if category == "triage" else ACKNOWLEDGED,
                since=maybe_epoch(raw.get("created_at"), "incident created_at"),
                link=raw.get("permalink") if isinstance(raw.get("permalink"), str) else None,
                detail=" · ".join(x for x in (str(raw.get("reference") or ""), severity) if x),
            )
            owners = _field_values(raw, self.io.team_field)
            for team in teams:
                if owners & set(team_options(team, IncidentioTeam).incidentio_teams):
                    out.setdefault(team.id, []).append(incident)
        return out


def _shift(raw: dict[str, Any]) -> Shift:
    user = raw.get("user") or {}
    name = str(user.get("name") or "")
    return Shift(
        epoch(raw.get("start_at"), "shift start_at"),
        maybe_epoch(raw.get("end_at"), "shift end_at"),
        (name,) if name else (),
    )


def _field_values(incident: dict[str, Any], field: str) -> set[str]:
    values: set[str] = set()
    for entry in incident.get("custom_field_entries") or []:
        if ((entry or {}).get("custom_field") or {}).get("name") != field:
            continue
        for value in entry.get("values") or []:
            option = (value.get("value_option") or {}).get("value")
            catalog = (value.get("value_catalog_entry") or {}).get("name")
            text = value.get("value_text")
            values |= {str(v) for v in (option, catalog, text) if v}
    return values
