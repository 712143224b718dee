"""Collection: the scheduler that runs every source, and the log of their failures."""
