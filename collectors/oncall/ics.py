"""The ``ics`` source: who is on call from a plain calendar, one feed per team's rota.

Each event is a shift; its SUMMARY is the person (an address is cut to its name part,
never shown whole). Recurrence is expanded by ``recurring-ical-events`` (RRULE, RDATE,
EXDATE, RECURRENCE-ID overrides, VTIMEZONE rules across a DST change); an all-day event
covers the whole day in the source's ``timezone``; two events at once are two people.
Calendars have no incidents: this kind feeds ``oncall`` panels only. A feed is read
from a URL held in an environment variable (the URL is the secret) or from a file.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar, cast
from zoneinfo import ZoneInfo

import recurring_ical_events
from icalendar import Calendar
from pydantic import BaseModel, ValidationInfo, model_validator

from collectors.base import SourceContext, TeamTarget, team_options
from collectors.errors import CollectorError
from collectors.http.client import HttpClient, http_error
from collectors.oncall.api import VendorApi
from collectors.oncall.rota import Incident, Shift
from collectors.oncall.source import ONCALL, OncallOptions, OncallSource
from collectors.options import EnvName, Options, SecretFile, read_secret

BEHIND, AHEAD = 86400.0, 8 * 86400.0  # the expanded window around now
MAX_BYTES = 8 * 1024 * 1024
CONCURRENCY = 4  # feeds read at once (each team has its own)


class IcsOptions(OncallOptions):
    """No keys of its own: the feeds are the teams' (``ics_url_env`` or ``ics_file``)."""


class IcsPanel(Options):
    @model_validator(mode="after")
    def _kind(self, info: ValidationInfo) -> IcsPanel:
        kind = info.context.get("panel_kind") if isinstance(info.context, dict) else None
        if kind not in (None, ONCALL):
            raise ValueError(f'a calendar feeds kind = "{ONCALL}" panels only, not "{kind}"')
        return self


class IcsTeam(Options):
    ics_url_env: EnvName | None = None  # the feed's URL (it holds a secret token)
    ics_url_file: SecretFile | None = None  # or a mounted file holding that URL
    ics_file: str | None = None  # or the calendar itself, as a file

    @model_validator(mode="after")
    def _one(self) -> IcsTeam:
        given = [k for k in ("ics_url_env", "ics_url_file", "ics_file") if getattr(self, k)]
        if len(given) > 1:
            raise ValueError(f"set one of ics_url_env, ics_url_file or ics_file, not {given}")
        return self


class IcsSource(OncallSource):
    kind: ClassVar[str] = "ics"
    Options: ClassVar[type[IcsOptions]] = IcsOptions
    PanelOptions: ClassVar[type[BaseModel]] = IcsPanel
    TeamOptions: ClassVar[type[IcsTeam]] = IcsTeam
    has_incidents: ClassVar[bool] = False

    def __init__(self, context: SourceContext) -> None:
        options = cast(IcsOptions, context.options)
        client = HttpClient(
            timeout=context.timeout,
            ca_bundle=options.ca_bundle,
            verify=options.verify,
            max_body=MAX_BYTES,
            headers={"Accept": "text/calendar"},
        )
        api = VendorApi(client, "", key_hint="the team's ics_url_env")
        super().__init__(context, api)
        self.zone = ZoneInfo(options.timezone)

    def fetch_incidents(
        self, teams: tuple[TeamTarget, ...], deadline: float
    ) -> dict[str, list[Incident]]:
        return {}

    def fetch_rota(
        self, teams: tuple[TeamTarget, ...], deadline: float
    ) -> tuple[dict[str, list[Shift]], dict[str, CollectorError]]:
        now = self.clock()

        def one(team: TeamTarget) -> list[Shift] | CollectorError:
            try:
                return self.shifts(self._read(team, deadline), now)
            except CollectorError as exc:
                return exc

        with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
            found = dict(zip((t.id for t in teams), pool.map(one, teams), strict=True))
        rota = {t: s for t, s in found.items() if not isinstance(s, CollectorError)}
        failed = {t: e for t, e in found.items() if isinstance(e, CollectorError)}
        if teams and len(failed) == len(teams):
            raise next(iter(failed.values()))
        return rota, failed

    def _read(self, team: TeamTarget, deadline: float) -> bytes:
        opts = team_options(team, IcsTeam)
        if opts.ics_file:
            try:
                with open(opts.ics_file, "rb") as handle:
                    return handle.read(MAX_BYTES + 1)[:MAX_BYTES]
            except OSError as exc:
                raise CollectorError(
                    f'cannot read teams.{team.id}.ics_file "{opts.ics_file}": {exc.strerror}',
                    retryable=False,
                    config_error=True,
                    kind="config",
                ) from exc
        url = read_secret(opts, "ics_url", self.context.env)
        if not url:
            raise CollectorError(
                f"teams.{team.id}: ics_url_env, ics_url_file or ics_file is required",
                retryable=False,
                config_error=True,
                kind="config",
            )
        response = self.api.response(url, deadline=deadline)
        if response.status != 200:
            # Never the URL in the reason: it is the secret.
            raise http_error(response, f"no calendar at teams.{team.id}'s feed URL")
        return response.data

    def shifts(self, data: bytes, now: float) -> list[Shift]:
        """Every shift overlapping [now - 1 day, now + 8 days], recurrence expanded."""
        try:
            calendar = Calendar.from_ical(data)
            start = datetime.fromtimestamp(now - BEHIND, UTC)
            end = datetime.fromtimestamp(now + AHEAD, UTC)
            events = recurring_ical_events.of(calendar).between(start, end)
        except (ValueError, KeyError, TypeError) as exc:
            raise CollectorError(f"not a calendar: {str(exc)[:80]}", kind="bad_response") from exc
        shifts = []
        for event in events:
            begin = self._epoch(event.get("DTSTART").dt)
            finish = event.get("DTEND")
            stop = self._epoch(finish.dt) if finish is not None else begin + _duration(event)
            name = _person(str(event.get("SUMMARY") or ""))
            shifts.append(Shift(begin, stop, (name,) if name else ()))
        return sorted(shifts, key=lambda s: (s.start, s.names))

    def _epoch(self, value: Any) -> float:
        if isinstance(value, datetime):
            aware = value if value.tzinfo is not None else value.replace(tzinfo=self.zone)
            return aware.timestamp()
        if isinstance(value, date):  # an all-day shift: midnight in the rota's zone
            return datetime(value.year, value.month, value.day, tzinfo=self.zone).timestamp()
        raise CollectorError(
            f"event time {value!r} is neither a date nor a time", kind="bad_response"
        )


def _duration(event: Any) -> float:
    duration = event.get("DURATION")
    if duration is not None and isinstance(duration.dt, timedelta):
        return float(duration.dt.total_seconds())
    return 86400.0 if not isinstance(event.get("DTSTART").dt, datetime) else 0.0


def _person(summary: str) -> str:
    """The name on a shift: an address is cut to its name part, never shown whole."""
    text = summary.strip()
    return text.split("@", 1)[0] if "@" in text and " " not in text else text
