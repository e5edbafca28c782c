"""The database: connections, the migration runner and the typed data-access layer."""

from db.conn import (
    Conn,
    connect,
    database_name,
    drop_database,
    ensure_database,
    timescaledb_installed,
    with_database,
)
from db.migrate import TimescaleMode, load_migrations, upgrade, uses_timescale

__all__ = [
    "Conn",
    "TimescaleMode",
    "connect",
    "database_name",
    "drop_database",
    "ensure_database",
    "load_migrations",
    "timescaledb_installed",
    "upgrade",
    "uses_timescale",
    "with_database",
]
