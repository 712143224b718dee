"""Model to view: what the screens, the API and chat show of the board (no Flask).

``board/`` holds the truth; this package turns it into what people read, once:

- ``shapes``: a panel as JSON (values formatted, thresholds, items, history) and a
  team's summary, the one shape the screen, the API and chat share;
- ``team``: one ``TeamView`` per (team, board version), built once and reused by the
  hub's frames, the pages, the API and chat;
- ``order``: ``worst_first`` and the rank it sorts by (config order breaks ties),
  which the /wall page also receives instead of sorting by a rule of its own;
- ``screen_shape``, ``sparkline``, ``problems``: what a kiosk screen writes (CSS
  classes, badges, texts, sparkline geometry, the tile's one-line problem);
- ``chat``: one-line texts and Slack Block Kit.
"""
