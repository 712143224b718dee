"""Which Sentry project ids belong to which wall team, refreshed now and then.

A team names its projects (``sentry_projects``: ids or slugs) or a Sentry team
(``sentry_team``, resolved with ``GET /api/0/teams/{org}/{team}/projects/``).
Slugs are resolved with the organisation's project list. The mapping is fetched
at the first cycle and then every ``projects_refresh``, not every cycle: it
changes when people reorganise, not when errors happen.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from collectors.base import TeamTarget
from collectors.errors import CollectorError
from collectors.sentry.api import SentryApi


class ProjectMap:
    def __init__(
        self,
        api: SentryApi,
        org: str,
        source_id: str,
        teams: Iterable[TeamTarget],
        *,
        refresh: float,
        interval: float,
        max_pages: int,
    ) -> None:
        self._api = api
        self._org = org
        self._source_id = source_id
        self._teams = {t.id: t.options for t in teams}
        self._refresh = refresh
        self._max_pages = max_pages
        self._next: dict[str, float] = {}  # team -> time.monotonic() of its next refresh
        # Enough lookups per cycle to go round every team once per refresh period.
        self._budget = max(1, math.ceil(len(self._teams) * interval / refresh))
        self.by_team: dict[str, frozenset[str]] = {}
        self.errors: dict[str, CollectorError] = {}  # team -> why it has no projects
        self.slugs: dict[str, str] = {}  # project id -> slug, for webhook items

    def unknown_ids(self, deadline: float) -> dict[str, list[str]]:
        """Numeric ``sentry_projects`` the organisation does not have, by team (for
        ``check-config --online``; the collection itself trusts ids to save a request)."""
        numeric = {
            team: [str(p) for p in getattr(opts, "sentry_projects", None) or [] if str(p).isdigit()]
            for team, opts in self._teams.items()
        }
        if not any(numeric.values()):
            return {}
        known = set(self._org_projects(deadline).values())
        return {
            t: [i for i in ids if i not in known] for t, ids in numeric.items() if set(ids) - known
        }

    def all_ids(self) -> frozenset[str]:
        return frozenset().union(*self.by_team.values()) if self.by_team else frozenset()

    def teams_of(self, project_ids: Iterable[str]) -> list[str]:
        wanted = set(project_ids)
        # A copy: a webhook thread may ask while a cycle adds a newly resolved team.
        return [team for team, ids in list(self.by_team.items()) if ids & wanted]

    def refresh(self, now: float, deadline: float) -> list[str]:
        """Re-resolve the teams that are due; returns warnings.

        A team never resolved is resolved now. After that, at most ``budget``
        Sentry-team lookups are made per cycle, oldest first, so that 40 Sentry
        teams cost a request or two per cycle instead of 40 in one cycle.
        Teams named by project ids/slugs share one organisation project list.
        A transient failure keeps the previous mapping and is retried next cycle.
        """
        due = [t for t in self._teams if self._next.get(t, 0.0) <= now]
        by_team_slug = [t for t in due if getattr(self._teams[t], "sentry_team", None)]
        fresh = [t for t in by_team_slug if t not in self._next]
        stale = sorted((t for t in by_team_slug if t in self._next), key=self._next.__getitem__)
        chosen = set(fresh + stale[: self._budget])
        chosen |= {t for t in due if t not in by_team_slug}
        if not chosen:
            return []
        needs_slugs = any(self._slug_names(t) for t in chosen)
        org_projects = self._org_projects(deadline) if needs_slugs else {}
        warnings: list[str] = []
        for team in sorted(chosen):
            try:
                ids = self._resolve(team, self._teams[team], org_projects, deadline)
            except CollectorError as exc:
                if exc.config_error or team not in self.by_team:
                    self.errors[team] = exc
                    self.by_team.pop(team, None)
                if not exc.config_error:
                    warnings.append(f"team {team}: projects not refreshed: {exc.reason}")
                    self._next[team] = now
                    continue
                self._next[team] = now + self._refresh
                continue
            self.errors.pop(team, None)
            self.by_team[team] = ids
            self._next[team] = now + self._refresh
        return warnings

    def _slug_names(self, team: str) -> list[str]:
        projects = getattr(self._teams[team], "sentry_projects", None) or []
        return [str(p) for p in projects if not str(p).isdigit()]

    def _org_projects(self, deadline: float) -> dict[str, str]:
        return self._project_list(
            "projects",
            f"/api/0/organizations/{self._org}/projects/",
            f'organisation "{self._org}" not found (sources.{self._source_id}.org)',
            deadline,
        )

    def _project_list(
        self, name: str, path: str, not_found: str, deadline: float
    ) -> dict[str, str]:
        """Slug -> id of every project a listing returns (remembering their slugs)."""
        pages = self._api.pages(
            name, path, [], deadline=deadline, max_pages=self._max_pages, not_found=not_found
        )
        return self._remember(pages.items)

    def _remember(self, projects: list[Any]) -> dict[str, str]:
        by_slug = {}
        for project in projects:
            if isinstance(project, Mapping) and "id" in project:
                slug = str(project.get("slug") or "")
                self.slugs[str(project["id"])] = slug
                by_slug[slug] = str(project["id"])
        return by_slug

    def _resolve(
        self, team: str, options: Any, org_projects: Mapping[str, str], deadline: float
    ) -> frozenset[str]:
        explicit = getattr(options, "sentry_projects", None)
        slug = getattr(options, "sentry_team", None)
        if explicit:
            ids = []
            for project in explicit:
                text = str(project)
                if text.isdigit():
                    ids.append(text)
                elif text in org_projects:
                    ids.append(org_projects[text])
                else:
                    raise CollectorError(
                        f'Sentry project "{text}" not found in "{self._org}" '
                        f"(teams.{team}.sentry_projects)",
                        retryable=False,
                        config_error=True,
                        kind="not_found",
                    )
            return frozenset(ids)
        if slug:
            by_slug = self._project_list(
                "team_projects",
                f"/api/0/teams/{self._org}/{slug}/projects/",
                f'Sentry team "{slug}" not found (teams.{team}.sentry_team)',
                deadline,
            )
            return frozenset(by_slug.values())
        raise CollectorError(
            f"no Sentry projects: set teams.{team}.sentry_projects or teams.{team}.sentry_team",
            retryable=False,
            config_error=True,
            kind="config",
        )
