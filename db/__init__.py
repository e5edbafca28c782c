"""The database: connections, the migration runner and the typed data-access layer."""

# The data-access layer, one module per aggregate: ``from db import plans``.
from db import deadletters, devices, dumping, maintenance, plans, readings, schedule
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
    "advice",
    "deadletters",
    "devices",
    "drop_database",
    "dumping",
    "dumps",
    "ensure_database",
    "load_migrations",
    "maintenance",
    "plans",
    "readings",
    "schedule",
    "servicedays",
    "timescaledb_installed",
    "upgrade",
    "uses_timescale",
    "with_database",
]
