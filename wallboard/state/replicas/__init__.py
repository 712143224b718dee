"""Several replicas on one Redis: one poller by lease, one board everywhere (docs/replicas.md)."""
