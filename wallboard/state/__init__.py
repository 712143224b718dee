"""The board's state outside the process: a local SQLite file (default) or Redis (replicas)."""
