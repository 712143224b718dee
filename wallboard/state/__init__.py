"""The board's state outside the process: a local SQLite file (default) or Redis (replicas).

Shaped like ``collectors/``: ``ports.py`` is the contract (every capability a store
may offer, the one ``StoreUnavailable``), ``image.py`` the board as a store writes and
reads it, ``codec.py`` its JSON, and one folder per backend with one ``open(wall)``:
``sqlite/`` and ``redis/``. Other packages import ``state.ports`` only.
"""
