"""Every table a wallboard state file holds: the board's and the pairing records'.

A file with any other table, or one of these with other columns, is another
application's database (``file.NotOurs``).
"""

BOARD = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS panels (team TEXT NOT NULL, panel TEXT NOT NULL,"
    " data TEXT NOT NULL, PRIMARY KEY (team, panel))",
    "CREATE TABLE IF NOT EXISTS sources (id TEXT PRIMARY KEY, type TEXT NOT NULL,"
    " state TEXT, memory TEXT)",
)
BOARD_TABLES = ("meta", "panels", "sources")
DEVICES = (
    "CREATE TABLE IF NOT EXISTS device_pending (code TEXT PRIMARY KEY,"
    " secret_hash TEXT NOT NULL, address TEXT NOT NULL, created_at REAL NOT NULL,"
    " expires_at REAL NOT NULL, device_id TEXT)",
    "CREATE INDEX IF NOT EXISTS device_pending_secret ON device_pending (secret_hash)",
    "CREATE TABLE IF NOT EXISTS device_records (id TEXT PRIMARY KEY, name TEXT NOT NULL,"
    " page TEXT NOT NULL, paired_at REAL NOT NULL, approved_by TEXT NOT NULL,"
    " credential_hash TEXT, revoked_at REAL)",
    "CREATE INDEX IF NOT EXISTS device_records_credential ON device_records (credential_hash)",
    # The page a waiting screen was opened at (its approval's default), beside its code: a
    # table of its own, so state files written before it still read as ours.
    "CREATE TABLE IF NOT EXISTS device_pending_page (code TEXT PRIMARY KEY, page TEXT NOT NULL)",
)
ALL = (*BOARD, *DEVICES)
