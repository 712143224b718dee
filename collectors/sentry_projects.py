"""Which Sentry project ids belong to which wall team, refreshed now and then.

A team names its projects (``sentry_projects``: ids or slugs) or a Sentry team
(``sentry_team``, resolved with ``GET /api/0/teams/{org}/{team}/projects/``).
Slugs are resolved with the organisation's project list. The mapping is fetched
at the first cycle and then every ``projects_refresh``, not every cycle: it
changes when people reorganise, not when errors happen.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from collectors.base import TeamTarget
from collectors.errors import CollectorError
from collectors.sentry_api import SentryApi


class ProjectMap:
    def __init__(
        self,
        api: SentryApi,
        org: str,
        source_id: str,
        teams: Iterable[TeamTarget],
        *,
        refresh: float,
        max_pages: int,
    ) -> None:
        self._api = api
        self._org = org
        self._source_id = source_id
        self._teams = {t.id: t.options for t in teams}
        self._refresh = refresh
        self._max_pages = max_pages
        self._next = 0.0  # time.monotonic() of the next refresh
        self.by_team: dict[str, frozenset[str]] = {}
        self.errors: dict[str, CollectorError] = {}  # team -> why it has no projects
        self.slugs: dict[str, str] = {}  # project id -> slug, for webhook items

    def all_ids(self) -> frozenset[str]:
        return frozenset().union(*self.by_team.values()) if self.by_team else frozenset()

    def teams_of(self, project_ids: Iterable[str]) -> list[str]:
        wanted = set(project_ids)
        return [team for team, ids in self.by_team.items() if ids & wanted]

    def refresh(self, now: float, deadline: float) -> list[str]:
        """Re-resolve when due; returns warnings. A failure keeps the previous mapping."""
        if now < self._next:
            return []
        warnings: list[str] = []
        org_projects = self._org_projects(deadline) if self._needs_slugs() else {}
        failed = False
        for team, options in self._teams.items():
            try:
                ids = self._resolve(team, options, org_projects, deadline)
            except CollectorError as exc:
                if exc.config_error or team not in self.by_team:
                    self.errors[team] = exc
                    self.by_team.pop(team, None)
                if not exc.config_error:
                    failed = True
                    warnings.append(f"team {team}: projects not refreshed: {exc.reason}")
                continue
            self.errors.pop(team, None)
            self.by_team[team] = ids
        # A transient failure is retried next cycle; a clean pass waits for the period.
        self._next = now if failed else now + self._refresh
        return warnings

    def _needs_slugs(self) -> bool:
        return any(
            not str(p).isdigit()
            for options in self._teams.values()
            for p in (getattr(options, "sentry_projects", None) or [])
        )

    def _org_projects(self, deadline: float) -> dict[str, str]:
        pages = self._api.pages(
            "projects",
            f"/api/0/organizations/{self._org}/projects/",
            [],
            deadline=deadline,
            max_pages=self._max_pages,
            not_found=f'organisation "{self._org}" not found (sources.{self._source_id}.org)',
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
            pages = self._api.pages(
                "team_projects",
                f"/api/0/teams/{self._org}/{slug}/projects/",
                [],
                deadline=deadline,
                max_pages=self._max_pages,
                not_found=f'Sentry team "{slug}" not found (teams.{team}.sentry_team)',
            )
            by_slug = self._remember(pages.items)
            return frozenset(by_slug.values())
        raise CollectorError(
            f"no Sentry projects: set teams.{team}.sentry_projects or teams.{team}.sentry_team",
            retryable=False,
            config_error=True,
            kind="config",
        )
