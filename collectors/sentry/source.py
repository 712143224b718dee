"""The ``sentry`` source: unresolved issues, new issues and error volume per team.

Per cycle, for all teams at once: one organisation issues listing (every team's
project ids repeated as ``project=``, pages followed up to ``max_pages``) and one
``stats_v2`` request (``category=error``, grouped by project). The number of
requests does not grow with teams or screens. Webhooks (``receive``) amend the
same book between polls so a new issue reaches the screen at once.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Mapping
from typing import Any, ClassVar, cast

from collectors.base import Collection, PushRequest, SourceContext
from collectors.errors import CollectorError
from collectors.http.client import HttpClient, HttpStats
from collectors.options import read_secret
from collectors.sentry import queries, webhook
from collectors.sentry.api import SentryApi
from collectors.sentry.issues import Issue, IssueBook, issue_data, issue_from
from collectors.sentry.options import SentryOptions, SentryPanelOptions, SentryTeamOptions
from collectors.sentry.projects import ProjectMap
from collectors.sentry.releases import fetch as fetch_releases
from collectors.sentry.releases import markers
from collectors.sentry.webhook import SentryHook

# A page of issues is ~100 kB; 8 MiB leaves room without letting a proxy fill memory.
MAX_BODY = 8 * 1024 * 1024


class SentrySource:
    kind: ClassVar[str] = "sentry"
    Options: ClassVar[type[SentryOptions]] = SentryOptions
    PanelOptions: ClassVar[type[SentryPanelOptions]] = SentryPanelOptions
    TeamOptions: ClassVar[type[SentryTeamOptions]] = SentryTeamOptions

    def __init__(self, context: SourceContext) -> None:
        self.context = context
        opts = cast(SentryOptions, context.options)  # validated by the config loader
        self.options = opts
        token = read_secret(opts, "token", context.env) or ""
        client = HttpClient(
            timeout=context.timeout,
            headers={"Authorization": f"Bearer {token}"},
            ca_bundle=opts.ca_bundle,
            verify=opts.verify,
            max_body=opts.max_body_bytes or MAX_BODY,
        )
        self._webhook_secret = (read_secret(opts, "webhook_secret", context.env) or "").encode()
        self.accepts_pushes = bool(self._webhook_secret)
        self.token_key = f"sources.{context.id}.token_{'env' if opts.token_env else 'file'}"
        hint = self.token_key
        self.client = client  # /metrics reads its request counters
        self.api = SentryApi(client, opts.url, token_hint=hint)
        self.projects = ProjectMap(
            self.api,
            opts.org,
            context.id,
            context.teams,
            refresh=opts.projects_refresh,
            interval=context.interval,
            max_pages=opts.max_pages,
        )
        self.book = IssueBook()
        self._lock = threading.Lock()
        # Webhook changes seen while a poll is in flight are replayed onto its result,
        # so an older listing cannot undo a newer "resolved".
        self._journal: deque[tuple[float, str, Issue, str]] = deque(maxlen=1000)
        # Whether the last poll of the issue list worked: a webhook must not clear the
        # error badge of panels whose polling is failing (rate limit, token, outage).
        self._issues_ok = False

    # -- polling ------------------------------------------------------------------------
    def collect(self, deadline: float) -> Collection:
        started = time.monotonic()
        out = Collection()
        try:
            out.warnings += self.projects.refresh(started, deadline)
        except CollectorError as exc:
            if not self.projects.by_team:
                raise
            out.warnings.append(f"projects not refreshed: {exc.reason}")
        ids = self.projects.all_ids()
        issues_error = stats_error = None
        if ids:
            try:
                issues, truncated, hits = self._issues(ids, deadline)
            except CollectorError as exc:
                issues_error = exc
            try:
                events = self._events(deadline)
            except CollectorError as exc:
                stats_error = exc
            if issues_error is not None and stats_error is not None:
                raise issues_error
        with self._lock:
            self._issues_ok = bool(ids) and issues_error is None
            if ids and issues_error is None:
                self.book.load(issues, truncated)
                self._replay(started)
                if truncated:
                    about = f" of about {hits}" if hits is not None else ""
                    out.warnings.append(
                        f"issue list cut at {self.options.max_pages} pages{about}; "
                        "counts show as lower bounds"
                    )
            if ids:
                self.book.events = None if stats_error is not None else events
            for error in (issues_error, stats_error):
                if error is not None:
                    out.warnings.append(error.reason)
            self._readings(out, None, issues_error, stats_error)
        if self.options.releases and ids:
            self._releases(out, deadline)
        return out

    def _releases(self, out: Collection, deadline: float) -> None:
        """Deploy markers from new releases; a failure is a warning, never a panel error."""
        teams_by_slug: dict[str, list[str]] = {}
        for team, ids in self.projects.by_team.items():
            for pid in ids:
                teams_by_slug.setdefault(self.projects.slugs.get(pid, ""), []).append(team)
        try:
            found = fetch_releases(self.api, self.options.org, deadline, self._org_not_found())
        except CollectorError as exc:
            out.warnings.append(f"releases: {exc.reason}")
            return
        out.markers += markers(found, teams_by_slug)

    def _issues(self, ids: frozenset[str], deadline: float) -> tuple[list[Issue], bool, int | None]:
        opts = self.options
        return queries.unresolved_issues(
            self.api,
            opts.org,
            ids,
            period=opts.period,
            max_pages=opts.max_pages,
            deadline=deadline,
            not_found=self._org_not_found(),
        )

    def _events(self, deadline: float) -> dict[str, float]:
        return queries.events_last_hour(
            self.api, self.options.org, deadline=deadline, not_found=self._org_not_found()
        )

    def _org_not_found(self) -> str:
        return queries.org_not_found(self.options.org, self.context.id)

    def _readings(
        self,
        out: Collection,
        teams: set[str] | None,
        issues_error: CollectorError | None = None,
        stats_error: CollectorError | None = None,
        issues_only: bool = False,
    ) -> None:
        """Fill ``out`` for every panel of ``teams`` (all when None); caller holds the lock."""
        now = time.time()
        for panel in self.context.panels:
            metric = getattr(panel.options, "metric", "unresolved")
            if issues_only and metric == "events_1h":
                continue
            limit = getattr(panel.options, "limit", 5)
            error = stats_error if metric == "events_1h" else issues_error
            if error is not None:
                out.failures[(None, panel.id)] = error
                continue
            for team in panel.teams:
                if teams is not None and team not in teams:
                    continue
                if team in self.projects.errors:
                    out.failures[(team, panel.id)] = self.projects.errors[team]
                    continue
                ids = self.projects.by_team.get(team)
                if ids is None:
                    continue
                try:
                    out.readings[(team, panel.id)] = self.book.reading(metric, ids, limit, now)
                except CollectorError as exc:
                    out.failures[(team, panel.id)] = exc

    def _replay(self, since: float) -> None:
        for at, action, issue, status in self._journal:
            if at >= since:
                self.book.apply_issue(action, issue, status)

    # -- webhooks -----------------------------------------------------------------------
    def verify(self, request: PushRequest) -> bool:
        return webhook.signed(self._webhook_secret, request)

    def check(self, request: PushRequest) -> bool:
        """Whether a verified webhook is one this wall shows (CollectorError: malformed)."""
        return webhook.parse(request) is not None

    def receive(self, request: PushRequest) -> Collection | None:
        """Amend the book from a verified webhook; readings for the teams it concerns.

        Before the first successful poll nothing is pushed (a count made from one
        webhook would be wrong); the change is kept and replayed onto that poll.
        """
        hook = webhook.parse(request)
        return None if hook is None else self._apply(hook)

    def _apply(self, payload: SentryHook) -> Collection:
        data = payload.body.get("data")
        if not isinstance(data, Mapping):
            raise CollectorError('webhook body has no "data" object', kind="bad_request")
        action = str(payload.body.get("action") or "")
        out = Collection()
        with self._lock:
            if payload.resource == "issue" and isinstance(data.get("issue"), Mapping):
                issue = Issue.from_api(data["issue"])
                status = str(data["issue"].get("status") or "")
                self._journal.append((time.monotonic(), action, issue, status))
                self.book.apply_issue(action, issue, status)
                project = issue.project_id
            elif payload.resource == "event_alert" and isinstance(data.get("event"), Mapping):
                event = data["event"]
                project = str(event.get("project", ""))
                slug = self.projects.slugs.get(project, "")
                self.book.apply_event(event, {"id": project, "slug": slug})
            else:
                raise CollectorError(
                    f'unsupported Sentry webhook "{payload.resource}"', kind="bad_request"
                )
            if self.book.loaded:
                # While issue polling fails, issue panels keep their error (failures are
                # not pushed); the change waits in the book for the next good poll.
                unknown = None if self._issues_ok else CollectorError("issue polling failing")
                teams = set(self.projects.teams_of([project]))
                only = payload.resource == "issue"  # an issue change adds no error event
                self._readings(out, teams, unknown, issues_only=only)
        return out

    # -- memory across restarts (collectors.base.Memory) ----------------------------------
    def export_memory(self) -> dict[str, Any]:
        """Unresolved issues with their first-seen (the new-issue windows) and rate limits."""
        with self._lock:
            issues = (
                [issue_data(i) for i in self.book.issues.values()] if self.book.loaded else None
            )
        return {"issues": issues, "blocked": self.api.export_blocks()}

    def import_memory(self, memory: Mapping[str, Any]) -> None:
        saved, blocked = memory.get("issues"), memory.get("blocked")
        if isinstance(blocked, Mapping):
            ok = {str(k): float(v) for k, v in blocked.items() if isinstance(v, (int, float))}
            self.api.import_blocks(ok)
        if isinstance(saved, list):
            issues = [i for i in (issue_from(d) for d in saved) if i is not None]
            with self._lock:
                self.book.load(issues, truncated=False)

    # -- wallboard check-config --online ------------------------------------------------
    def check_online(self, deadline: float) -> list[tuple[str, str]]:
        """Ask Sentry whether the token, the organisation and every team's projects resolve."""
        base = f"sources.{self.context.id}"
        try:
            self.projects.refresh(time.monotonic(), deadline)
            self._events(deadline)  # one cheap request that needs the org and the token
            unknown = self.projects.unknown_ids(deadline)
        except CollectorError as exc:
            keys = {"auth": self.token_key, "not_found": f"{base}.org"}
            return [(keys.get(exc.kind, f"{base}.url"), exc.reason)]
        problems = [(f"teams.{team}", error.reason) for team, error in self.projects.errors.items()]
        org = cast(SentryOptions, self.context.options).org
        problems += [
            (f"teams.{team}.sentry_projects", f'no project with id {", ".join(ids)} in "{org}"')
            for team, ids in unknown.items()
        ]
        return problems

    def http_stats(self) -> list[HttpStats]:
        return [self.client.stats]

    def close(self) -> None:
        self.api.close()
