"""The four-metre harness: what a viewer across the room gets from a screen, measured in
real Chromium from the DOM.

Every text the server renders carries its role (``data-role`` in templates/_panel.html);
``measure`` reads each visible text's role and computed size in CSS px, and finds text
cut without an ellipsis, text boxes that overlap, and lists that hide rows without a
"+N more". A team name is a *troubled* name when its tile is not ok, a *calm* name
otherwise; a value is *failing* when its row or panel is crit or warn.

Walls are generated with exact states: N teams, the first T of them troubled (crit and
warn alternating, each with a failing service), set on the real board of an unscheduled
wall. Used by tests/screens/test_four_metres.py and ``python -m tests.support.four_metres``
(the table of smallest sizes per case).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from collectors.base import Collection, Item, Reading
from tests.support.live import write_config

# (id, title, unit, warn, crit, calm value, failing value) of a generated team's metric panels.
METRICS = [
    ("error_rate", "HTTP 5xx rate", "percent", 1.0, 5.0, 0.0012, 0.093),
    ("latency", "p99 latency", "ms", 400, 800, 0.180, 0.950),
    ("queue", "Queue depth", "count", 100, 500, 12.0, 912.0),
    ("saturation", "CPU saturation", "percent", 70, 90, 0.35, 0.96),
]
SERVICES = ("ledger-writer", "card-auth", "payout-api", "fx-rates")
# The roles whose smallest size the issue tracks, and the role of each in the table (the
# last, a failing value's label on a troubled tile, has no floor of its own in the issue).
TRACKED = ("troubled-name", "what-wrong", "since", "failing-value", "calm-name", "row-title")
CASE_TEAMS = (8, 12, 20)
CASE_TROUBLED = (1, 3, 6, 9)
VIEWPORTS = ((1366, 768), (1920, 1080), (3840, 2160))
# Targets at 1920x1080 (px), by how many teams are troubled: up to 6, and 7 to 12.
TARGETS = {
    "troubled-name": (40, 32),
    "what-wrong": (32, 24),
    "since": (24, 24),
    "failing-value": (48, 48),
    "calm-name": (28, 28),
}


def team_id(i: int) -> str:
    return f"team{i:02d}"


def team_name(i: int) -> str:
    names = ("Payments", "Search", "Checkout", "Identity", "Ledger", "Catalog", "Shipping")
    return f"{names[i % len(names)]} {i:02d}"


# A wall read from a Prometheus source that never runs, and its health panel. These pages
# measure layout, not liveness: on the default heartbeat (10 s), a machine starved for a few
# seconds does not turn a measurement into a reconnect (the liveness tests use 1 s).
HEADER = [
    '[wall]\ntitle = "four metres"\nheartbeat = "10s"\n',
    '[screen]\ndrift_every = "1h"\nqr_codes = true\n',  # measured with the QR of trouble
    '[sources.prom]\ntype = "prometheus"\nurl = "http://127.0.0.1:9"\n'
    'interval = "1h"\nstale_after = "1h"\n',
    '[panels.services]\ntitle = "Services"\nsource = "prom"\nkind = "health"\n'
    'unit = "count"\nquery = "up"\n',
]


def metric_panels(metrics: list[tuple[Any, ...]]) -> list[str]:
    return [
        f'[panels.{pid}]\ntitle = "{title}"\nsource = "prom"\nunit = "{unit}"\n'
        f'query = "{pid}"\nwarn = {warn}\ncrit = {crit}\n'
        for pid, title, unit, warn, crit, *_ in metrics
    ]


def wall_config(directory: Path, teams: int) -> Path:
    """A wall of ``teams`` teams, each with a health panel and four metric panels, read
    from a Prometheus source that never runs (the tests set every state on the board)."""
    lines = [*HEADER, *metric_panels(METRICS)]
    names = ", ".join(f'"{p}"' for p in ["services", *(m[0] for m in METRICS)])
    for i in range(teams):
        lines.append(f'[teams.{team_id(i)}]\nname = "{team_name(i)}"\npanels = [{names}]\n')
    return write_config(directory, "\n".join(lines))


def readings(teams: int, troubled: int) -> dict[tuple[str, str], Reading]:
    """Exact readings: teams 0..troubled-1 in trouble (even ones crit with a service down
    and a crit error rate, odd ones warn on latency), every other team calm."""
    out: dict[tuple[str, str], Reading] = {}
    for i in range(teams):
        tid = team_id(i)
        bad = i < troubled
        crit = bad and i % 2 == 0
        down = (SERVICES[i % len(SERVICES)],) if crit else ()
        out[(tid, "services")] = Reading(
            value=float(4 - len(down)),
            text=f"{4 - len(down)} / 4 up",
            status="crit" if down else "ok",
            items=tuple(Item(title=s, status="crit", detail="HTTP 503") for s in down),
        )
        for pid, _title, _unit, warn, _crit, calm, failing in METRICS:
            value = calm
            if crit and pid == "error_rate":
                value = failing
            if bad and not crit and pid == "latency":
                value = (warn + 50) / 1000  # warn, below crit
            out[(tid, pid)] = Reading(value=value)
    return out


def apply(wall: Any, teams: int, troubled: int) -> None:
    """Set every team's state on the real board (one successful collection)."""
    wall.board.apply("prom", Collection(readings=readings(teams, troubled)))


def targets(troubled: int, height: int) -> dict[str, float]:
    """The smallest size each tracked role may have, in px, at a viewport ``height`` high."""
    column = 0 if troubled <= 6 else 1
    return {role: sizes[column] * height / 1080 for role, sizes in TARGETS.items()}


# Every visible text with a role: its role, size, text; then silent clips, overlaps and
# lists that hide rows without saying so.
MEASURE = """
() => {
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && !el.closest('[hidden]');
  };
  const textRect = (el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    return range.getBoundingClientRect();
  };
  const role = (el) => {
    const r = el.dataset.role;
    const box = el.closest('.row, .panel, .tile');
    const bad = box && /(^| )status-(crit|warn)( |$)/.test(box.className);
    if (r === 'team-name') {
      const tile = el.closest('.tile');
      return tile && tile.dataset.status !== 'ok' ? 'troubled-name' : 'calm-name';
    }
    // A calm panel folded into the strip below a team page's grid: a line of text.
    if (r === 'value' && el.closest('[data-folded]')) return 'folded-value';
    if (r === 'value') return bad ? 'failing-value' : 'value';
    return r;
  };
  // The boxes that clip an element: itself and its ancestors whose overflow is not visible.
  const clippers = (el) => {
    const out = [];
    for (let n = el; n && n !== document.documentElement; n = n.parentElement) {
      const s = getComputedStyle(n);
      if (s.overflowX !== 'visible' || s.overflowY !== 'visible') out.push(n);
    }
    return out;
  };
  const ellipsis = (n) => {
    const s = getComputedStyle(n);
    return s.textOverflow === 'ellipsis' || (s.webkitLineClamp && s.webkitLineClamp !== 'none');
  };
  const texts = [];
  const clipped = [];
  for (const el of document.querySelectorAll('[data-role]')) {
    if (el.closest('template') || !visible(el) || !el.textContent.trim()) continue;
    const t = textRect(el);
    if (t.width === 0 || t.height === 0) continue;
    // A text's box is its font's full height (about 1.16 em in DejaVu); lines set tighter
    // (1.12) overhang their box by a few px with no glyph cut. Cut means more than that.
    const px = parseFloat(getComputedStyle(el).fontSize);
    const slack = Math.max(2, 0.15 * px);
    let shown = {left: t.left, top: t.top, right: t.right, bottom: t.bottom};
    let dotsAt = null;  // the right edge where an inner box ends the line with an ellipsis
    for (const n of clippers(el)) {
      const c = n.getBoundingClientRect();
      if (dotsAt === null && ellipsis(n) && t.right > c.right + 1) dotsAt = c.right;
      // Dots drawn at an inner box's edge are only seen if no outer box cuts before it.
      const cutWithDots = dotsAt !== null && c.right >= dotsAt - 1;
      const cut = {
        x: t.left < c.left - 1 || t.right > c.right + 1,
        y: t.top < c.top - slack || t.bottom > c.bottom + slack,
      };
      // Cut across (a row's lower half) is never an ellipsis; cut along the line is one
      // only when the cutting box draws it.
      if (cut.y || (cut.x && !cutWithDots)) {
        const seen = Math.max(0, Math.min(t.bottom, c.bottom) - Math.max(t.top, c.top));
        // Entirely outside its box: a hidden row (the lists' check), not a cut text.
        if (seen > 0 || cut.x) clipped.push(role(el) + ': ' + el.textContent.trim());
      }
      shown = {left: Math.max(shown.left, c.left), top: Math.max(shown.top, c.top),
               right: Math.min(shown.right, c.right), bottom: Math.min(shown.bottom, c.bottom)};
    }
    if (shown.right > innerWidth + 1 || shown.bottom > innerHeight + 1) {
      clipped.push(role(el) + ' off screen: ' + el.textContent.trim());
    }
    if (shown.right - shown.left < 1 || shown.bottom - shown.top < 1) continue;
    texts.push({el, role: role(el), px, text: el.textContent.trim(), box: shown});
  }
  // Overlaps: the drawn parts of two texts, neither inside the other, cross by > 2 px.
  const overlaps = [];
  for (let i = 0; i < texts.length; i++) {
    for (let j = i + 1; j < texts.length; j++) {
      const a = texts[i], b = texts[j];
      if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
      const w = Math.min(a.box.right, b.box.right) - Math.max(a.box.left, b.box.left);
      const h = Math.min(a.box.bottom, b.box.bottom) - Math.max(a.box.top, b.box.top);
      const slack = 0.15 * Math.min(a.px, b.px);  // the font boxes' overhang, as above
      if (w > 2 && h > Math.max(2, 2 * slack)) overlaps.push(a.text + ' / ' + b.text);
    }
  }
  // Lists: a row hidden below its box (or its tile) needs a visible "+N more" in the list.
  const silent = [];
  const starved = [];
  for (const list of document.querySelectorAll('.items, .rows')) {
    if (list.closest('template') || !visible(list)) continue;
    const rows = Array.from(list.children).filter((li) => li.dataset.role !== 'more');
    const hidden = rows.filter((li) => {
      const r = li.getBoundingClientRect();
      if (r.height === 0) return false;
      const slack = Math.max(2, 0.15 * parseFloat(getComputedStyle(li).fontSize));
      const below = (n) => r.bottom > n.getBoundingClientRect().bottom + slack;
      return clippers(li.parentElement).some(below);
    });
    const more = list.querySelector('[data-role="more"]');
    // "+ 12 more" and not one row: the list says nothing of what is wrong.
    const seen = rows.filter((li) => visible(li) && !hidden.includes(li));
    if (more && visible(more) && rows.length && !seen.length) {
      const owner = list.closest('[data-team], [data-panel]');
      starved.push(owner ? owner.dataset.team || owner.dataset.panel : '?');
    }
    if (hidden.length && !(more && visible(more))) {
      const owner = list.closest('[data-team], [data-panel]');
      const name = owner ? owner.dataset.team || owner.dataset.panel : '?';
      silent.push(name + ': ' + hidden.length + ' hidden');
    }
  }
  // Since when: on every troubled tile shown and every panel that is not ok.
  const since = (box) => {
    const el = box.querySelector('[data-role="since"]');
    return el && visible(el) && el.textContent.trim();
  };
  const boxes = Array.from(document.querySelectorAll('.tile, .panel')).filter((box) =>
    visible(box) && box.dataset.status && box.dataset.status !== 'ok'
    && box.dataset.fit !== 'folded');
  const noSince = boxes.filter((box) => !since(box))
    .map((box) => box.dataset.team || box.dataset.panel);
  // Failing values of one troubled tile: each with its own visible label, and two side by
  // side at least 0.4 of a value apart ("3 / 4 up 9.30 %" reads as one figure).
  const merged = [];
  for (const tile of document.querySelectorAll('.tile')) {
    if (!visible(tile) || tile.dataset.status === 'ok') continue;
    const values = texts.filter((t) => t.role === 'failing-value' && tile.contains(t.el));
    for (const v of values) {
      const label = v.el.closest('.row')?.querySelector('[data-role="row-title"]');
      const named = label && visible(label) && label.textContent.trim();
      if (!named) merged.push(v.text + ': no label');
    }
    for (let i = 0; i < values.length; i++) {
      for (let j = i + 1; j < values.length; j++) {
        const a = values[i].box, b = values[j].box;
        const line = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        const apart = Math.max(b.left - a.right, a.left - b.right);
        const em = Math.min(values[i].px, values[j].px);
        const pair = values[i].text + ' | ' + values[j].text;
        if (line > 0.5 * em && apart < 0.4 * em) merged.push(pair);
      }
    }
  }
  // Worse trouble reads larger: no tile's name or failing value is drawn larger than that
  // of a tile in worse trouble (a lone warn tile must not outgrow the crit ones).
  const order = JSON.parse(document.body.dataset.severity || '[]');
  const largest = (tile, r) => Math.max(0, ...texts
    .filter((t) => t.role === r && tile.contains(t.el)).map((t) => t.px));
  const ranked = Array.from(document.querySelectorAll('.tile')).filter((tile) =>
    visible(tile) && tile.dataset.status !== 'ok' && tile.dataset.fit !== 'paged')
    .map((tile) => ({team: tile.dataset.team, rank: order.indexOf(tile.dataset.status),
                     name: largest(tile, 'troubled-name'), value: largest(tile, 'failing-value')}));
  const outranked = [];
  for (const a of ranked) {
    for (const b of ranked) {
      if (a.rank >= b.rank) continue;
      for (const r of ['name', 'value']) {
        if (a[r] > b[r] + 0.5) outranked.push(`${a.team}'s ${r} ${a[r]} px > ${b.team}'s ${b[r]}`);
      }
    }
  }
  // The QR names a team this page shows, never one paged off.
  const qr = document.getElementById('qr');
  const qrTeam = qr && visible(qr) ? qr.dataset.qrTeam : null;
  const qrTile = qrTeam && document.querySelector(`.tile[data-team="${CSS.escape(qrTeam)}"]`);
  const qrOff = qrTile && qrTile.dataset.fit === 'paged' ? [qrTeam] : [];
  // Troubled teams left off this page: the pager must say so.
  const paged = document.querySelectorAll('.tile[data-fit="paged"]').length;
  const pager = document.getElementById('pager');
  const smallest = {};
  for (const t of texts) smallest[t.role] = Math.min(smallest[t.role] ?? Infinity, t.px);
  return {
    texts: texts.map(({role, px, text}) => ({role, px, text})),
    smallest, clipped, overlaps, silent, starved, merged, noSince, paged, outranked, qrOff,
    pager: pager && visible(pager) ? pager.textContent.trim() : '',
  };
}
"""


def measure(page: Any) -> dict[str, Any]:
    """Roles and sizes of every visible text, and what a viewer cannot read (see MEASURE)."""
    result: dict[str, Any] = page.evaluate(MEASURE)
    return result


def faults(sizes: dict[str, Any], troubled: int, height: int) -> list[str]:
    """What a viewer at four metres would miss on a measured /wall (empty: nothing)."""
    out = [f"cut: {t}" for t in sizes["clipped"]]
    out += [f"overlap: {t}" for t in sizes["overlaps"]]
    out += [f"rows hidden without +N more: {t}" for t in sizes["silent"]]
    out += [f"no since-when: {t}" for t in sizes["noSince"]]
    out += [f"a list shows no row: {name}" for name in sizes["starved"]]
    out += [f"failing values read as one: {t}" for t in sizes["merged"]]
    out += [f"under the QR: {t}" for t in sizes.get("qrCovers", [])]
    out += [f"reads larger than worse trouble: {t}" for t in sizes["outranked"]]
    out += [f"the QR names {t}, a team paged off this page" for t in sizes["qrOff"]]
    for role, floor in targets(troubled, height).items():
        size = sizes["smallest"].get(role)
        if size is None:
            out.append(f"{role}: not shown")
        elif size < floor - 0.05:  # px rounding: 28 x 768/1080 is drawn as 19.9
            out.append(f"{role}: {size:.1f} px < {floor:.1f}")
    if sizes["paged"] and f"of {troubled}" not in sizes["pager"]:
        out.append(f"{sizes['paged']} troubled teams off the page, pager says {sizes['pager']!r}")
    return out


def tracked(sizes: dict[str, Any]) -> dict[str, float | None]:
    """The smallest size of each tracked role (None: the page shows no such text)."""
    return {role: sizes["smallest"].get(role) for role in TRACKED}


# Team pages: (panels on the page) -> its panels, always a health and an alerts panel.
TEAM_PANELS = (4, 6, 8)
TEAM_SCALES = ("1", "2")
EXTRA_METRICS = [
    ("errors", "5xx per second", "count", 5, 20, 0.4, 31.0),
    ("disk", "Disk used", "percent", 80, 90, 0.41, 0.93),
]
# Targets on a team page at 1920x1080 (px): values by panel count, titles and list rows.
TEAM_VALUE_TARGET = {4: 64, 6: 64, 8: 48}
TEAM_TEXT_TARGET = 28


def alert_names(n: int = 12) -> tuple[Item, ...]:
    """``n`` firing alerts with long names, as a busy Alertmanager sends them."""
    return tuple(
        Item(
            f"PaymentsLedgerWriterHighErrorBudgetBurn{i:02d}",
            "crit" if i % 3 else "warn",
            "5xx above 5 % on ledger-writer for 5 min",
            since=1.0,
        )
        for i in range(n)
    )


def team_page_config(directory: Path, panels: int) -> Path:
    """One team, ``panels`` panels: services, alerts, then metric panels."""
    metrics = (METRICS + EXTRA_METRICS)[: panels - 2]
    alerts = (
        '[panels.alerts]\ntitle = "Firing alerts"\nsource = "prom"\nkind = "alerts"\n'
        'unit = "count"\nquery = "ALERTS"\n'
    )
    lines = [*HEADER, alerts, *metric_panels(metrics)]
    names = ", ".join(f'"{p}"' for p in ["services", "alerts", *(m[0] for m in metrics)])
    lines.append(f'[teams.team00]\nname = "Payments"\npanels = [{names}]\n')
    return write_config(directory, "\n".join(lines))


def team_page_readings(panels: int) -> dict[tuple[str, str], Reading]:
    """A service down, 12 alerts firing, a crit error rate; the other metrics calm."""
    down = (Item("ledger-writer", "crit", "HTTP 503", since=1.0),)
    out = {
        ("team00", "services"): Reading(3.0, "3 / 4 up", "crit", items=down),
        ("team00", "alerts"): Reading(12.0, "12 firing", "crit", items=alert_names()),
    }
    for pid, _title, _unit, _warn, _crit, calm, failing in (METRICS + EXTRA_METRICS)[: panels - 2]:
        out[("team00", pid)] = Reading(value=failing if pid == "error_rate" else calm)
    return out


# Empty cells of the team page's grid while some list hides rows.
EMPTY_CELLS = """
() => {
  const grid = document.querySelector('#panels, .panels');
  if (!grid) return 0;
  // Calm panels folded into the strip below the grid take no cell of it.
  const cols = getComputedStyle(grid).gridTemplateColumns.split(' ').length;
  const rows = getComputedStyle(grid).gridTemplateRows.split(' ').length;
  const shown = Array.from(grid.children).filter(
    (p) => p.getBoundingClientRect().width > 0 && !p.dataset.folded);
  const cells = shown.reduce((n, p) => {
    const s = getComputedStyle(p);
    const span = (v) => { const m = /span (\\d+)/.exec(v); return m ? Number(m[1]) : 1; };
    const cols = Math.max(span(s.gridColumnStart), span(s.gridColumnEnd));
    return n + cols * Math.max(span(s.gridRowStart), span(s.gridRowEnd));
  }, 0);
  // The QR of a troubled team fills a cell when it lies inside the grid, over no panel.
  const qr = document.getElementById('qr');
  const box = qr && !qr.hidden ? qr.getBoundingClientRect() : null;
  const inside = (r, x, y) => x >= r.left && x <= r.right && y >= r.top && y <= r.bottom;
  const held = box && inside(grid.getBoundingClientRect(), box.x + box.width / 2,
    box.y + box.height / 2) && !shown.some((p) => {
      const r = p.getBoundingClientRect();
      return r.left < box.right && box.left < r.right && r.top < box.bottom && box.top < r.bottom;
    }) ? 1 : 0;
  return Math.max(0, cols * rows - cells - held);
}
"""

# Texts, panels and tiles the QR of a troubled screen lies over (none: it takes free room).
QR_COVERS = """
() => {
  const qr = document.getElementById('qr');
  if (!qr || qr.hidden) return [];
  const q = qr.getBoundingClientRect();
  const parts = document.querySelectorAll('.stage [data-role], .stage .panel, .stage .tile');
  return Array.from(parts).filter((el) => {
    // What shows of it: a row's since-when past its ellipsis is clipped by its panel.
    const r = el.getBoundingClientRect();
    const c = (el.closest('.panel, .tile') || el).getBoundingClientRect();
    const left = Math.max(r.left, c.left), right = Math.min(r.right, c.right);
    const top = Math.max(r.top, c.top), bottom = Math.min(r.bottom, c.bottom);
    return r.width > 0 && left < q.right && q.left < right && top < q.bottom
      && q.top < bottom;
  }).map((el) => (el.dataset.role || el.className) + ': '
    + (el.textContent || '').trim().slice(0, 40));
}
"""


def team_faults(sizes: dict[str, Any], panels: int, height: int) -> list[str]:
    """What a viewer at four metres would miss on a measured team page (empty: nothing)."""
    out = [f"cut: {t}" for t in sizes["clipped"]]
    out += [f"overlap: {t}" for t in sizes["overlaps"]]
    out += [f"rows hidden without +N more: {t}" for t in sizes["silent"]]
    out += [f"no since-when: {t}" for t in sizes["noSince"]]
    k = height / 1080
    floors = {
        "values": TEAM_VALUE_TARGET[panels] * k,
        "panel-title": TEAM_TEXT_TARGET * k,
        "list-row": TEAM_TEXT_TARGET * k,
    }
    folded = sizes["smallest"].get("folded-value")
    if folded is not None and folded < TEAM_TEXT_TARGET * k - 0.05:
        out.append(f"folded-value: {folded:.1f} px < {TEAM_TEXT_TARGET * k:.1f}")
    out += [f"a list shows no row: {name}" for name in sizes["starved"]]
    for role, floor in floors.items():
        size = team_sizes(sizes)[role]
        if size is None:
            out.append(f"{role}: not shown")
        elif size < floor - 0.05:
            out.append(f"{role}: {size:.1f} px < {floor:.1f}")
    out += [f"under the QR: {t}" for t in sizes.get("qrCovers", [])]
    out += [f"reads larger than worse trouble: {t}" for t in sizes["outranked"]]
    out += [f"the QR names {t}, a team paged off this page" for t in sizes["qrOff"]]
    if sizes.get("emptyCells") and sizes["more"]:
        out.append(f"{sizes['emptyCells']} empty grid cells while a list is clipped")
    return out


def team_sizes(sizes: dict[str, Any]) -> dict[str, float | None]:
    """The smallest value (failing or not), panel title and list row on a team page."""
    small = sizes["smallest"]
    values = [small[r] for r in ("value", "failing-value") if r in small]
    return {
        "values": min(values) if values else None,
        "panel-title": small.get("panel-title"),
        "list-row": small.get("list-row"),
    }
